import "server-only";

import { appOrigin } from "@/lib/security/origin";
import { authConfig } from "@/lib/auth/config";
import { getEnv } from "@/lib/config/env";
import { readSessionClaims } from "@/lib/session/claims";
import { hasSessionCookie } from "@/lib/session/cookie";

/**
 * What the proxy needs to know about a request's session cookie before deciding whether Auth.js
 * must see the request at all.
 *
 * Auth.js's proxy helper evaluates the session by running its whole session endpoint for every
 * request: it decrypts the cookie, then encrypts a new one with a new expiry and sets it on the
 * response. That is the cookie's sliding expiry, and it is needed only once the cookie is `updateAge`
 * old (lib/auth/config.ts). So: no session cookie, or a readable one that is not yet due, and the
 * proxy's gate decides without Auth.js; a cookie that is due, or that does not read (tampered,
 * expired, another secret: Auth.js clears it), goes through Auth.js as before.
 *
 * Reading the cookie here is the same decryption lib/dal.ts does (lib/session/claims.ts), so the
 * proxy is not more lenient than Auth.js was: a cookie Auth.js would refuse is "needs-authjs".
 */

export interface SessionCookieOptions {
  secret: string | string[];
  /** AUTH_URL: with it, the cookie's name (`__Secure-` or not) follows it, not the request. */
  authUrl: string | undefined;
  maxAgeSeconds: number;
  updateAgeSeconds: number;
}

export type SessionCookieCheck =
  /** No session cookie: nothing to read, re-issue or clear. */
  | { state: "absent" }
  /** A readable session cookie that is not due for a new expiry yet. */
  | { state: "current"; userId: string; expiresAt: number }
  /** Due for a new expiry, or unreadable: Auth.js re-issues or clears it. */
  | { state: "needs-authjs" };

export interface CookieRequest {
  headers: Headers;
  cookies: { getAll(): { name: string; value: string }[] };
}

export async function checkSessionCookie(
  request: CookieRequest,
  options: SessionCookieOptions,
  now: Date = new Date(),
): Promise<SessionCookieCheck> {
  const cookies = request.cookies.getAll();
  if (!hasSessionCookie(cookies.map((c) => c.name))) return { state: "absent" };
  const secure = appOrigin(request.headers, options.authUrl).startsWith("https:");
  const claims = await readSessionClaims(cookies, { secret: options.secret, secure });
  if (!claims || claims.expiresAt === undefined) return { state: "needs-authjs" };
  const remaining = claims.expiresAt - Math.floor(now.getTime() / 1000);
  if (remaining <= options.maxAgeSeconds - options.updateAgeSeconds) return { state: "needs-authjs" };
  return { state: "current", userId: claims.userId, expiresAt: claims.expiresAt };
}

/** The options of the app's own Auth.js configuration (what the proxy's Auth.js would use). */
export function appSessionCookieOptions(): SessionCookieOptions {
  const config = authConfig();
  const maxAgeSeconds = config.session?.maxAge;
  const updateAgeSeconds = config.session?.updateAge;
  if (!config.secret || maxAgeSeconds === undefined || updateAgeSeconds === undefined) {
    throw new Error("the Auth.js configuration has no secret, session.maxAge or session.updateAge");
  }
  return { secret: config.secret, authUrl: getEnv().authUrl, maxAgeSeconds, updateAgeSeconds };
}
