/**
 * `.ci/run`'s Vercel stage: Vercel's own builder (`vercel build`, the CLI on PATH, pinned by
 * .ci/run) run offline on this checkout, then a check of what it produced (Build Output API v3,
 * https://vercel.com/docs/build-output-api/v3): the proxy and every route of the app are functions
 * on Node.js, on the major version package.json and .nvmrc declare; none runs on the Edge runtime.
 *
 * `vercel build` reads the project's settings from .vercel/project.json, which `vercel pull` would
 * fetch from a linked project; with no account here, this script writes them.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = process.cwd();
const output = path.join(root, ".vercel", "output");
const nodeMajor = readFileSync(path.join(root, ".nvmrc"), "utf8").trim();
const runtime = `nodejs${nodeMajor}.x`;

function writeProjectSettings(): void {
  mkdirSync(path.join(root, ".vercel"), { recursive: true });
  const settings = {
    projectId: "prj_ci_offline",
    orgId: "team_ci_offline",
    settings: {
      framework: "nextjs",
      // No Node version here: Vercel takes it from package.json's engines, as a deployment does,
      // and the check below compares the result with .nvmrc.
      // vercel.json's buildCommand applies; the dependencies are already installed.
      installCommand: "true",
      buildCommand: null,
      outputDirectory: null,
      rootDirectory: null,
      devCommand: null,
      commandForIgnoringBuildStep: null,
    },
  };
  writeFileSync(path.join(root, ".vercel", "project.json"), `${JSON.stringify(settings, null, 2)}\n`);
}

/** Every `<name>.func` folder under functions/, as `<name>` (e.g. "api/me", "_middleware"). */
function functionsIn(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (!statSync(full).isDirectory()) return [];
    if (entry.endsWith(".func")) return [`${prefix}${entry.slice(0, -".func".length)}`];
    return functionsIn(full, `${prefix}${entry}/`);
  });
}

function vcConfig(name: string): { runtime?: string } {
  return JSON.parse(readFileSync(path.join(output, "functions", `${name}.func`, ".vc-config.json"), "utf8"));
}

/** The app's routes as Next.js lists them ("/api/me", "/dashboard"…), without its internal ones. */
function appRoutes(distDir: string): string[] {
  const manifest: Record<string, string> = JSON.parse(readFileSync(path.join(distDir, "app-path-routes-manifest.json"), "utf8"));
  return Object.values(manifest).filter((route) => !route.startsWith("/_"));
}

function main(): number {
  writeProjectSettings();
  rmSync(output, { recursive: true, force: true });
  const built = spawnSync("vercel", ["build", "--yes"], {
    stdio: "inherit",
    env: { ...process.env, VERCEL_TELEMETRY_DISABLED: "1", NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (built.status !== 0) {
    console.error(`[vercel] vercel build failed (exit ${built.status ?? built.signal})`);
    return 1;
  }

  const problems: string[] = [];
  const config = JSON.parse(readFileSync(path.join(output, "config.json"), "utf8")) as { version?: number };
  if (config.version !== 3) problems.push(`.vercel/output/config.json: version ${config.version}, expected 3`);

  const functions = functionsIn(path.join(output, "functions"));
  for (const name of functions) {
    const { runtime: actual } = vcConfig(name);
    if (actual !== runtime) problems.push(`${name}: runtime ${actual ?? "(none: Edge)"}, expected ${runtime}`);
  }
  if (!functions.includes("_middleware")) problems.push("the proxy (proxy.ts) is not a function (_middleware.func)");
  for (const route of appRoutes(path.join(root, ".next"))) {
    const name = route === "/" ? "index" : route.slice(1);
    if (!functions.includes(name)) problems.push(`route ${route} has no function (${name}.func)`);
  }

  if (problems.length) {
    console.error(`[vercel] the build output is not what a deployment needs:\n  ${problems.join("\n  ")}`);
    return 1;
  }
  console.log(`[vercel] ${functions.length} functions, all on ${runtime}, the proxy and every route among them`);
  return 0;
}

process.exitCode = main();
