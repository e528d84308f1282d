/**
 * The peers (bench/peers/): other apps built from files of the bench's own, on the same Next.js.
 * A peer is layers of folders copied in order (a later layer's file replaces an earlier one's) to
 * bench/out/.peer-<name>/, with the project's node_modules hard-linked in, then built with
 * `next build`. A build is reused while its files, the package-lock, Next.js's version and the build
 * environment hash the same (the stamp beside it).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import { NEXT_VERSION, walk } from "./build";
import { AUTH_SECRET, BENCH_DIR, IDP_ISSUER, OUT, ROOT } from "./config";
import { CPU_PLAN, pinned } from "./cpus";
import { BENCH_DEV_IDP_CLIENT_ID, BENCH_DEV_IDP_CLIENT_SECRET } from "./idp-users";
import { run } from "./proc";

export type PeerName = "bare" | "authjs-jwt" | "authjs-database" | "better-auth" | FloorStep;
/** The bare app with one thing of this app's added (scenario f). */
export type FloorStep = "floor-headers" | "floor-channel" | "floor-handler";

/** The folders of bench/peers/ each peer is made of: `base` is the bare app every peer starts from. */
const LAYERS: Record<PeerName, readonly string[]> = {
  bare: ["base"],
  "authjs-jwt": ["base", "authjs"],
  "authjs-database": ["base", "authjs", "authjs-database"],
  "better-auth": ["base", "better-auth"],
  "floor-headers": ["base", "floor-headers"],
  "floor-channel": ["base", "floor-channel"],
  "floor-handler": ["base", "floor-handler"],
};

/** Files of the project a peer's build reads (floor-headers imports the app's next.config.mjs): hashed with its own. */
const PROJECT_FILES_READ: Partial<Record<PeerName, readonly string[]>> = { "floor-headers": ["next.config.mjs"] };

export interface PeerBuild {
  name: PeerName;
  dir: string;
  reused: boolean;
  fingerprint: string;
}

const STAMP = ".bench-peer.json";
/** Raised whenever how a peer is copied or built changes: older builds are then not reused. */
const PEER_BUILD_VERSION = 5;

/** The Next.js a peer is built and served with: the one in its own node_modules. */
export const peerNextBin = (dir: string) => path.join(dir, "node_modules", "next", "dist", "bin", "next");

/** The environment a peer runs with: the Dev IdP as its provider, and the bench's secret. */
export function peerEnv(port: number): Record<string, string> {
  return {
    AUTH_SECRET,
    AUTH_URL: `http://localhost:${port}`,
    DEV_IDP_ISSUER: IDP_ISSUER,
    DEV_IDP_CLIENT_ID: BENCH_DEV_IDP_CLIENT_ID,
    DEV_IDP_CLIENT_SECRET: BENCH_DEV_IDP_CLIENT_SECRET,
    // Better Auth's telemetry is off unless asked for; said here so that no run ever sends any.
    BETTER_AUTH_TELEMETRY: "0",
  };
}

/** Reuses the peer's build when its files and the toolchain are unchanged, else copies and builds it. */
export async function ensurePeerBuild(name: PeerName, options: { force: boolean; log: (line: string) => void }): Promise<PeerBuild> {
  const dir = path.join(OUT, `.peer-${name}`);
  // Each file of the peer, from the last layer that has it.
  const files = new Map<string, string>();
  for (const layer of LAYERS[name]) {
    const source = path.join(BENCH_DIR, "peers", layer);
    for (const file of walk(".", source)) files.set(file, path.join(source, file));
  }
  const hash = createHash("sha256").update(`peer build v${PEER_BUILD_VERSION}\nnext ${NEXT_VERSION}\n`);
  hash.update(readFileSync(path.join(ROOT, "package-lock.json")));
  for (const [file, from] of [...files].sort(([a], [b]) => a.localeCompare(b))) hash.update(`${file}\0`).update(readFileSync(from));
  for (const file of PROJECT_FILES_READ[name] ?? []) hash.update(`project:${file}\0`).update(readFileSync(path.join(ROOT, file)));
  const fingerprint = hash.digest("hex");
  const stampFile = path.join(dir, STAMP);
  const stamp = existsSync(stampFile) ? (JSON.parse(readFileSync(stampFile, "utf8")) as { fingerprint?: string }) : {};
  if (!options.force && stamp.fingerprint === fingerprint && existsSync(path.join(dir, ".next", "BUILD_ID"))) {
    options.log(`peer ${name}: reusing its build (fingerprint ${fingerprint.slice(0, 12)})`);
    return { name, dir, reused: true, fingerprint };
  }
  options.log(`peer ${name}: building; log in ${path.relative(ROOT, path.join(OUT, "logs", `build-peer-${name}.log`))}`);
  rmSync(dir, { recursive: true, force: true });
  for (const [file, from] of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), readFileSync(from));
  }
  // The project's packages, hard-linked (a second or so), and its package files: the copy is then a
  // workspace of its own. With node_modules linked by a symlink instead, Turbopack takes the project
  // as the root (the nearest lockfile) and compiles the app's instrumentation.ts and proxy.ts into
  // the peer; with the copy as its root, it refuses a node_modules that points outside it.
  execFileSync("cp", ["-al", path.join(ROOT, "node_modules"), path.join(dir, "node_modules")]);
  for (const file of ["package.json", "package-lock.json"]) writeFileSync(path.join(dir, file), readFileSync(path.join(ROOT, file)));
  // A peer with a Prisma schema gets its client generated first, by the app's own generate script
  // run in the copy (it explains why the engine Prisma's CLI would download is never needed).
  if (existsSync(path.join(dir, "prisma", "schema.prisma"))) {
    await run(`prisma generate (peer ${name})`, process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "db-generate.ts")], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production" },
      logFile: path.join(OUT, "logs", `build-peer-${name}.log`),
    });
  }
  // Its own copy of Next.js, so that Next.js and the app it builds share one React.
  const [command, args] = pinned(CPU_PLAN.all, process.execPath, [peerNextBin(dir), "build"]);
  await run(`next build (peer ${name})`, command, args, {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...peerEnv(0) },
    logFile: path.join(OUT, "logs", `build-peer-${name}.log`),
  });
  writeFileSync(stampFile, `${JSON.stringify({ fingerprint, builtAt: new Date().toISOString() })}\n`);
  return { name, dir, reused: false, fingerprint };
}
