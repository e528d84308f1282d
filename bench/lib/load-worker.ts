/**
 * The load generator, in a process of its own (bench/lib/load.ts starts it pinned to the load
 * cores, bench/lib/cpus.ts): autocannon runs here, so its work never shares a core with the server
 * it measures, nor with the bench's own bookkeeping. One request per message over IPC; the answer is
 * autocannon's summary, or the error.
 */
import autocannon from "autocannon";

export interface LoadRequest {
  url: string;
  headers: Record<string, string>;
  connections: number;
  seconds?: number;
  amount?: number;
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

process.on("message", (request: LoadRequest) => {
  run(request).then(
    (answer) => process.send?.(answer),
    (error: unknown) => process.send?.({ ok: false, error: (error as Error).message } satisfies LoadAnswer),
  );
});
process.send?.({ ok: true } satisfies LoadAnswer);
