/**
 * Which cores run what (`taskset`), and a process's CPU time.
 *
 * On a machine of two cores, the client and the server trading one core between them made every
 * requests/s figure depend on who won the scheduler: the run-to-run spread was about ±8 %. So the
 * app servers get the upper half of the cores and everything else (the load generator, the Dev
 * IdP, PostgreSQL, the bench itself) the lower half; bench/run.sh starts the whole run on the lower
 * half and bench/lib/servers.ts moves each app server up. A server warming up may borrow the lower
 * half, where nothing is measured then (bench/lib/load.ts, `warmUpAll`). With one core, or no
 * `taskset`, nothing is pinned and the results say so.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";

export interface CpuPlan {
  /** taskset's CPU list for the app servers, e.g. "1"; undefined when nothing is pinned. */
  servers: string | undefined;
  /** For everything else, e.g. "0" (bench/run.sh computes the same list). */
  rest: string | undefined;
  /** Every core: the builds, which need them all and run before any measurement. */
  all: string | undefined;
  note: string;
}

function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function plan(): CpuPlan {
  // Every core of the machine, not availableParallelism(): that counts only the cores this process
  // may use, and bench/run.sh has already pinned it to the lower half.
  const cores = os.cpus().length;
  if (cores < 2 || process.env.BENCH_NO_PINNING === "1" || !hasTaskset()) {
    return { servers: undefined, rest: undefined, all: undefined, note: "nothing pinned (one core, no taskset, or BENCH_NO_PINNING=1)" };
  }
  const half = Math.floor(cores / 2);
  const list = (from: number, to: number) => (from === to ? String(from) : `${from}-${to}`);
  const rest = list(0, half - 1);
  const servers = list(half, cores - 1);
  return {
    servers,
    rest,
    all: list(0, cores - 1),
    note: `app servers on CPU ${servers}; the load generator, the Dev IdP, PostgreSQL and the bench on CPU ${rest}`,
  };
}

export const CPU_PLAN: CpuPlan = plan();

/** `command args` run under taskset on `cpus`, or as it is when nothing is pinned. */
export function pinned(cpus: string | undefined, command: string, args: string[]): [string, string[]] {
  return cpus ? ["taskset", ["-c", cpus, command, ...args]] : [command, args];
}

/**
 * Moves a running process, every thread of it, to `cpus` (`taskset -a -p`). Threads it starts later
 * inherit the move from the thread that starts them.
 */
export function moveTo(pid: number, cpus: string): void {
  execFileSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
}

/**
 * Nanoseconds of CPU a process has used so far, all its threads together: the first field of each
 * thread's /proc/<pid>/task/<tid>/schedstat. Finer than /proc/<pid>/stat's 10 ms ticks, which a
 * 2-second run of ~1,500 requests would have measured to within a few per cent only. Threads that
 * ended are left out: Node's worker threads live as long as the process.
 */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return total;
}
