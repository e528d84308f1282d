/**
 * `npm run dev`: one command for the whole local stack.
 *
 *   1. brings the database up to date (before the app opens it: PGlite allows one owner),
 *   2. starts the Dev IdP on 127.0.0.1:3001 (unless AUTH_DEV_IDP=0), registered for the app's port
 *      (scripts/dev-stack.ts: PORT=4000 npm run dev works),
 *   3. starts `next dev` on localhost:3000 (or PORT), and says where to go once it answers.
 *
 * One Ctrl-C stops everything; if either server dies, the other is stopped too.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";

import nextEnv from "@next/env";

import { DEV_USERS } from "../idp/users";
import { DevStackError, devStackEnv } from "./dev-stack";

const require = createRequire(import.meta.url);
const root = process.cwd();
nextEnv.loadEnvConfig(root, true);

// One public origin, so the redirect URI registered at the provider is the one we send; the Dev IdP
// registered for it, and found by the app where it listens.
try {
  Object.assign(process.env, devStackEnv(process.env));
} catch (error) {
  if (!(error instanceof DevStackError)) throw error;
  console.error(`[dev] ${error.message}`);
  process.exit(1);
}
const port = process.env.PORT!;
const appUrl = process.env.AUTH_URL!;

console.log("[dev] Bringing the database up to date (the first run creates the embedded one: a few seconds)…");
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
  Promise.all(children.map((child) => (child.exitCode !== null ? null : new Promise((r) => child.once("exit", r))))).then(() =>
    process.exit(exitCode),
  );
}

process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const withDevIdp = process.env.AUTH_DEV_IDP !== "0" && process.env.AUTH_DEV_IDP !== "false";
if (withDevIdp) start("Dev IdP", ["--import", "tsx", "idp/server.ts"]);
console.log(`[dev] Starting Next.js on ${appUrl} (the first page compiles on first visit)…`);
start("Next.js", [require.resolve("next/dist/bin/next"), "dev", "--port", port]);

/** Once the app answers: where to go, and who to sign in as. */
async function announceWhenReady(): Promise<void> {
  for (let attempt = 0; attempt < 240 && !stopping; attempt++) {
    try {
      if ((await fetch(`${appUrl}/api/health`)).ok) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (stopping) return;
  const lines = [`[dev] Ready: open ${appUrl}`];
  if (withDevIdp) {
    lines.push('[dev] Press "Continue with Dev IdP" and sign in as one of its test users:');
    for (const user of DEV_USERS)
      lines.push(`[dev]   ${user.email} / ${user.password}${user.emailVerified ? "" : " (address not verified)"}`);
  }
  console.log(lines.join("\n"));
}
void announceWhenReady();
