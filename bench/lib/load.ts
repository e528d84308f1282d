/**
 * Throughput with autocannon (in the bench's process; the servers are other processes), and the
 * paired comparison every ratio in the bench is made of.
 */
import autocannon, { type Result } from "autocannon";

import { median, round } from "./stats";

export interface Target {
  label: string;
  url: string;
  headers?: Record<string, string>;
}

export interface LoadRun {
  requests: number;
  seconds: number;
  rps: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
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
  const result = await autocannon({
    url: target.url,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 5 }),
    headers: target.headers ?? {},
    timeout: 30,
  });
  return checked(target, result);
}

export interface PairedComparison {
  /** Median over rounds of (rps of A) / (rps of B), each round's two runs back to back. */
  ratio: number;
  ratios: number[];
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
  }
  return {
    ratio: round(median(ratios), 3),
    ratios: ratios.map((r) => round(r, 3)),
    a: { label: a.label, medianRps: round(median(runsA.map((r) => r.rps)), 1), runs: runsA },
    b: { label: b.label, medianRps: round(median(runsB.map((r) => r.rps)), 1), runs: runsB },
    connections: options.connections,
    secondsPerRun: options.seconds,
  };
}
