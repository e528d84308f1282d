/**
 * An earlier commit of the app, built beside this one (scenario r, `--baseline=<commit>`): the
 * same harness, the same machine and the same packages on both sides, so that what differs is the
 * app's code. The commit's files come from `git archive` into bench/out/.baseline-<commit>/, less
 * what the app does not run (the bench, the e2e tree, unit tests and their configuration: `next
 * build` type-checks every file its tsconfig includes). The project's node_modules are hard-linked
 * in: an older lockfile may name older patch releases, and measuring the code means measuring it on
 * the same packages. Its Prisma client comes from its own schema, its tables from its own
 * migration script. A build is reused while the commit, the packages and the fixes below hash the same.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import { DIST_DIR, NEXT_VERSION, walk } from "./build";
import { BUILD_ENV, OUT, ROOT } from "./config";
import { CPU_PLAN, pinned } from "./cpus";
import { run } from "./proc";

export interface BaselineBuild {
  commit: string;
  dir: string;
  reused: boolean;
  fingerprint: string;
  /** The fixes below this snapshot needed (by the commit that made each). */
  fixes: string[];
}

/**
 * What an older snapshot needs to run at all on today's toolchain, each the change a later commit
 * made for the same reason. Applied only where the snapshot still has the old text, exactly once.
 */
const RUNTIME_FIXES = [
  {
    commit: "d56a202",
    why: "Node 24's Request constructor cannot copy the Proxy Next.js hands route handlers (Cannot read private member #state): Auth.js's GET routes failed",
    files: ["lib/request-body.ts", "lib/security/request-body.ts"],
    before: "handler(request instanceof NextRequest ? request : new NextRequest(request))",
    after:
      "handler(request instanceof NextRequest ? request : new NextRequest(request.url, { method: request.method, headers: request.headers, signal: request.signal }))",
  },
] as const;

/** Folders and files of a commit the app's build and server never use. */
const LEFT_OUT = [
  /^bench\//,
  /^e2e\//,
  /^docs\//,
  /^\.ci\//,
  /^\.github\//,
  /\.test\.tsx?$/,
  /^(vitest|playwright)\.config\.ts$/,
  /^scripts\/screenshots\.ts$/,
];

const STAMP = ".bench-baseline.json";
/** Raised whenever how a baseline is copied or built changes: older builds are then not reused. */
const BASELINE_BUILD_VERSION = 1;

/** The full commit a name (a hash, a tag, HEAD~3) stands for in this repository. */
export function resolveCommit(name: string): string {
  try {
    return execFileSync("git", ["rev-parse", "--verify", "--quiet", `${name}^{commit}`], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    throw new Error(`--baseline=${name}: no such commit in this repository`);
  }
}

/** The snapshot's files as the commit has them, less what the app does not run, with the fixes it needs. */
function extract(commit: string, dir: string): string[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync("tar", ["-x", "-C", dir], { input: execFileSync("git", ["archive", commit], { cwd: ROOT, maxBuffer: 1 << 30 }) });
  for (const file of walk(".", dir)) if (LEFT_OUT.some((pattern) => pattern.test(file))) rmSync(path.join(dir, file));
  return applyRuntimeFixes(dir);
}

/** Applies each runtime fix where the snapshot in `dir` still has its old text; refuses text found twice. */
export function applyRuntimeFixes(dir: string): string[] {
  const applied: string[] = [];
  for (const fix of RUNTIME_FIXES) {
    for (const file of fix.files) {
      const target = path.join(dir, file);
      if (!existsSync(target)) continue;
      const text = readFileSync(target, "utf8");
      const found = text.split(fix.before).length - 1;
      if (found === 0) continue;
      if (found > 1) throw new Error(`${file} has the text ${fix.commit} fixes ${found} times: which one to fix is not clear`);
      writeFileSync(
        target,
        text.replace(fix.before, () => fix.after),
      );
      applied.push(`${fix.commit} (${file}): ${fix.why}`);
    }
  }
  return applied;
}

/** Reuses the commit's build when nothing it was made from changed, else extracts and builds it. */
export async function ensureBaselineBuild(name: string, options: { force: boolean; log: (line: string) => void }): Promise<BaselineBuild> {
  const commit = resolveCommit(name);
  const dir = path.join(OUT, `.baseline-${commit.slice(0, 12)}`);
  const logFile = path.join(OUT, "logs", `build-baseline-${commit.slice(0, 12)}.log`);
  const fingerprint = createHash("sha256")
    .update(`baseline build v${BASELINE_BUILD_VERSION}\ncommit ${commit}\nnext ${NEXT_VERSION}\n${JSON.stringify(RUNTIME_FIXES)}\n`)
    .update(JSON.stringify(BUILD_ENV))
    .update(readFileSync(path.join(ROOT, "package-lock.json")))
    .digest("hex");
  const stampFile = path.join(dir, STAMP);
  const stamp = existsSync(stampFile) ? (JSON.parse(readFileSync(stampFile, "utf8")) as { fingerprint?: string; fixes?: string[] }) : {};
  if (!options.force && stamp.fingerprint === fingerprint && existsSync(path.join(dir, DIST_DIR, "BUILD_ID"))) {
    options.log(`baseline ${commit.slice(0, 12)}: reusing its build`);
    return { commit, dir, reused: true, fingerprint, fixes: stamp.fixes ?? [] };
  }
  options.log(`baseline ${commit.slice(0, 12)}: building; log in ${path.relative(ROOT, logFile)}`);
  const fixes = extract(commit, dir);
  for (const fix of fixes) options.log(`  fix applied: ${fix}`);
  // Hard-linked, as for the peers (bench/lib/peers.ts says why not a symlink).
  execFileSync("cp", ["-al", path.join(ROOT, "node_modules"), path.join(dir, "node_modules")]);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production" };
  await run(`prisma generate (baseline)`, process.execPath, ["--import", "tsx", "scripts/db-generate.ts"], { cwd: dir, env, logFile });
  // Turbopack warns that it takes the project's folder as the workspace root (the topmost
  // lockfile); what it compiles is still the copy's (its chunks are named after this folder).
  // Into the distDir the app's builds use (its next.config.mjs reads NEXT_DIST_DIR), so that both
  // sides are served by the same server settings (bench/lib/servers.ts).
  const [command, args] = pinned(CPU_PLAN.all, process.execPath, [baselineNextBin(dir), "build"]);
  const buildEnv = { ...env, ...BUILD_ENV, NEXT_DIST_DIR: DIST_DIR, NEXT_TELEMETRY_DISABLED: "1" };
  await run(`next build (baseline)`, command, args, { cwd: dir, env: buildEnv, logFile });
  writeFileSync(stampFile, `${JSON.stringify({ fingerprint, fixes, builtAt: new Date().toISOString() })}\n`);
  return { commit, dir, reused: false, fingerprint, fixes };
}

/** The Next.js a baseline is built and served with: the hard-linked copy in its own node_modules. */
export const baselineNextBin = (dir: string) => path.join(dir, "node_modules", "next", "dist", "bin", "next");
