// Opening PGlite: one instance per data folder per process, shared.
//
// Within one process several pieces of code may ask for the same folder:
// Next.js dev re-evaluates modules on every hot reload, and bundles the proxy
// separately from the app (two copies of this module in one process). Each
// copy opening its own PGlite on the same folder would be the two-writers
// corruption the lock prevents across processes, and the second open would
// fail on our own lock. So the registry lives on globalThis under a
// Symbol.for key, shared by every copy of this module, and hands out
// reference-counted handles to one instance per folder.
//
// The folder is opened (and locked) on the first acquire and closed (and
// unlocked) when the last handle is released.
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { acquirePGliteLock, type PGliteLock } from "./lock";
import { createEmptyMemoryPGlite } from "./memory";
import { processSingleton } from "../../process-singleton";

export interface PGliteHandle {
  readonly pglite: PGlite;
  /** Where the data lives: an absolute folder, or "memory". */
  readonly location: string;
  /** Drops this reference; the last one closes PGlite and frees the folder. */
  release(): Promise<void>;
}

interface Entry {
  refs: number;
  opening: Promise<PGlite>;
  lock: PGliteLock | null;
  /** Set while the instance is being closed; a new acquire waits for it. */
  closing: Promise<void> | null;
}

type Registry = Map<string, Entry>;

function registry(): Registry {
  return processSingleton("db.pglite-instances", (): Registry => new Map());
}

/**
 * A handle on the PGlite instance for `dataDir` (absolute path) or "memory".
 * "memory" is one shared in-memory database per process, like a folder
 * (the app and its proxy must see the same data); tests that want a private
 * database use `createPrivateMemoryPGlite` instead.
 */
export async function acquirePGlite(location: string): Promise<PGliteHandle> {
  const key = location === "memory" ? "memory" : path.resolve(location);
  const reg = registry();

  for (;;) {
    const existing = reg.get(key);
    if (existing?.closing) {
      await existing.closing;
      continue;
    }
    if (existing) {
      existing.refs++;
      try {
        const pglite = await existing.opening;
        return makeHandle(key, existing, pglite);
      } catch (error) {
        existing.refs--;
        throw error;
      }
    }

    const entry: Entry = { refs: 1, opening: Promise.resolve(null as never), lock: null, closing: null };
    entry.opening = openInstance(key, entry);
    reg.set(key, entry);
    try {
      const pglite = await entry.opening;
      return makeHandle(key, entry, pglite);
    } catch (error) {
      if (reg.get(key) === entry) reg.delete(key);
      throw error;
    }
  }
}

async function openInstance(key: string, entry: Entry): Promise<PGlite> {
  if (key === "memory") return createEmptyMemoryPGlite();
  // Lock first: never touch a folder another process owns.
  entry.lock = acquirePGliteLock(key);
  try {
    fs.mkdirSync(key, { recursive: true });
    return await PGlite.create(key);
  } catch (error) {
    entry.lock.release();
    entry.lock = null;
    throw error;
  }
}

function makeHandle(key: string, entry: Entry, pglite: PGlite): PGliteHandle {
  let released = false;
  return {
    pglite,
    location: key,
    async release() {
      if (released) return;
      released = true;
      entry.refs--;
      if (entry.refs > 0) return;
      entry.closing = (async () => {
        try {
          if (!pglite.closed) await pglite.close();
        } finally {
          entry.lock?.release();
          entry.lock = null;
          const reg = registry();
          if (reg.get(key) === entry) reg.delete(key);
        }
      })();
      await entry.closing;
    },
  };
}

/** Locations currently open in this process (for diagnostics and tests). */
export function openPGliteLocations(): string[] {
  return [...registry().keys()];
}
