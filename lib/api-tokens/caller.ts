import "server-only";

import { verifyAccessToken, type AccessTokenRefusal } from "@/lib/api-tokens/access-token";
import { bearerToken } from "@/lib/api-tokens/bearer-header";
import type { SigningKeyStore } from "@/lib/api-tokens/signing-keys";
import { apiAudience, appOrigin } from "@/lib/security/origin";
import { countBearerFailure } from "@/lib/security/rate-limits/apply";
import type { RateLimits } from "@/lib/security/rate-limits/counters";
import { activeUser, authenticateSession, type AuthDeps, type CurrentUser, type RequestCredentials } from "@/lib/session/authenticate";

/**
 * Who is calling a route handler under /api, for lib/dal.ts `verifyApiCaller`: the bearer token's
 * session, or else the session cookie's. Loaded with the first API call, so pages never load the
 * token verification or the signing keys.
 */

export interface ApiCallerDeps extends AuthDeps {
  keys: Pick<SigningKeyStore, "verificationKey">;
  /** Bearer-failure limits (lib/security/rate-limits/apply.ts); unset: not limited (tests of other things). */
  rateLimits?: RateLimits;
  /** TRUSTED_PROXY_HOPS, for the bearer-failure limits' client address (1 when unset). */
  proxyHops?: number;
}

export type ApiCaller =
  | { ok: true; user: CurrentUser; credential: "cookie" | "bearer" }
  /** unauthorized: no credential, or a cookie that is not (or no longer) a session; invalid_token: a bearer header we refuse. */
  | { ok: false; error: "unauthorized" | "invalid_token"; reason?: AccessTokenRefusal | "malformed_header" | "session" }
  /** Too many refused bearer tokens from this address or for this account: 429 with Retry-After. */
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };

/**
 * For route handlers under /api: an `Authorization` header, when present, is the credential (a bad
 * one is refused even if a good cookie came along: the client chose it); otherwise the cookie.
 */
export async function authenticateApiRequest(deps: ApiCallerDeps, request: RequestCredentials): Promise<ApiCaller> {
  const authorization = request.headers.get("authorization");
  if (authorization === null) {
    const user = await authenticateSession(deps, request);
    return user ? { ok: true, user, credential: "cookie" } : { ok: false, error: "unauthorized" };
  }
  const limiter = deps.rateLimits ? { db: deps.db, limits: deps.rateLimits, now: deps.now, proxyHops: deps.proxyHops ?? 1 } : null;
  const token = bearerToken(authorization);
  // Only refusals are counted, and only a refusal is ever answered 429: a valid token is accepted
  // whatever other tokens did (anyone can replay a dead token of someone else's), so the limits
  // slow down guessing and replaying without letting anyone lock an account holder out.
  const refuse = async (reason: AccessTokenRefusal | "malformed_header" | "session"): Promise<ApiCaller> => {
    const over = limiter ? await countBearerFailure(limiter, request.headers, token, reason) : null;
    return over
      ? { ok: false, error: "rate_limited", retryAfterSeconds: over.retryAfterSeconds }
      : { ok: false, error: "invalid_token", reason };
  };
  if (!token) return refuse("malformed_header");
  const origin = appOrigin(request.headers, deps.authUrl);
  const now = deps.now();
  const verified = await verifyAccessToken(token, {
    issuer: origin,
    audience: apiAudience(origin),
    key: (kid) => deps.keys.verificationKey(kid, now),
    now,
  });
  if (!verified.ok) return refuse(verified.reason);
  const user = await activeUser(deps, verified);
  return user ? { ok: true, user, credential: "bearer" } : refuse("session");
}
