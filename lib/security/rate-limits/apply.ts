import "server-only";

import { decodeJwt } from "jose";

import type { AccessTokenRefusal } from "@/lib/api-tokens/access-token";
import { NO_STORE, rateLimitedJson } from "@/lib/http/responses";
import type { Database } from "@/lib/db";
import { firstRefusal, hitRateLimit, type RateLimitDecision, type RateLimits } from "@/lib/security/rate-limits/counters";
import { clientAddress, rateLimitSubject } from "@/lib/security/client-address";
import { loginPath } from "@/lib/auth/redirects";
import { readRequestSessionClaims } from "@/lib/session/claims";

/**
 * Where the rate limits of lib/security/rate-limits/counters.ts apply, and how a refusal is answered.
 *
 *   sign-in starts   every start costs us a state/PKCE/nonce cookie set and sends the browser to
 *                    the provider: scripted starts are how a bot farms authorization requests or
 *                    gets us throttled at the provider. Counted per client IP, and per person when
 *                    a signed-in session starts one (reconnect, link) so one account cannot churn.
 *   callbacks        each one makes us call the provider's token endpoint (and userinfo): counted
 *                    per client IP, so forged or replayed callbacks cannot make us hammer it.
 *   bearer failures  refused `Authorization: Bearer` tokens, per client IP, so nobody gets unlimited
 *                    guesses; and per person for refused tokens we did sign (expired, or of an ended
 *                    session), so a leaked, dead token replayed in a loop is throttled too. Over the
 *                    limit, refusals are answered 429 instead of 401; a valid token is always
 *                    accepted, or anyone holding a dead token of a person could lock them out.
 *
 * The client IP is lib/security/client-address.ts's: the X-Forwarded-For entry TRUSTED_PROXY_HOPS from the
 * right (IPv6 counted by /64). A request with no usable address counts under one shared "unknown"
 * bucket rather than escaping the limit or choosing its own.
 */

export interface RateLimitDeps {
  db: Database;
  limits: RateLimits;
  now: () => Date;
  /** TRUSTED_PROXY_HOPS: which X-Forwarded-For entry is the client (lib/security/client-address.ts). */
  proxyHops: number;
}

/** The client's bucket: its address (IPv6 by /64), or the one shared "unknown" bucket. */
function ipOf(deps: RateLimitDeps, headers: Headers): string {
  return rateLimitSubject(clientAddress(headers, deps.proxyHops));
}

/** Counts a sign-in start; the refusal (the longest wait of the rules that refuse), or null. */
export async function limitSignInStart(deps: RateLimitDeps, headers: Headers, userId: string | null): Promise<RateLimitDecision | null> {
  const { db, limits } = deps;
  const now = deps.now();
  const [byIp, byAccount] = await Promise.all([
    limits.signInIp ? hitRateLimit(db, "signInIp", limits.signInIp, ipOf(deps, headers), now) : null,
    limits.signInAccount && userId ? hitRateLimit(db, "signInAccount", limits.signInAccount, userId, now) : null,
  ]);
  return firstRefusal([byIp, byAccount]);
}

/** Counts a provider callback. */
export async function limitCallback(deps: RateLimitDeps, headers: Headers): Promise<RateLimitDecision | null> {
  const rule = deps.limits.callbackIp;
  if (!rule) return null;
  return firstRefusal([await hitRateLimit(deps.db, "callbackIp", rule, ipOf(deps, headers), deps.now())]);
}

/** The `sub` a bearer token claims, unverified: only used to find the bucket, never to authenticate. */
function claimedSubject(token: string): string | null {
  try {
    const { sub } = decodeJwt(token);
    return typeof sub === "string" && sub.length > 0 && sub.length <= 255 ? sub : null;
  } catch {
    return null;
  }
}

/**
 * Refusals that come after the signature checked out: the token is really ours, so its `sub` really
 * names the account. Only these count against an account, or anyone could use up a victim's
 * allowance by sending junk tokens that merely claim their id.
 */
const SIGNED_BY_US: ReadonlySet<AccessTokenRefusal | "session"> = new Set([
  "expired",
  "not_yet_valid",
  "issuer",
  "audience",
  "claims",
  "session",
]);

/** Counts a refused bearer token; returns the refusal when this failure went over a limit. */
export async function countBearerFailure(
  deps: RateLimitDeps,
  headers: Headers,
  token: string | null,
  reason: AccessTokenRefusal | "malformed_header" | "session",
): Promise<RateLimitDecision | null> {
  const { db, limits } = deps;
  const now = deps.now();
  const sub = token && reason !== "malformed_header" && SIGNED_BY_US.has(reason) ? claimedSubject(token) : null;
  const [byIp, byAccount] = await Promise.all([
    limits.bearerIp ? hitRateLimit(db, "bearerIp", limits.bearerIp, ipOf(deps, headers), now) : null,
    limits.bearerAccount && sub ? hitRateLimit(db, "bearerAccount", limits.bearerAccount, sub, now) : null,
  ]);
  return firstRefusal([byIp, byAccount]);
}

/** Where the login buttons' server action sends a person over the limit: /login says how long to wait. */
export function rateLimitedLoginPath(callbackUrl: string, retryAfterSeconds: number): string {
  return `${loginPath(callbackUrl, "rate_limited")}&retry_after=${retryAfterSeconds}`;
}

/** Reads `retry_after` back for display: a whole number of seconds, at most a day, else null. */
export function retryAfterFromQuery(raw: string | string[] | undefined): number | null {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value || !/^\d{1,5}$/.test(value)) return null;
  const seconds = Number(value);
  return seconds >= 1 && seconds <= 86_400 ? seconds : null;
}

/** 429 for a person's browser (a provider redirecting back to a callback): one sentence and a way on. */
export function rateLimitedPage(retryAfterSeconds: number): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Too many attempts</title></head>
<body><main><h1>Too many attempts</h1><p>Too many attempts, try again in ${retryAfterSeconds} seconds.</p><p><a href="/login">Back to sign-in</a></p></main></body></html>
`;
  return new Response(html, {
    status: 429,
    headers: {
      ...NO_STORE,
      "Content-Type": "text/html; charset=utf-8",
      "Retry-After": String(retryAfterSeconds),
      "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
    },
  });
}

function wantsHtml(request: Request): boolean {
  return (request.headers.get("accept") ?? "").includes("text/html");
}

/** /api/auth/signin/<provider> (POST starts one) and /api/auth/callback/<provider> (any method). */
function limitedEndpoint(request: Request): "signin" | "callback" | null {
  const { pathname } = new URL(request.url);
  if (/\/api\/auth\/callback\/[^/]+\/?$/.test(pathname)) return "callback";
  if (request.method === "POST" && /\/api\/auth\/signin\/[^/]+\/?$/.test(pathname)) return "signin";
  return null;
}

/**
 * Wraps the Auth.js route handler: sign-in starts and callbacks over the limit are answered 429
 * with Retry-After before Auth.js does any work (no cookies set, no call to the provider). A
 * limiter that fails (database down) lets the request through: Auth.js then fails on the same
 * database anyway, and a limiter must not become the outage.
 */
export function withAuthRateLimits<R extends Request>(
  handler: (request: R) => Promise<Response>,
  deps: () => RateLimitDeps & { secret: string | string[] },
): (request: R) => Promise<Response> {
  return async (request) => {
    const endpoint = limitedEndpoint(request);
    if (!endpoint) return handler(request);
    let refused: RateLimitDecision | null = null;
    try {
      const d = deps();
      if (endpoint === "callback") {
        refused = await limitCallback(d, request.headers);
      } else {
        const claims = await readRequestSessionClaims(request.headers, d.secret);
        refused = await limitSignInStart(d, request.headers, claims?.userId ?? null);
      }
    } catch (error) {
      console.warn(`[rate-limit] not checked: ${(error as Error)?.name ?? "error"}`);
    }
    if (!refused) return handler(request);
    return wantsHtml(request) ? rateLimitedPage(refused.retryAfterSeconds) : rateLimitedJson(refused.retryAfterSeconds);
  };
}
