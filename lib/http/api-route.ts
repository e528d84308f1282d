import "server-only";

import { jsonError } from "@/lib/http/responses";
import { reportDatabaseError, RETRY_AFTER_SECONDS } from "@/lib/db/availability";

/**
 * Wraps a route handler under /api so that a failure is an answer an API client can act on, never
 * Next.js's empty 500: the database being unreachable is 503 `{"error":"unavailable"}` with
 * Retry-After (and the proxy then checks the database before serving pages, lib/security/route-access.ts);
 * anything else is logged by name and answered 500 `{"error":"server_error"}`, nothing more.
 */

export function apiRoute<R extends Request>(handler: (request: R) => Promise<Response>): (request: R) => Promise<Response> {
  return async (request) => {
    try {
      return await handler(request);
    } catch (error) {
      if (reportDatabaseError(error)) return jsonError(503, "unavailable", { "Retry-After": String(RETRY_AFTER_SECONDS) });
      console.error(`[api] ${request.method} ${new URL(request.url).pathname} failed: ${(error as Error)?.name ?? "error"}`);
      return jsonError(500, "server_error");
    }
  };
}
