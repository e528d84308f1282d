import "server-only";

import { verifyAccessToken, type AccessTokenRefusal } from "@/lib/api-tokens/access-token";
import { apiAudience, appOrigin } from "@/lib/security/origin";
import { countBearerFailure } from "@/lib/security/rate-limits/apply";
import { bearerToken } from "@/lib/api-tokens/bearer-header";
import type { Database } from "@/lib/db";
import type { RateLimits } from "@/lib/security/rate-limits/counters";
import { readSessionClaims } from "@/lib/session/claims";
import type { SessionPolicy } from "@/lib/config/session-policy";
import type { SessionCache } from "@/lib/session/cache";
import { cachedSession, checkSession } from "@/lib/session/registry";
import type { SigningKeyStore } from "@/lib/api-tokens/signing-keys";

/**
 * Who is calling, from the request's credentials, for lib/dal.ts (which binds the app's
 * dependencies and caches the answer per request). Pure apart from `deps`, so the integration
 * tests drive it with a real database, real cookies, real tokens and a fake clock.
 *
 * Either credential ends in the same check of the session record (lib/session/registry.ts): a
 * cookie and a bearer token of a revoked, idle or expired session are refused alike.
 */

export interface CurrentUser {
  id: string;
  name: string | null;
  email: string | null;
  image: string | null;
  /** The providers linked to the account, oldest link first. */
  linkedProviders: string[];
  /** The provider this session signed in with. */
  provider: string | undefined;
  /** The session record (`sid`): "This device" on /settings/sessions. */
  sessionId: string;
}

export interface AuthDeps {
  db: Database;
  policy: SessionPolicy;
  /** Decrypts the session cookie (AUTH_SECRET). */
  secret: string | string[];
  authUrl: string | undefined;
  keys: Pick<SigningKeyStore, "verificationKey">;
  now: () => Date;
  /** Bearer-failure limits (lib/security/rate-limits/apply.ts); unset: not limited (tests of other things). */
  rateLimits?: RateLimits;
  /** TRUSTED_PROXY_HOPS, for the bearer-failure limits' client address (1 when unset). */
  proxyHops?: number;
  /** Recent answers of the session check (lib/session/cache.ts); unset: every check reads the database. */
  sessionCache?: SessionCache;
}

export interface RequestCredentials {
  headers: Headers;
  cookies: readonly { name: string; value: string }[];
}

export type ApiCaller =
  | { ok: true; user: CurrentUser; credential: "cookie" | "bearer" }
  /** unauthorized: no credential, or a cookie that is not (or no longer) a session; invalid_token: a bearer header we refuse. */
  | { ok: false; error: "unauthorized" | "invalid_token"; reason?: AccessTokenRefusal | "malformed_header" | "session" }
  /** Too many refused bearer tokens from this address or for this account: 429 with Retry-After. */
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };

async function activeUser(deps: AuthDeps, claims: { userId: string; sessionId: string }): Promise<CurrentUser | null> {
  const now = deps.now();
  const cached = cachedSession(claims, deps.policy, now, deps.sessionCache);
  const session = cached !== undefined ? cached : await checkSession(deps.db, claims, deps.policy, now, deps.sessionCache);
  return session ? { ...session.user, provider: session.provider, sessionId: session.id } : null;
}

/** The session cookie's user (pages, server actions, and the API without a bearer header). */
export async function authenticateSession(deps: AuthDeps, request: RequestCredentials): Promise<CurrentUser | null> {
  const secure = appOrigin(request.headers, deps.authUrl).startsWith("https:");
  const claims = await readSessionClaims(request.cookies, { secret: deps.secret, secure });
  return claims ? activeUser(deps, claims) : null;
}

/**
 * For route handlers under /api: an `Authorization` header, when present, is the credential (a bad
 * one is refused even if a good cookie came along: the client chose it); otherwise the cookie.
 */
export async function authenticateApiRequest(deps: AuthDeps, request: RequestCredentials): Promise<ApiCaller> {
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
    return over ? { ok: false, error: "rate_limited", retryAfterSeconds: over.retryAfterSeconds } : { ok: false, error: "invalid_token", reason };
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
