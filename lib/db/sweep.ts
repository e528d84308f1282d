import { processSingleton } from "@/lib/process-singleton";

/**
 * Housekeeping deletes (expired rate-limit buckets, sign-in events past their retention) kept off
 * the request's path: at most one per `everyMs` per process, started by the request that finds the
 * last one old enough and never awaited by it, so no sign-in waits for a DELETE. A clock that went
 * backwards starts one at once. A failure only logs: the next sweep deletes the same rows.
 */
export function sweepAtMostEvery(name: string, everyMs: number, now: Date, sweep: () => Promise<unknown>): void {
  const state = processSingleton(`sweep.${name}`, () => ({ last: Number.NEGATIVE_INFINITY }));
  const since = now.getTime() - state.last;
  if (since >= 0 && since < everyMs) return;
  state.last = now.getTime();
  sweep().catch((error: unknown) => {
    console.warn(`[${name}] sweep failed: ${(error as Error)?.name ?? "error"}`);
  });
}
