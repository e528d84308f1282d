/**
 * `npm run dev`: one command for the whole local stack.
 *
 *   1. brings the database up to date (before the app opens it: PGlite allows one owner),
 *   2. starts the Dev IdP on 127.0.0.1:3001 (unless AUTH_DEV_IDP=0),
 *   3. starts `next dev` on localhost:3000.
 *
 * One Ctrl-C stops everything; if either server dies, the other is stopped too.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";

import nextEnv from "@next/env";

const require = createRequire(import.meta.url);
const root = process.cwd();
nextEnv.loadEnvConfig(root, true);

const port = process.env.PORT ?? "3000";
// One public origin, so the redirect URI registered at the provider is the one we send.
process.env.AUTH_URL ??= `http://localhost:${port}`;

const migrate = spawnSync(process.execPath, ["--import", "tsx", "scripts/db-migrate.ts"], { stdio: "inherit" });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const children: ChildProcess[] = [];
let stopping = false;

function start(name: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, args, { stdio: "inherit", env: process.env });
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`[dev] ${name} stopped (${signal ?? `exit ${code}`}); stopping the rest.`);
      stop(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

function stop(exitCode: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  const deadline = setTimeout(() => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    process.exit(exitCode);
  }, 5_000);
  deadline.unref();
  Promise.all(children.map((child) => (child.exitCode !== null ? null : new Promise((r) => child.once("exit", r))))).then(
    () => process.exit(exitCode),
  );
}

process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

if (process.env.AUTH_DEV_IDP !== "0" && process.env.AUTH_DEV_IDP !== "false") {
  start("Dev IdP", ["--import", "tsx", "idp/server.ts"]);
}
start("Next.js", [require.resolve("next/dist/bin/next"), "dev", "--port", port]);
