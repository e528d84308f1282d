import "server-only";

import { NO_STORE } from "@/lib/http/responses";

/**
 * GET /api/health: what load balancers and uptime checks poll. `?live=1` answers from the process
 * alone (liveness); the default also proves the database answers (readiness), 503 when it does not.
 *
 * Anyone can call it, so it tells anonymous callers only "ok" or "error" (HEALTH_DETAILS=1 adds
 * the database's and the session cache's state, for operators), and a flood of probes costs at most
 * one database round trip per READINESS_REUSE_MS, shared by every request waiting for it.
 */

export interface HealthDeps {
  /** Resolves when the database answers; rejects (or hangs) when it does not. */
  ping(): Promise<unknown>;
  details: boolean;
  /** The session cache's state (lib/services.ts `sessionCacheState`), shown with the details. */
  sessionCacheState(): string;
  now?: () => number;
}

/** Generous enough for the first query of a cold start (opening the embedded database takes 1-3 s). */
export const DB_TIMEOUT_MS = 5_000;
/** How long one readiness answer is reused. */
export const READINESS_REUSE_MS = 1_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("database health check timed out")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createHealthHandler(deps: HealthDeps): (request: Request) => Promise<Response> {
  const now = deps.now ?? Date.now;
  let last: { at: number; ok: Promise<boolean> } | undefined;

  function databaseAnswers(): Promise<boolean> {
    const t = now();
    if (last && t - last.at < READINESS_REUSE_MS) return last.ok;
    const ok = withTimeout(deps.ping(), DB_TIMEOUT_MS).then(
      () => true,
      (error: unknown) => {
        console.error(`[health] database check failed: ${(error as Error)?.message?.split("\n")[0] ?? "error"}`);
        return false;
      },
    );
    last = { at: t, ok };
    return ok;
  }

  return async (request) => {
    if (new URL(request.url).searchParams.get("live") === "1") return Response.json({ status: "ok" }, { headers: NO_STORE });
    const ok = await databaseAnswers();
    const body: Record<string, string> = { status: ok ? "ok" : "error" };
    if (deps.details) {
      body.db = ok ? "ok" : "down";
      if (ok) body.sessionCache = deps.sessionCacheState();
    }
    return Response.json(body, { status: ok ? 200 : 503, headers: ok ? NO_STORE : { ...NO_STORE, "Retry-After": "5" } });
  };
}
