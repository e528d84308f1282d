/**
 * Starts one production build of the app for the e2e suite (Playwright's webServer runs this):
 *
 *   app       the app as it ships: `next build` + `next start`
 *   no-proxy  a copy of the app whose proxy matcher matches nothing, built on its own, to prove
 *             that pages, server actions and route handlers refuse anonymous requests themselves
 *
 * Each gets a fresh, migrated database of its own (PGlite in a temp folder unless
 * E2E_DATABASE_URL names another), so the developer's data is never touched.
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
if (variant !== "app" && variant !== "no-proxy") {
  console.error("usage: app-server.ts app|no-proxy");
  process.exit(2);
}

const EMPTIED_MATCHER = `matcher: ["/__proxy-matcher-emptied__"]`;

/** A copy of the app's sources with proxy.ts matching nothing; node_modules is shared. */
function prepareNoProxyCopy(): string {
  const dir = path.join(root, ".e2e", `no-proxy-${process.env.PORT ?? "default"}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const entry of ["app", "components", "lib", "prisma", "public", "next.config.mjs", "tsconfig.json", "package.json"]) {
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
function buildTsconfig(dir: string): string {
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

const projectDir = variant === "no-proxy" ? prepareNoProxyCopy() : root;

let databaseDir: string | undefined;
let databaseUrl = process.env.E2E_DATABASE_URL;
if (!databaseUrl) {
  databaseDir = mkdtempSync(path.join(tmpdir(), `oauth-e2e-${variant}-`));
  databaseUrl = `pglite:${path.join(databaseDir, "db")}`;
}
const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl };

run(process.execPath, ["--import", "tsx", path.join(root, "scripts/db-migrate.ts")], root, env);
if (process.env.E2E_SKIP_BUILD !== "1") {
  run(process.execPath, [nextBin, "build"], projectDir, {
    ...env,
    NODE_ENV: "production",
    NEXT_TSCONFIG_PATH: buildTsconfig(projectDir),
  });
}

const server = spawn(process.execPath, [nextBin, "start", "--port", env.PORT ?? "3100"], {
  cwd: projectDir,
  env: { ...env, NODE_ENV: "production" },
  stdio: "inherit",
});

function cleanUp(): void {
  if (databaseDir) rmSync(databaseDir, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.kill("SIGTERM");
  });
}
server.on("exit", (code) => {
  cleanUp();
  process.exit(code ?? 0);
});
