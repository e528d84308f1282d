/**
 * The load generator, in a process of its own (bench/lib/load.ts starts it pinned to the load
 * cores, bench/lib/cpus.ts): autocannon and the alternating rounds of bench/lib/alternate.ts run
 * here, so their work never shares a core with the server they measure, nor with the bench's own
 * bookkeeping. One request per message over IPC, answered with the summary or the error under
 * the request's `id`: two warm-ups may run at once (bench/lib/load.ts, `warmUpAll`).
 */
import { appendFileSync } from "node:fs";
import path from "node:path";

import autocannon from "autocannon";

import { alternate, type Round, type SliceTarget } from "./alternate";
import { percentile } from "./stats";

export interface LoadRequest {
  kind: "load";
  url: string;
  headers: Record<string, string>;
  connections: number;
  seconds?: number;
  amount?: number;
}

/** One round of a comparison: its sides in alternating slices (bench/lib/alternate.ts). */
export interface AlternateRequest {
  kind: "alternate";
  targets: SliceTarget[];
  connections: number;
  sliceMs: number;
  slices: number;
  /** The side the round starts with (bench/lib/alternate.ts, `sideOf`). */
  first: number;
}

/** One side of an alternating round, its slices added up. */
export interface SideTotals {
  requests: number;
  failures: number;
  failure?: string;
  ms: number;
  /** Server CPU inside the side's own slices. */
  cpuNs?: number;
  /** Server CPU over the whole round, when each side has a process of its own (bench/lib/alternate.ts). */
  roundCpuNs?: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

export interface AlternateAnswer {
  ok: boolean;
  error?: string;
  sides?: SideTotals[];
}

export interface LoadAnswer {
  ok: boolean;
  error?: string;
  requests?: number;
  startMs?: number;
  finishMs?: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  errors?: number;
  timeouts?: number;
  non2xx?: number;
  statusCodeStats?: unknown;
}

async function run(request: LoadRequest): Promise<LoadAnswer> {
  const result = await autocannon({
    url: request.url,
    connections: request.connections,
    ...(request.amount ? { amount: request.amount } : { duration: request.seconds ?? 5 }),
    headers: request.headers,
    timeout: 30,
  });
  return {
    ok: true,
    requests: result.requests.total,
    startMs: result.start.getTime(),
    finishMs: result.finish.getTime(),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodeStats: result.statusCodeStats,
  };
}

/** BENCH_TRACE_DIR: each round's slices, one line a round, to lay against the servers' collections (bench/lib/heap-probe.cjs). */
function trace(request: AlternateRequest, round: Round): void {
  const dir = process.env.BENCH_TRACE_DIR;
  if (!dir) return;
  const line = {
    targets: request.targets.map((target) => ({ url: target.url, pid: target.serverPid })),
    roundCpuNs: round.roundCpuNs,
    slices: round.slices.map((slice) => [slice.side, round2(slice.at), round2(slice.ms), slice.requests, slice.cpuNs]),
  };
  appendFileSync(path.join(dir, "slices.jsonl"), `${JSON.stringify(line)}\n`);
}
const round2 = (value: number) => Math.round(value * 100) / 100;

async function alternateRound(request: AlternateRequest): Promise<AlternateAnswer> {
  const round = await alternate(request.targets, request);
  trace(request, round);
  const { slices, roundCpuNs } = round;
  const totals = (side: number): SideTotals => {
    const own = slices.filter((slice) => slice.side === side);
    const latencies = own.flatMap((slice) => slice.latenciesMs);
    const failure = own.find((slice) => slice.failure)?.failure;
    const cpu = own.every((slice) => slice.cpuNs !== undefined) ? own.reduce((sum, slice) => sum + (slice.cpuNs ?? 0), 0) : undefined;
    return {
      requests: own.reduce((sum, slice) => sum + slice.requests, 0),
      failures: own.reduce((sum, slice) => sum + slice.failures, 0),
      ...(failure ? { failure } : {}),
      ms: own.reduce((sum, slice) => sum + slice.ms, 0),
      ...(cpu === undefined ? {} : { cpuNs: cpu }),
      ...(roundCpuNs ? { roundCpuNs: roundCpuNs[side] } : {}),
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
    };
  };
  return { ok: true, sides: request.targets.map((_, side) => totals(side)) };
}

/** A request as it travels: its `id` comes back with the answer. */
export type Envelope<T> = T & { id: number };

process.on("message", (request: Envelope<LoadRequest | AlternateRequest>) => {
  const { id } = request;
  (request.kind === "alternate" ? alternateRound(request) : run(request)).then(
    (answer) => process.send?.({ ...answer, id }),
    (error: unknown) => process.send?.({ ok: false, error: (error as Error).message, id } satisfies Envelope<AlternateAnswer>),
  );
});
// Id 0: listening.
process.send?.({ ok: true, id: 0 } satisfies Envelope<LoadAnswer>);
