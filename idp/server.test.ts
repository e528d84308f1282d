/**
 * The CLI entry (`npm run idp`) as its own process: starts from env, logs one line,
 * serves discovery, exits 0 on SIGTERM; exits 1 with a clear message on bad config.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

const children: ChildProcess[] = [];

function startCli(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "idp/server.ts"], {
    cwd: ROOT,
    env: { ...process.env, DEV_IDP_TEST_API: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return { child, out: () => stdout, err: () => stderr };
}

async function waitFor(predicate: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

describe("npm run idp (idp/server.ts)", () => {
  it("listens on DEV_IDP_PORT, logs one line without secrets, serves discovery and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const cli = startCli({ DEV_IDP_PORT: String(port), DEV_IDP_ISSUER: "", DEV_IDP_CLIENT_SECRET: "cli-test-secret-value" });
    await waitFor(() => cli.out().includes("\n"), "the start line");

    expect(cli.out()).toMatch(new RegExp(`^Dev IdP listening on http://127\\.0\\.0\\.1:${port} `));
    expect(cli.out().trim().split("\n")).toHaveLength(1);
    expect(cli.out() + cli.err()).not.toContain("cli-test-secret-value");

    const discovery = (await (await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
    };
    expect(discovery.issuer).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`http://127.0.0.1:${port}/__test/stats`)).status).toBe(404);

    const exited = once(cli.child, "exit");
    cli.child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it("exits 1 with a clear message for a bad DEV_IDP_PORT", async () => {
    const cli = startCli({ DEV_IDP_PORT: "not-a-port" });
    const [code] = (await once(cli.child, "exit")) as [number | null];
    expect(code).toBe(1);
    expect(cli.err()).toContain(
      'Dev IdP: invalid configuration: DEV_IDP_PORT must be a port number between 1 and 65535, got "not-a-port".',
    );
    expect(cli.out()).toBe("");
  });
});

describe("loadDevIdpConfig (.env files via @next/env)", () => {
  it("reads .env and .env.local like Next.js: .env.local beats .env, real environment variables beat both", () => {
    const dir = mkdtempSync(join(tmpdir(), "dev-idp-env-"));
    try {
      writeFileSync(join(dir, ".env"), "DEV_IDP_CLIENT_ID=from-dotenv\nDEV_IDP_PORT=4999\nDEV_IDP_CLIENT_SECRET=from-dotenv\n");
      writeFileSync(join(dir, ".env.local"), "DEV_IDP_PORT=4888\n");
      const script = `const m = await import("./idp/config.ts"); console.log(JSON.stringify(m.loadDevIdpConfig(${JSON.stringify(dir)})));`;
      const run = (nodeEnv: "development" | "test") => {
        const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NODE_ENV: nodeEnv, DEV_IDP_CLIENT_SECRET: "from-real-env" };
        const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
          cwd: ROOT,
          env,
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
        });
        return JSON.parse(out) as { port: number; clientId: string; clientSecret: string };
      };
      expect(run("development")).toMatchObject({ port: 4888, clientId: "from-dotenv", clientSecret: "from-real-env" });
      // As in Next.js, NODE_ENV=test ignores .env.local.
      expect(run("test")).toMatchObject({ port: 4999, clientId: "from-dotenv", clientSecret: "from-real-env" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
