/**
 * Production builds for the bench, each from a snapshot of the sources, with a proof that a build
 * it reuses is current.
 *
 * The working tree is read once (tracked and untracked files that git does not ignore, under the
 * folders the app is built from, plus the generated Prisma client and the bench's own build files),
 * hashed, and written to bench/out/.build-<variant>/: "app" as it is, "no-proxy" with proxy.ts's
 * matcher emptied, "empty-proxy" with a proxy that lets everything through on the same matcher
 * (what Next.js charges for running any proxy at all). The variants differ only by files of the
 * bench's own (bench/lib/variants.ts: proxy.ts from bench/variants/, and tsconfig paths for the
 * seams every variant replaces); no app source is rewritten. Every variant also gets the public
 * twin of /dashboard (bench/dashboard-twin/, scenario 1b). The variants therefore come from
 * byte-identical sources, and other people editing the working tree during a build cannot change
 * what is being built.
 *
 * Each snapshot is built with `next build` into its own distDir (NEXT_DIST_DIR) with a tsconfig of
 * its own (NEXT_TSCONFIG_PATH). After a successful build, .bench-build.json records the sources'
 * fingerprint (every file's path and SHA-256, the package-lock, Next.js's version, the build
 * environment, the variant's proxy.ts and tsconfig). A later run reuses the build only when the
 * working tree hashes to the same fingerprint, the snapshot's files still hash to what was recorded
 * and the build's BUILD_ID is there; anything else is rebuilt. Builds this bench did not make
 * (.next, .next-e2e-*) are never reused: nothing proves what they were built from.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { CPU_PLAN, pinned } from "./cpus";
import { run } from "./proc";
import { benchFileTarget, benchTsconfig, proxyFor, type Variant } from "./variants";

export type { Variant } from "./variants";

const require = createRequire(import.meta.url);
export const NEXT_BIN = require.resolve("next/dist/bin/next");
export const NEXT_VERSION = (JSON.parse(readFileSync(require.resolve("next/package.json"), "utf8")) as { version: string }).version;

export const DIST_DIR = ".next-bench";
const TSCONFIG = "tsconfig.bench.json";
const STAMP = ".bench-build.json";
const STAMP_VERSION = 4;

/** Folders the app is built from. */
const SOURCE_DIRS = ["app", "components", "lib", "idp", "prisma", "public"];
/**
 * Files the bench runs from the snapshot: the migration script and the Dev IdP's test browser (its
 * IdP process checks a bench user can sign in). Not all of scripts/ or test/: `next build`
 * type-checks every file in the snapshot, and those import from e2e/ and Vitest.
 */
const SOURCE_FILES = new Set(["scripts/db-migrate.ts", "test/support/idp-browser.ts"]);
/** Root files that are not part of the app build. */
const ROOT_FILES_LEFT_OUT = new Set(["vitest.config.ts", "playwright.config.ts", "package-lock.json"]);
const ROOT_FILE = /\.(ts|tsx|mjs|js|cjs|json)$/;

export interface SourceFile {
  path: string;
  content: Buffer;
  sha256: string;
}

export interface Sources {
  files: SourceFile[];
  /** SHA-256 over every file's path and hash, the package-lock, Next.js's version and the build env. */
  fingerprint: string;
}

export interface BuildInfo {
  variant: Variant;
  dir: string;
  distDir: string;
  fingerprint: string;
  reused: boolean;
  /** Why it was (re)built, or why the existing one was reused. */
  reason: string;
  buildSeconds: number | undefined;
  builtAt: string;
}

interface Stamp {
  version: number;
  variant: Variant;
  fingerprint: string;
  builtAt: string;
  buildSeconds: number;
  nextVersion: string;
  files: Record<string, string>;
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** Every file under `dir` (relative to `root`), as paths relative to `root`. */
export function walk(dir: string, root: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(rel, root));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

function isSourceFile(file: string): boolean {
  if (/\.test\.tsx?$/.test(file)) return false;
  if (!file.includes("/")) return ROOT_FILE.test(file) && !ROOT_FILES_LEFT_OUT.has(file);
  return SOURCE_FILES.has(file) || SOURCE_DIRS.some((dir) => file.startsWith(`${dir}/`));
}

/** Reads the working tree's app sources once. */
export function readSources(root: string, buildEnv: Record<string, string>): Sources {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  })
    .split("\0")
    .filter(Boolean);
  const names = new Set(listed.filter((file) => isSourceFile(file) || benchFileTarget(file)));
  // The generated Prisma client is git-ignored but part of what gets built.
  if (existsSync(path.join(root, "prisma/generated"))) for (const file of walk("prisma/generated", root)) names.add(file);

  const files: SourceFile[] = [];
  for (const name of [...names].sort()) {
    let content: Buffer;
    try {
      content = readFileSync(path.join(root, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue; // tracked, deleted in the working tree
      throw error;
    }
    files.push({ path: benchFileTarget(name) ?? name, content, sha256: sha256(content) });
  }
  const hash = createHash("sha256");
  hash.update(`bench-build-v${STAMP_VERSION}\nnext ${NEXT_VERSION}\n`);
  hash.update(`package-lock ${sha256(readFileSync(path.join(root, "package-lock.json")))}\n`);
  for (const [key, value] of Object.entries(buildEnv).sort()) hash.update(`env ${key}=${value}\n`);
  for (const file of files) hash.update(`${file.path}\0${file.sha256}\n`);
  return { files, fingerprint: hash.digest("hex") };
}

/** The files that make the variant: its proxy.ts and its tsconfig (bench/lib/variants.ts). */
function variantFiles(variant: Variant, sources: Sources): { proxy: Buffer; tsconfig: string } {
  const byPath = new Map(sources.files.map((file) => [file.path, file.content]));
  const read = (file: string) => {
    const content = byPath.get(file);
    if (!content) throw new Error(`the bench's snapshot has no ${file}`);
    return content;
  };
  return { proxy: proxyFor(variant, read), tsconfig: benchTsconfig(read("tsconfig.json").toString("utf8"), byPath) };
}

function variantFingerprint(sources: Sources, variant: Variant, files: { proxy: Buffer; tsconfig: string }): string {
  return sha256(`${sources.fingerprint}\nvariant ${variant}\nproxy.ts ${sha256(files.proxy)}\n${TSCONFIG} ${sha256(files.tsconfig)}\n`);
}

/** Why an existing build may not be reused, or undefined when it may. */
function staleness(dir: string, variant: Variant, fingerprint: string): string | undefined {
  const stampFile = path.join(dir, STAMP);
  if (!existsSync(stampFile)) return "no earlier bench build";
  let stamp: Stamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, "utf8")) as Stamp;
  } catch {
    return "unreadable build stamp";
  }
  if (stamp.version !== STAMP_VERSION || stamp.variant !== variant) return "build stamp from another bench version";
  if (stamp.fingerprint !== fingerprint) return "the sources changed since the last bench build";
  if (!existsSync(path.join(dir, DIST_DIR, "BUILD_ID"))) return "the build output is incomplete";
  for (const [file, hash] of Object.entries(stamp.files)) {
    let content: Buffer;
    try {
      content = readFileSync(path.join(dir, file));
    } catch {
      return `the snapshot lost ${file}`;
    }
    if (sha256(content) !== hash) return `the snapshot's ${file} was modified`;
  }
  return undefined;
}

function writeSnapshot(root: string, dir: string, sources: Sources, variant: { proxy: Buffer; tsconfig: string }): Record<string, string> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const written: Record<string, string> = {};
  for (const file of sources.files) {
    const target = path.join(dir, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    const content = file.path === "proxy.ts" ? variant.proxy : file.content;
    writeFileSync(target, content);
    written[file.path] = sha256(content);
  }
  symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
  // Next.js adds its distDir's types to the tsconfig it is given: this one is the build's own
  // (so it is not among the files the stamp checks).
  writeFileSync(path.join(dir, TSCONFIG), variant.tsconfig);
  return written;
}

export function buildEnv(base: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...base,
    NODE_ENV: "production",
    NEXT_DIST_DIR: DIST_DIR,
    NEXT_TSCONFIG_PATH: TSCONFIG,
    NEXT_TELEMETRY_DISABLED: "1",
  };
}

/** Reuses the variant's build when it is provably current, else snapshots and builds it. */
export async function ensureBuild(options: {
  root: string;
  outDir: string;
  variant: Variant;
  sources: Sources;
  env: Record<string, string>;
  force: boolean;
  log: (line: string) => void;
}): Promise<BuildInfo> {
  const { root, outDir, variant, sources, env, force, log } = options;
  const dir = path.join(outDir, `.build-${variant}`);
  const files = variantFiles(variant, sources);
  const fingerprint = variantFingerprint(sources, variant, files);
  const stale = force ? "--rebuild" : staleness(dir, variant, fingerprint);
  if (!stale) {
    const stamp = JSON.parse(readFileSync(path.join(dir, STAMP), "utf8")) as Stamp;
    log(`${variant}: reusing the build of ${stamp.builtAt} (sources unchanged: fingerprint ${fingerprint.slice(0, 12)})`);
    return {
      variant,
      dir,
      distDir: path.join(dir, DIST_DIR),
      fingerprint,
      reused: true,
      reason: "working tree, snapshot and build stamp all match",
      buildSeconds: stamp.buildSeconds,
      builtAt: stamp.builtAt,
    };
  }
  log(`${variant}: building (${stale}); log in ${path.relative(root, path.join(outDir, "logs", `build-${variant}.log`))}`);
  const written = writeSnapshot(root, dir, sources, files);
  const started = Date.now();
  const logFile = path.join(outDir, "logs", `build-${variant}.log`);
  rmSync(logFile, { force: true });
  // Every core for the build (the run itself is pinned to some of them: bench/lib/cpus.ts).
  const [command, args] = pinned(CPU_PLAN.all, process.execPath, [NEXT_BIN, "build"]);
  await run(`next build (${variant})`, command, args, { cwd: dir, env: buildEnv(env), logFile });
  const buildSeconds = Math.round((Date.now() - started) / 100) / 10;
  const builtAt = new Date().toISOString();
  const stamp: Stamp = { version: STAMP_VERSION, variant, fingerprint, builtAt, buildSeconds, nextVersion: NEXT_VERSION, files: written };
  writeFileSync(path.join(dir, STAMP), `${JSON.stringify(stamp, null, 1)}\n`);
  log(`${variant}: built in ${buildSeconds} s`);
  return { variant, dir, distDir: path.join(dir, DIST_DIR), fingerprint, reused: false, reason: stale, buildSeconds, builtAt };
}
