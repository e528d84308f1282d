// One process per PGlite folder, checked with real child processes.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { createPrismaClient } from "../client";
import { parseDatabaseUrl } from "../database-url";
import { acquirePGlite, openPGliteLocations } from "./instances";
import { emptyClusterSnapshot } from "./memory";
import { acquirePGliteLock, lockPathFor, PGliteLockedError, type LockOwner } from "./lock";

const FIXTURE = path.join(import.meta.dirname, "..", "..", "..", "test", "support", "hold-pglite-folder.ts");
let tmp: string;
let template: string;
const children: ChildProcessWithoutNullStreams[] = [];

// Creating a PGlite folder runs initdb (4-6 s); opening an existing one
// takes about 1 s. So we initialise one folder and copy it for each test.
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pglite-lock-test-"));
  template = path.join(tmp, "template");
  const pglite = await PGlite.create({ dataDir: template, loadDataDir: await emptyClusterSnapshot() });
  await pglite.close();
});

/** A new, initialised PGlite folder. */
function freshFolder(name: string): string {
  const dir = path.join(tmp, name);
  fs.cpSync(template, dir, { recursive: true });
  return dir;
}
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Holder {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts the fixture and waits until it printed "ready" (or exited). */
async function startHolder(dataDir: string, mode: "hold" | "write" | "exit" = "hold"): Promise<Holder> {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, dataDir, mode], {
    cwd: process.cwd(),
    env: { ...process.env, npm_lifecycle_event: "dev" }, // as if started by `npm run dev`
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  await Promise.race([vi.waitFor(() => expect(out).toContain("ready"), { timeout: 30_000, interval: 50 }), exited]);
  return { child, pid: child.pid!, stdout: () => out, stderr: () => err, exited };
}

function lockOwner(dataDir: string): LockOwner {
  return JSON.parse(fs.readFileSync(lockPathFor(dataDir), "utf8")) as LockOwner;
}

describe("PGlite folder lock across processes", () => {
  it("refuses a second process while another holds the folder, naming the folder, the pid and what to do", async () => {
    const dir = freshFolder("held");
    const holder = await startHolder(dir);
    expect(holder.stdout()).toContain(`ready ${holder.pid}`);
    expect(lockOwner(dir).pid).toBe(holder.pid);

    // This process is refused...
    const error = await acquirePGlite(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PGliteLockedError);
    const message = (error as Error).message;
    expect(message).toContain(dir);
    expect(message).toContain(`process ${holder.pid} (npm run dev)`);
    expect(message).toContain("Stop the other process (npm run dev?) or point DATABASE_URL elsewhere");
    expect(openPGliteLocations()).not.toContain(dir);
    // The app sees the same error from its first query.
    const client = createPrismaClient(parseDatabaseUrl(`pglite:${dir}`));
    await expect(client.user.count()).rejects.toThrow(`is in use by process ${holder.pid}`);
    await client.$disconnect();

    // ...and so is another real process.
    const second = await startHolder(dir);
    expect(await second.exited).toBe(3);
    expect(second.stderr()).toContain(`PGliteLockedError: The embedded database folder ${dir} is in use by process ${holder.pid}`);

    // Once the owner lets go, the folder is free.
    holder.child.stdin.write("release\n");
    expect(await holder.exited).toBe(0);
    expect(fs.existsSync(lockPathFor(dir))).toBe(false);
    const handle = await acquirePGlite(dir);
    expect(lockOwner(dir).pid).toBe(process.pid);
    await handle.release();
    expect(fs.existsSync(lockPathFor(dir))).toBe(false);
  });

  it("releases the lock when the owner exits without closing", async () => {
    const dir = freshFolder("exit");
    const holder = await startHolder(dir, "exit");
    expect(await holder.exited).toBe(0);
    expect(fs.existsSync(lockPathFor(dir))).toBe(false);
  });

  it("takes over the lock of a process killed with SIGKILL, and its committed rows are there", async () => {
    const dir = freshFolder("killed");
    const holder = await startHolder(dir, "write");
    holder.child.kill("SIGKILL");
    await holder.exited;
    expect(lockOwner(dir).pid).toBe(holder.pid); // left behind

    const handle = await acquirePGlite(dir);
    try {
      expect(lockOwner(dir).pid).toBe(process.pid);
      const { rows } = await handle.pglite.query<{ x: string }>("SELECT x FROM t");
      expect(rows).toEqual([{ x: `from-child-${holder.pid}` }]);
    } finally {
      await handle.release();
    }
  });
});

describe("stale and foreign locks", () => {
  const writeLock = (dir: string, owner: Partial<LockOwner>) => {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const full: LockOwner = {
      pid: 1,
      hostname: os.hostname(),
      processStart: null,
      command: "npm run dev",
      acquiredAt: new Date().toISOString(),
      ...owner,
    };
    fs.writeFileSync(lockPathFor(dir), JSON.stringify(full));
  };
  /** A pid that certainly belongs to no running process: one that just exited. */
  const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid;

  it("takes over a lock whose process is gone", () => {
    const dir = path.join(tmp, "stale");
    writeLock(dir, { pid: deadPid() });
    const lock = acquirePGliteLock(dir);
    expect(lockOwner(dir).pid).toBe(process.pid);
    lock.release();
    expect(fs.existsSync(lockPathFor(dir))).toBe(false);
  });

  it("takes over a lock whose pid now belongs to a newer process (pid reuse)", () => {
    const dir = path.join(tmp, "reused");
    // Our parent is alive, but it did not start at tick 1 after boot.
    writeLock(dir, { pid: process.ppid, processStart: "1" });
    const lock = acquirePGliteLock(dir);
    expect(lockOwner(dir).pid).toBe(process.pid);
    lock.release();
  });

  it("respects a lock from another host, whose process it cannot check", () => {
    const dir = path.join(tmp, "foreign");
    writeLock(dir, { pid: deadPid(), hostname: "some-other-host" });
    expect(() => acquirePGliteLock(dir)).toThrow(/in use by process \d+ on host some-other-host/);
    expect(() => acquirePGliteLock(dir)).toThrow(`delete ${lockPathFor(dir)}`);
  });
});

describe("within one process", () => {
  it("shares one instance per folder and frees the folder after the last release", async () => {
    const dir = freshFolder("shared");
    const a = await acquirePGlite(dir);
    const b = await acquirePGlite(dir);
    expect(b.pglite).toBe(a.pglite);
    await a.release();
    expect(a.pglite.closed).toBe(false);
    expect(fs.existsSync(lockPathFor(dir))).toBe(true);
    await b.release();
    expect(a.pglite.closed).toBe(true);
    expect(fs.existsSync(lockPathFor(dir))).toBe(false);
  });

  it("shares it between separately loaded copies of the module (hot reload, proxy bundle)", async () => {
    const dir = freshFolder("copies");
    vi.resetModules();
    const copy1 = await import("./instances");
    vi.resetModules();
    const copy2 = await import("./instances");
    expect(copy2.acquirePGlite).not.toBe(copy1.acquirePGlite);
    const a = await copy1.acquirePGlite(dir);
    const b = await copy2.acquirePGlite(dir);
    try {
      expect(b.pglite).toBe(a.pglite);
    } finally {
      await a.release();
      await b.release();
    }
  });
});
