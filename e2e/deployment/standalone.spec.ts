import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { expect, test } from "@playwright/test";

import { freshPgliteDatabase, productionEnv, type AppProcess, waitUntilReady } from "../support/app-process";
import { USERS, signIn } from "../support/dev-idp";
import { EXTRA_APP_URLS, PORT_BASE } from "../support/stack";

/**
 * `NEXT_OUTPUT=standalone` (what the Dockerfile ships): the self-contained server, run from its
 * own folder with nothing but what Next.js traced into it, signs a person in end to end.
 */

const require = createRequire(import.meta.url);
const PORT = Number(new URL(EXTRA_APP_URLS.standalone).port);
const DIST = `.next-e2e-standalone-${PORT_BASE}`;

test.describe.configure({ timeout: 300_000 });

let app: AppProcess | undefined;
let database: ReturnType<typeof freshPgliteDatabase> | undefined;

test.beforeAll(async () => {
  // A whole `next build` happens here.
  test.setTimeout(300_000);
  const root = process.cwd();
  rmSync(path.join(root, DIST), { recursive: true, force: true });
  // Its own tsconfig, so the build leaves tsconfig.json alone (see next.config.mjs).
  const tsconfig = path.join(".e2e", `tsconfig.${DIST}.json`);
  mkdirSync(".e2e", { recursive: true });
  writeFileSync(tsconfig, JSON.stringify({ extends: "../tsconfig.json", include: ["../next-env.d.ts", "../**/*.ts", "../**/*.tsx"] }));
  const build = spawnSync(process.execPath, [require.resolve("next/dist/bin/next"), "build"], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", NEXT_OUTPUT: "standalone", NEXT_DIST_DIR: DIST, NEXT_TSCONFIG_PATH: tsconfig },
    encoding: "utf8",
  });
  expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);

  const standalone = path.join(root, DIST, "standalone");
  expect(existsSync(path.join(standalone, "server.js"))).toBe(true);
  // As the Dockerfile does: static assets are served by the standalone server from its own folder.
  cpSync(path.join(root, DIST, "static"), path.join(standalone, DIST, "static"), { recursive: true });

  database = freshPgliteDatabase();
  const env = productionEnv(PORT, { DATABASE_URL: database.url, NEXT_DIST_DIR: undefined, PORT: String(PORT), HOSTNAME: "127.0.0.1" });
  const child = spawn(process.execPath, ["server.js"], { cwd: standalone, env });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 143)));
  app = {
    url: `http://localhost:${PORT}`,
    child,
    output: () => output,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  await waitUntilReady(app);
});

test.afterAll(async () => {
  await app?.stop();
  database?.remove();
});

test("the standalone server answers its health check with the database", async () => {
  const health = await fetch(`${app!.url}/api/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: "ok", db: "ok", sessionCache: "idle" });
});

test("the standalone server signs alice in through the Dev IdP", async ({ page }) => {
  await signIn(page, USERS.alice, `${app!.url}/dashboard`);
  await expect(page).toHaveURL(`${app!.url}/dashboard`);
  await expect(page.getByText(`Signed in as ${USERS.alice.email}`)).toBeVisible();
  // Signing in checked a session, which started the session cache's change feed on the embedded database.
  await expect.poll(async () => (await (await fetch(`${app!.url}/api/health`)).json()).sessionCache, { timeout: 10_000 }).toBe("live");
});
