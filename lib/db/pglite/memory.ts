// Private in-memory PGlite instances, started from a snapshot when we can.
//
// A brand-new PGlite runs initdb first: ~4 s and ~800 MB peak on our machines.
// Starting from a snapshot of a data folder (dumpDataDir/loadDataDir) skips
// initdb and takes ~1.3 s. We use that for the two places that create many
// throw-away databases: the shadow database the schema engine diffs against,
// and test databases (a migrated snapshot, see test-database.ts).
//
// Snapshots are kept in memory for the process and on disk under
// node_modules/.cache/ so that the next process (every vitest test file runs
// in its own worker) starts from the snapshot too. The cache key includes the
// PGlite version, so an upgrade never loads an incompatible snapshot; a
// missing or unwritable cache folder only costs time.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";

/** A new, empty, private in-memory database. Close it when done. */
export async function createEmptyMemoryPGlite(): Promise<PGlite> {
  return PGlite.create({ loadDataDir: await emptyClusterSnapshot() });
}

/** A snapshot of a freshly initialised, empty database cluster. */
export function emptyClusterSnapshot(): Promise<Blob> {
  return cachedSnapshot("empty", async () => {
    const pglite = await PGlite.create();
    try {
      return await pglite.dumpDataDir("none");
    } finally {
      await pglite.close();
    }
  });
}

/** A new private in-memory database started from `snapshot`. */
export function createMemoryPGliteFrom(snapshot: Blob): Promise<PGlite> {
  return PGlite.create({ loadDataDir: snapshot });
}

const memoryCache = new Map<string, Promise<Blob>>();

/**
 * Returns the snapshot named `name` (with `key` folded into its identity),
 * building it with `build` only if neither this process nor the disk cache has
 * it. Concurrent processes may both build it; the disk write is atomic
 * (write to a temp file, then rename), so readers never see half a file.
 */
export function cachedSnapshot(name: string, build: () => Promise<Blob>, key = ""): Promise<Blob> {
  const id = `${name}-${createHash("sha256").update(`${pgliteVersion()}\n${key}`).digest("hex").slice(0, 16)}`;
  let pending = memoryCache.get(id);
  if (!pending) {
    pending = loadOrBuild(id, build);
    memoryCache.set(id, pending);
    pending.catch(() => memoryCache.delete(id));
  }
  return pending;
}

async function loadOrBuild(id: string, build: () => Promise<Blob>): Promise<Blob> {
  // Without a known version we cannot tell snapshots apart: don't use the disk.
  if (pgliteVersion() === "unknown") return build();
  const file = path.join(cacheDir(), `${id}.tar`);
  try {
    return new Blob([await fs.promises.readFile(file)]);
  } catch {
    // Not cached yet (or unreadable): build it.
  }
  const blob = await build();
  try {
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await fs.promises.writeFile(tmp, new Uint8Array(await blob.arrayBuffer()));
    await fs.promises.rename(tmp, file);
  } catch {
    // Read-only node_modules and the like: the cache is an optimisation only.
  }
  return blob;
}

function cacheDir(): string {
  return path.join(process.cwd(), "node_modules", ".cache", "db-pglite-snapshots");
}

let cachedVersion: string | undefined;
function pgliteVersion(): string {
  if (cachedVersion) return cachedVersion;
  try {
    // The package does not export its package.json; find it from its entry.
    const entry = createRequire(path.join(process.cwd(), "package.json")).resolve("@electric-sql/pglite");
    const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(entry), "..", "package.json"), "utf8")) as {
      version?: string;
    };
    cachedVersion = pkg.version ?? "unknown";
  } catch {
    cachedVersion = "unknown";
  }
  return cachedVersion;
}
