/**
 * Every process the bench starts (builds, the Dev IdP, app servers) goes through here, so that
 * nothing outlives the bench:
 *
 *  - each child gets a process group of its own (detached), stopped with SIGTERM to that group,
 *    then SIGKILL if it has not exited in time;
 *  - stopAll() runs on normal exit, on an error and on SIGINT/SIGTERM;
 *  - a small detached watchdog (bench/watchdog.mjs) holds the list of live groups and signals them
 *    when the bench itself ends without cleaning up (SIGKILL, a crash in the runtime).
 *
 * Only the ids of processes started here are ever signalled.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const MAX_KEPT_OUTPUT = 256 * 1024;

export interface Child {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The last 256 kB the process printed (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code, or 128 + the signal number. */
  exited: Promise<number>;
  running(): boolean;
  /** SIGTERM (or `signal`) to the group, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<number>;
}

export type StartOptions = Omit<SpawnOptions, "stdio" | "detached"> & {
  /** Appends everything the process prints to this file. */
  logFile?: string;
  /** Also prints it, prefixed with the name. */
  echo?: boolean;
  /** Opens an IPC channel (child.send / process.send). */
  ipc?: boolean;
};

const live = new Set<Child>();
let watchdog: ChildProcess | undefined;

function tellWatchdog(line: string): void {
  if (!watchdog) {
    watchdog = spawn(process.execPath, [path.join(BENCH_DIR, "watchdog.mjs")], {
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
    });
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }
  watchdog.stdin?.write(`${line}\n`);
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function start(name: string, command: string, args: string[], options: StartOptions = {}): Child {
  const { logFile, echo, ipc, ...spawnOptions } = options;
  const child = spawn(command, args, {
    ...spawnOptions,
    detached: true,
    stdio: ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const pid = child.pid;
  tellWatchdog(`+${pid}`);

  let log: WriteStream | undefined;
  if (logFile) {
    mkdirSync(path.dirname(logFile), { recursive: true });
    log = createWriteStream(logFile, { flags: "a" });
  }
  let kept = "";
  const keep = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    kept = (kept + text).slice(-MAX_KEPT_OUTPUT);
    log?.write(chunk);
    if (echo) process.stderr.write(text.replace(/^(?=.)/gm, `  [${name}] `));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  const exited = new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => {
      live.delete(handle);
      tellWatchdog(`-${pid}`);
      log?.end();
      resolve(code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 1) : 1));
    });
  });

  const running = () => child.exitCode === null && child.signalCode === null;
  const handle: Child = {
    name,
    pid,
    child,
    output: () => kept,
    exited,
    running,
    async stop({ signal = "SIGTERM", graceMs = 15_000 } = {}) {
      if (running()) {
        try {
          process.kill(-pid, signal);
        } catch {
          // already gone
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-pid, "SIGKILL");
          } catch {
            // already gone
          }
        }, graceMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
  live.add(handle);
  return handle;
}

/** Runs a command to completion (kept in the same bookkeeping); rejects on a non-zero exit. */
export async function run(name: string, command: string, args: string[], options: StartOptions = {}): Promise<string> {
  const child = start(name, command, args, options);
  const code = await child.exited;
  if (code !== 0) {
    throw new Error(`${name} failed (exit ${code}):\n${child.output().slice(-6000)}`);
  }
  return child.output();
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => child.stop({ graceMs: 10_000 })));
}

/** Stops every child on SIGINT/SIGTERM, then exits (130/143). */
export function stopAllOnSignals(onStop?: () => void): void {
  let stopping = false;
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.error(`\n[bench] ${signal}: stopping everything the bench started…`);
      onStop?.();
      void stopAll().finally(() => process.exit(code));
    });
  }
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS). */
export function readRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
