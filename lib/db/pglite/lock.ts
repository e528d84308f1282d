// One process per PGlite data folder.
//
// PGlite is PostgreSQL compiled to WASM running inside *this* process. Unlike
// a real server it does not guard its data folder: two processes opening the
// same folder each believe they own it, and we measured a committed row being
// silently lost that way. So we guard it ourselves with a lock file next to
// the folder (`<folder>.lock`, not inside it, so PGlite's initdb sees an empty
// folder on first use).
//
// The lock file is created with O_EXCL (atomic "create if absent") and holds
// the owner's pid. A lock whose owner is gone (crash, kill -9, Ctrl-C) is stale
// and is taken over; "gone" means the pid is not running, or is running but
// started after the lock was written (the pid was reused). We cannot check a
// pid on another machine (a folder shared over a network or between
// containers), so a lock from another host is always respected.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface LockOwner {
  pid: number;
  hostname: string;
  /** Linux process start time (clock ticks since boot), to detect pid reuse. */
  processStart: string | null;
  /** What the owner was running, to make the error message actionable. */
  command: string;
  acquiredAt: string;
}

export class PGliteLockedError extends Error {
  override name = "PGliteLockedError";
  constructor(
    readonly dataDir: string,
    readonly lockPath: string,
    readonly owner: LockOwner | null,
  ) {
    const who = owner
      ? `process ${owner.pid}${owner.hostname !== os.hostname() ? ` on host ${owner.hostname}` : ""}` +
        (owner.command ? ` (${owner.command})` : "")
      : "another process (lock file unreadable)";
    super(
      `The embedded database folder ${dataDir} is in use by ${who}. ` +
        `Only one process may open a PGlite folder at a time. ` +
        `Stop the other process (npm run dev?) or point DATABASE_URL elsewhere` +
        ` (e.g. DATABASE_URL=pglite:.data/other). ` +
        `If you are sure nothing uses it, delete ${lockPath}.`,
    );
  }
}

export interface PGliteLock {
  readonly lockPath: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

export function lockPathFor(dataDir: string): string {
  return `${path.resolve(dataDir)}.lock`;
}

/**
 * Takes the lock for `dataDir` or throws PGliteLockedError. The lock is also
 * released when the process exits normally; if the process dies without that
 * (signal, crash) the next owner takes the stale lock over.
 */
export function acquirePGliteLock(dataDir: string): PGliteLock {
  const absDir = path.resolve(dataDir);
  const lockPath = lockPathFor(absDir);
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  const me = currentOwner();
  const content = JSON.stringify(me, null, 2) + "\n";

  // A few rounds: each round either creates the lock, finds it held by a live
  // process (throw), or removes a stale one and tries again.
  for (let attempt = 0; attempt < 20; attempt++) {
    if (tryCreate(lockPath, content)) return makeHandle(lockPath, content);

    const existing = readOwner(lockPath);
    if (existing === "missing") continue; // released between our two calls
    if (existing === "unreadable" || !isStale(existing)) {
      // A half-written lock (owner still writing it) reads as unreadable:
      // give it a moment before deciding it is garbage.
      if (existing === "unreadable" && attempt < 5) {
        sleepSync(20);
        continue;
      }
      if (existing === "unreadable" && isOldFile(lockPath, 5_000)) {
        removeIfUnchanged(lockPath, null);
        continue;
      }
      throw new PGliteLockedError(absDir, lockPath, existing === "unreadable" ? null : existing);
    }
    takeOverStale(lockPath, existing);
  }
  throw new PGliteLockedError(absDir, lockPath, null);
}

function tryCreate(lockPath: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(lockPath, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/**
 * Removing a stale lock must not race with another process that is taking it
 * over at the same moment (A removes the stale file and creates its own, then
 * B, still acting on the stale read, removes A's fresh lock). So removal
 * happens under a short-lived second lock file, and only if the lock still
 * holds the stale content we read.
 */
function takeOverStale(lockPath: string, stale: LockOwner): void {
  const guard = `${lockPath}.takeover`;
  if (!tryCreate(guard, String(process.pid))) {
    // Someone else is taking over right now; a guard left by a process that
    // died within these few lines is cleared after a while.
    if (isOldFile(guard, 5_000)) fs.rmSync(guard, { force: true });
    else sleepSync(20);
    return;
  }
  try {
    removeIfUnchanged(lockPath, stale);
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

function removeIfUnchanged(lockPath: string, expected: LockOwner | null): void {
  const now = readOwner(lockPath);
  if (now === "missing") return;
  if (expected === null ? now === "unreadable" : now !== "unreadable" && sameOwner(now, expected)) {
    fs.rmSync(lockPath, { force: true });
  }
}

function makeHandle(lockPath: string, content: string): PGliteLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener("exit", release);
    // Only remove the file if it is still ours (someone may have deleted a
    // lock they thought was stuck and taken the folder; don't break theirs).
    try {
      if (fs.readFileSync(lockPath, "utf8") === content) fs.rmSync(lockPath, { force: true });
    } catch {
      // Already gone.
    }
  };
  // 'exit' covers normal exits and process.exit(); signals and crashes leave a
  // stale lock that the next owner takes over.
  process.on("exit", release);
  return { lockPath, release };
}

function readOwner(lockPath: string): LockOwner | "missing" | "unreadable" {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    return "unreadable";
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.pid !== "number" || typeof parsed.hostname !== "string") return "unreadable";
    return {
      pid: parsed.pid,
      hostname: parsed.hostname,
      processStart: typeof parsed.processStart === "string" ? parsed.processStart : null,
      command: typeof parsed.command === "string" ? parsed.command : "",
      acquiredAt: typeof parsed.acquiredAt === "string" ? parsed.acquiredAt : "",
    };
  } catch {
    return "unreadable";
  }
}

function sameOwner(a: LockOwner, b: LockOwner): boolean {
  return a.pid === b.pid && a.hostname === b.hostname && a.acquiredAt === b.acquiredAt;
}

function isStale(owner: LockOwner): boolean {
  if (owner.hostname !== os.hostname()) return false;
  if (!isPidAlive(owner.pid)) return true;
  // Alive, but is it the same process? A pid can be reused after a crash
  // (common in containers, where pids restart from 1).
  const start = processStartOf(owner.pid);
  return owner.processStart !== null && start !== null && start !== owner.processStart;
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function processStartOf(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22 (starttime); the command name (field 2) may contain spaces, so
    // count from the closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function currentOwner(): LockOwner {
  return {
    pid: process.pid,
    hostname: os.hostname(),
    processStart: processStartOf(process.pid),
    command: describeCommand(),
    acquiredAt: new Date().toISOString(),
  };
}

function describeCommand(): string {
  const event = process.env.npm_lifecycle_event;
  if (event) return `npm run ${event}`;
  return process.argv
    .slice(1, 3)
    .map((a) => path.basename(a))
    .join(" ");
}

function isOldFile(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > ms;
  } catch {
    return false;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
