/**
 * JSON error bodies for the API: a stable machine-readable code, the right status, and nothing
 * from the server's internals. Responses about a person are never cached by intermediaries.
 */

export const NO_STORE = { "Cache-Control": "no-store" } as const;

export function jsonError(status: number, error: string, headers: HeadersInit = {}): Response {
  return Response.json({ error }, { status, headers: { ...NO_STORE, ...headers } });
}

// RFC 9110 §15.5.2: a 401 names the scheme that would work; RFC 6750 §3 adds the error when a
// bearer token was sent and refused (and none when no credential came at all).
const REALM = 'Bearer realm="api"';

/** No credential, or a session cookie that is not (or no longer) a session. */
export function unauthorizedJson(): Response {
  return jsonError(401, "unauthorized", { "WWW-Authenticate": REALM });
}

/** A bearer token that is malformed, forged, expired, of the wrong kind, or of an ended session. */
export function invalidTokenJson(): Response {
  return jsonError(401, "invalid_token", { "WWW-Authenticate": `${REALM}, error="invalid_token"` });
}

/** Too many attempts: come back after `retryAfterSeconds` (RFC 6585 §4). */
export function rateLimitedJson(retryAfterSeconds: number): Response {
  return jsonError(429, "rate_limited", { "Retry-After": String(retryAfterSeconds) });
}

type Refusal = { error: "unauthorized" | "invalid_token" } | { error: "rate_limited"; retryAfterSeconds: number };

/** The response for a caller lib/dal.ts's `verifyApiCaller` refused. */
export function apiCallerRefused(refusal: Refusal): Response {
  if (refusal.error === "rate_limited") return rateLimitedJson(refusal.retryAfterSeconds);
  return refusal.error === "invalid_token" ? invalidTokenJson() : unauthorizedJson();
}
