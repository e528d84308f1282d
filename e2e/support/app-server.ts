/**
 * Starts one production build of the app for the e2e suite (Playwright's webServer runs this):
 *
 *   app       the app as it ships: `next build` + `next start`
 *   no-proxy  a copy of the app whose proxy matcher matches nothing, built on its own, to prove
 *             that pages, server actions and route handlers refuse anonymous requests themselves
 *
 * Each gets a fresh database of its own, migrated by `npm run db:migrate`, so runs never see old
 * rows, the two servers never share one, and the developer's data is never touched:
 *
 *   E2E_DATABASE_URL unset                 embedded PGlite in a temp folder
 *   E2E_DATABASE_URL=postgresql://…        a new database oauth_e2e_<variant>_<port>_<random> on
 *                                          that server (a schema of that name if the role may not
 *                                          create databases); ones a killed run left are dropped
 *
 * Playwright stops web servers with SIGKILL, so nothing in this process can clean up after it:
 * a small detached watchdog (this file again, "cleanup") waits for this process to end, however
 * it ends, then deletes the folder or drops the database.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

const require = createRequire(import.meta.url);
const nextBin = require.resolve("next/dist/bin/next");
const root = process.cwd();
const variant = process.argv[2];

interface Cleanup {
  pgliteDir?: string;
  server?: { url: string; name: string };
}

const EMPTIED_MATCHER = `matcher: ["/__proxy-matcher-emptied__"]`;

/** A copy of the app's sources with proxy.ts matching nothing; node_modules is shared. */
function prepareNoProxyCopy(): string {
  const dir = path.join(root, ".e2e", `no-proxy-${process.env.PORT ?? "default"}`);
  // With E2E_SKIP_BUILD=1 the copy's previous build is what gets started: keep it.
  const keep = process.env.E2E_SKIP_BUILD === "1" ? process.env.NEXT_DIST_DIR : undefined;
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(dir)) {
    if (entry !== keep) rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
  for (const entry of [
    "app",
    "components",
    "lib",
    "idp",
    "prisma",
    "public",
    "next.config.mjs",
    "postcss.config.mjs",
    "tsconfig.json",
    "package.json",
  ]) {
    try {
      cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  // Tests are not part of the app (and import things the copy leaves out).
  for (const file of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (file.endsWith(".test.ts")) rmSync(path.join(dir, file));
  }
  const proxy = readFileSync(path.join(root, "proxy.ts"), "utf8");
  const emptied = proxy.replace(/matcher:\s*\[[^\]]*\]/, EMPTIED_MATCHER);
  if (!emptied.includes(EMPTIED_MATCHER)) throw new Error("could not find the matcher in proxy.ts to empty it");
  writeFileSync(path.join(dir, "proxy.ts"), emptied);
  symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/** A tsconfig for this build only (see next.config.mjs), extending the project's. */
function buildTsconfig(dir: string, env: NodeJS.ProcessEnv): string {
  const file = path.join(".e2e", `tsconfig.${env.NEXT_DIST_DIR ?? "next"}.json`);
  mkdirSync(path.join(dir, ".e2e"), { recursive: true });
  const config = { extends: "../tsconfig.json", include: ["../next-env.d.ts", "../**/*.ts", "../**/*.tsx"] };
  writeFileSync(path.join(dir, file), `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): void {
  const result = spawnSync(command, args, { cwd, env, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`[e2e] ${[command, ...args].join(" ")} failed (${result.status ?? result.signal})`);
    process.exit(1);
  }
}

/** Deletes what `cleanup` names once this process has ended (see the top of this file). */
function startWatchdog(cleanup: Cleanup): void {
  const watchdog = spawn(process.execPath, ["--import", "tsx", path.join(root, "e2e/support/app-server.ts"), "cleanup"], {
    cwd: root,
    env: { ...process.env, E2E_CLEANUP: JSON.stringify(cleanup) },
    // Its own process group, so that Playwright's kill of ours leaves it running.
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  watchdog.unref();
}

/** A fresh database for this server: its DATABASE_URL. */
async function freshDatabase(variant: string, port: string): Promise<string> {
  const serverUrl = process.env.E2E_DATABASE_URL;
  if (!serverUrl) {
    const dir = mkdtempSync(path.join(tmpdir(), `oauth-e2e-${variant}-`));
    startWatchdog({ pgliteDir: dir });
    return `pglite:${path.join(dir, "db")}`;
  }
  if (!/^postgres(ql)?:\/\//i.test(serverUrl)) {
    console.error("[e2e] E2E_DATABASE_URL must be a postgresql:// URL (unset: a fresh PGlite database per server).");
    process.exit(2);
  }
  const { createServerDatabase } = await import("../../test/support/database");
  const database = await createServerDatabase(serverUrl, `oauth_e2e_${variant.replace(/\W/g, "_")}_${port}`);
  startWatchdog({ server: { url: serverUrl, name: database.name } });
  console.log(`[e2e] ${variant}: ${database.label} on PostgreSQL`);
  return database.url;
}

async function main(variant: "app" | "no-proxy"): Promise<void> {
  const port = process.env.PORT ?? "3100";
  const projectDir = variant === "no-proxy" ? prepareNoProxyCopy() : root;
  const databaseUrl = await freshDatabase(variant, port);
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl };
  // A production build on the embedded database: allowed here, as for a single-box trial.
  if (databaseUrl.startsWith("pglite:")) env.ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION = "1";

  run("npm", ["run", "--silent", "db:migrate"], root, env);
  if (process.env.E2E_SKIP_BUILD !== "1") {
    run(process.execPath, [nextBin, "build"], projectDir, {
      ...env,
      NODE_ENV: "production",
      NEXT_TSCONFIG_PATH: buildTsconfig(projectDir, env),
    });
  }

  const server = spawn(process.execPath, [nextBin, "start", "--port", port], {
    cwd: projectDir,
    env: { ...env, NODE_ENV: "production" },
    stdio: "inherit",
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      server.kill("SIGTERM");
    });
  }
  server.on("exit", (code) => {
    process.exit(code ?? 0);
  });
}

if (variant === "cleanup") {
  // The watchdog: our parent holds the other end of stdin; EOF means it is gone.
  const cleanup = JSON.parse(process.env.E2E_CLEANUP ?? "{}") as Cleanup;
  const drop = cleanup.server ? (await import("../../test/support/database")).dropServerDatabase : undefined;
  process.stdin.on("close", async () => {
    if (cleanup.pgliteDir) rmSync(cleanup.pgliteDir, { recursive: true, force: true });
    if (cleanup.server) await drop?.(cleanup.server.url, cleanup.server.name).catch(() => {});
    process.exit(0);
  });
  process.stdin.resume();
} else if (variant !== "app" && variant !== "no-proxy") {
  console.error("usage: app-server.ts app|no-proxy");
  process.exit(2);
} else {
  await main(variant);
}
