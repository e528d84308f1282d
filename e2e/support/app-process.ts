import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

import { DEV_IDP_TEST_CLIENT_SECRET, E2E_DIST_DIR, IDP_URL, TEST_AUTH_SECRET } from "./stack";

/**
 * Extra instances of the production build, started by a test itself (start-up validation,
 * graceful shutdown, several instances on one database). They reuse the build the e2e
 * webServer made (E2E_DIST_DIR), so no test pays for another `next build`.
 */

const require = createRequire(import.meta.url);
const nextBin = require.resolve("next/dist/bin/next");
const root = process.cwd();

export interface AppProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or 128 + signal). */
  exited: Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** A valid production environment for an extra instance; tests override what they probe. */
export function productionEnv(port: number, overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    NEXT_DIST_DIR: E2E_DIST_DIR,
    NEXT_TELEMETRY_DISABLED: "1",
    AUTH_SECRET: TEST_AUTH_SECRET,
    AUTH_URL: `http://localhost:${port}`,
    AUTH_DEV_IDP: "1",
    DEV_IDP_ISSUER: IDP_URL,
    DEV_IDP_CLIENT_SECRET: DEV_IDP_TEST_CLIENT_SECRET,
    // The deployment tests read the database's and the session cache's state from /api/health.
    HEALTH_DETAILS: "1",
    // Most instances run on a fresh embedded database (e2e/deployment/startup.spec.ts checks the refusal).
    ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION: "1",
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export function startApp(port: number, env: NodeJS.ProcessEnv): AppProcess {
  const child = spawn(process.execPath, [nextBin, "start", "--port", String(port)], { cwd: root, env });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? 128 + (signal === "SIGKILL" ? 9 : 15)));
  });
  return {
    url: `http://localhost:${port}`,
    child,
    output: () => output,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls the liveness endpoint until the instance answers (or exits, or time runs out). */
export async function waitUntilReady(app: AppProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let done = false;
  void app.exited.then(() => (done = true));
  while (Date.now() < deadline) {
    if (done) throw new Error(`the app exited before it was ready:\n${app.output()}`);
    try {
      const response = await fetch(`${app.url}/api/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the app was not ready after ${timeoutMs} ms:\n${app.output()}`);
}

/** A fresh, migrated embedded database in a temp folder (removed by the returned cleanup). */
export function freshPgliteDatabase(): { url: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "oauth-e2e-extra-"));
  const url = `pglite:${path.join(dir, "db")}`;
  const migrate = spawnSync(process.execPath, ["--import", "tsx", "scripts/db-migrate.ts"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url },
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migration failed:\n${migrate.stdout}${migrate.stderr}`);
  return { url, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
