/**
 * Throughput with autocannon (in the bench's process; the servers are other processes), and the
 * paired comparison every ratio in the bench is made of.
 */
import { readFileSync } from "node:fs";

import autocannon, { type Result } from "autocannon";

import { median, round } from "./stats";

export interface Target {
  label: string;
  url: string;
  headers?: Record<string, string>;
  /** The server process: its CPU time per request is measured too. */
  serverPid?: number;
}

export interface LoadRun {
  requests: number;
  seconds: number;
  rps: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** CPU time (user + system) the server process spent per request during the run. */
  serverCpuMsPerRequest?: number;
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** CPU milliseconds a process has used so far, from /proc/<pid>/stat (fields 14 and 15). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

/** Refuses a run in which anything but 2xx came back: a ratio of error pages means nothing. */
function checked(target: Target, result: Result): LoadRun {
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(
      `${target.label}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx (${JSON.stringify(result.statusCodeStats)})`,
    );
  }
  const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  return {
    requests: result.requests.total,
    seconds: round(seconds, 2),
    rps: round(result.requests.total / seconds, 1),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

export async function load(target: Target, options: { connections: number; seconds?: number; amount?: number }): Promise<LoadRun> {
  const cpuBefore = target.serverPid ? cpuMs(target.serverPid) : undefined;
  const result = await autocannon({
    url: target.url,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 5 }),
    headers: target.headers ?? {},
    timeout: 30,
  });
  const run = checked(target, result);
  if (target.serverPid && cpuBefore !== undefined && run.requests > 0) {
    run.serverCpuMsPerRequest = Math.round(((cpuMs(target.serverPid) - cpuBefore) / run.requests) * 1000) / 1000;
  }
  return run;
}

export interface PairedComparison {
  /** Median over rounds of (rps of A) / (rps of B), each round's two runs back to back. */
  ratio: number;
  ratios: number[];
  /**
   * Median over rounds of (server CPU per request of B) / (of A): what the ratio of requests/s
   * would be if the server alone limited both. Far less disturbed by other processes on the machine
   * than requests/s; undefined when the targets name no server process.
   */
  cpuRatio: number | undefined;
  cpuRatios: number[];
  a: { label: string; medianRps: number; runs: LoadRun[] };
  b: { label: string; medianRps: number; runs: LoadRun[] };
  connections: number;
  secondsPerRun: number;
}

/**
 * A against B at the same concurrency: a warm-up of each, then `rounds` rounds in ABBA order (A B,
 * B A, A B, …) so that a slow drift of the machine's load hits both sides alike. The figure is the
 * median of the per-round ratios; every run is kept in the results.
 */
export async function compare(
  a: Target,
  b: Target,
  options: { connections: number; seconds: number; rounds: number; warmupSeconds: number },
): Promise<PairedComparison> {
  await load(a, { connections: options.connections, seconds: options.warmupSeconds });
  await load(b, { connections: options.connections, seconds: options.warmupSeconds });
  const runsA: LoadRun[] = [];
  const runsB: LoadRun[] = [];
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (let round_ = 0; round_ < options.rounds; round_++) {
    const order = round_ % 2 === 0 ? ([a, b] as const) : ([b, a] as const);
    const got = new Map<Target, LoadRun>();
    for (const target of order) got.set(target, await load(target, { connections: options.connections, seconds: options.seconds }));
    const runA = got.get(a);
    const runB = got.get(b);
    if (!runA || !runB) throw new Error("missing run");
    runsA.push(runA);
    runsB.push(runB);
    ratios.push(runA.rps / runB.rps);
    if (runA.serverCpuMsPerRequest && runB.serverCpuMsPerRequest) cpuRatios.push(runB.serverCpuMsPerRequest / runA.serverCpuMsPerRequest);
  }
  return {
    ratio: round(median(ratios), 3),
    ratios: ratios.map((r) => round(r, 3)),
    cpuRatio: cpuRatios.length === ratios.length ? round(median(cpuRatios), 3) : undefined,
    cpuRatios: cpuRatios.map((r) => round(r, 3)),
    a: { label: a.label, medianRps: round(median(runsA.map((r) => r.rps)), 1), runs: runsA },
    b: { label: b.label, medianRps: round(median(runsB.map((r) => r.rps)), 1), runs: runsB },
    connections: options.connections,
    secondsPerRun: options.seconds,
  };
}
