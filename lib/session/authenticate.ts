import "server-only";

import type { SessionPolicy } from "@/lib/config/session-policy";
import type { Database } from "@/lib/db";
import { appOrigin } from "@/lib/security/origin";
import type { SessionCache } from "@/lib/session/cache";
import { readSessionClaims } from "@/lib/session/claims";
import { cachedSession, checkSession } from "@/lib/session/registry";

/**
 * Who is signed in, from the request's session cookie, for lib/dal.ts (which binds the app's
 * dependencies and caches the answer per request). Pure apart from `deps`, so the integration
 * tests drive it with a real database, real cookies and a fake clock.
 *
 * A bearer token (lib/api-tokens/caller.ts) ends in the same check of the session record
 * (`activeUser`, lib/session/registry.ts): a cookie and a bearer token of a revoked, idle or
 * expired session are refused alike.
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
  now: () => Date;
  /** Recent answers of the session check (lib/session/cache.ts); unset: every check reads the database. */
  sessionCache?: SessionCache;
}

export interface RequestCredentials {
  headers: Headers;
  cookies: readonly { name: string; value: string }[];
}

/** The user of a session record that is still live (from memory when the cache may answer). */
export async function activeUser(deps: AuthDeps, claims: { userId: string; sessionId: string }): Promise<CurrentUser | null> {
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
