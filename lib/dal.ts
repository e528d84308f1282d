import "server-only";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";

import { sessionChecks } from "@/lib/services";
import type { ApiCaller } from "@/lib/api-tokens/caller";
import { authenticateSession, type CurrentUser, type RequestCredentials } from "@/lib/session/authenticate";
import { databaseAnswered, DatabaseUnavailableError, reportDatabaseError } from "@/lib/db/availability";
import { loginPath } from "@/lib/auth/redirects";
import { cookiesOf } from "@/lib/session/claims";
import { hasSessionCookie, sessionEndedPath } from "@/lib/session/cookie";

export type { ApiCaller } from "@/lib/api-tokens/caller";
export type { CurrentUser } from "@/lib/session/authenticate";

/**
 * The data-access layer: the one place that decides who is signed in.
 *
 * The proxy is only a first, optimistic gate (a matcher mistake or a framework bug such as
 * CVE-2025-29927 can skip it), so every protected page, server action and route handler calls
 * `verifySession()` / `requireUser()` / `verifyApiCaller()` itself.
 *
 * Cost per request: one cookie decrypt (none when the proxy already read the same cookie,
 * lib/session/token.ts), then the session record joined to its user and linked providers, one
 * statement by primary key, and a last-seen write at most once a minute (lib/session/registry.ts).
 * Cached per request by React, so a page and its layout share one check. Across requests, the
 * answer may come from memory for a few seconds while the database's change feed is live
 * (lib/session/cache.ts): a revocation on any instance evicts it as soon as the database announces
 * it, and one made by this instance at once.
 */

// The cookies come from the request's Cookie header, not from `cookies()`: that builds Next.js's
// request and response cookie stores, a few per cent of a signed-in API call, to be read once
// here. The difference: a cookie set earlier in the same server action is not seen; nothing here
// sets one before it asks who is signed in.
const requestCredentials = cache(async (): Promise<RequestCredentials> => {
  const requestHeaders = await headers();
  return { headers: requestHeaders, cookies: cookiesOf(requestHeaders) };
});

/**
 * The answer of a session check, with an unreachable database turned into DatabaseUnavailableError
 * (pages show "briefly unavailable", lib/http/api-route.ts answers 503) and reported, so the proxy asks
 * the database before the next page (lib/db/availability.ts).
 */
async function checked<T>(check: Promise<T>): Promise<T> {
  try {
    const answer = await check;
    databaseAnswered();
    return answer;
  } catch (error) {
    if (reportDatabaseError(error)) throw new DatabaseUnavailableError("the database is unreachable", { cause: error });
    throw error;
  }
}

/** The signed-in user of the session cookie (pages and server actions), or null. */
export const verifySession = cache(async (): Promise<CurrentUser | null> => {
  // Request data first: it marks the render dynamic, so a prerender at build time (which has no
  // secrets in its environment) stops here instead of reading the configuration.
  const credentials = await requestCredentials();
  return checked(sessionChecks().then((deps) => authenticateSession(deps, credentials)));
});

/**
 * For route handlers under /api: the caller by `Authorization: Bearer` (an access token from
 * POST /api/token) or else by the session cookie. Answer a refusal with `apiCallerRefused`.
 */
export const verifyApiCaller = cache(async (): Promise<ApiCaller> => {
  const credentials = await requestCredentials();
  // Loaded with the first API call (then from the module cache): pages never load the bearer
  // token's verification, its rate limits or the signing keys.
  const { authenticateApiRequest } = await import("@/lib/api-tokens/caller");
  return checked(sessionChecks().then((deps) => authenticateApiRequest(deps, credentials)));
});

/**
 * For pages and server actions: the signed-in user, or a redirect to /login that comes back to
 * `returnTo` afterwards. A session cookie that came along is dead (revoked, idle, expired): the
 * browser goes by /api/auth/session-ended, which deletes it and says "your session has ended".
 */
export async function requireUser(returnTo?: string): Promise<CurrentUser> {
  const user = await verifySession();
  if (user) return user;
  const { cookies } = await requestCredentials();
  redirect(hasSessionCookie(cookies.map((c) => c.name)) ? sessionEndedPath(returnTo) : loginPath(returnTo));
}
