import "server-only";

import { createHash, timingSafeEqual } from "node:crypto";

import { LinkNotRequestedError, LinkSessionInvalidError } from "@/lib/auth-errors";
import type { Database } from "@/lib/db";
import { currentRequest } from "@/lib/request-info";
import { forgetAllSessions } from "@/lib/session-cache";
import { cookiesOf, readRequestSessionClaims } from "@/lib/session-claims";
import type { SessionPolicy } from "@/lib/session-policy";
import { checkSession } from "@/lib/session-registry";

/**
 * Linking a second provider to a person is explicit, and only ever to the person who asked.
 *
 * Auth.js links a new provider account to whoever the session cookie names, on any sign-in while
 * signed in (and never, with allowDangerousEmailAccountLinking off as here, by email while signed
 * out). That is two holes this module closes:
 *
 *  - A sign-in button pressed while someone else is still signed in (a shared computer) would
 *    attach the newcomer's provider account to the previous person's user, and from then on it
 *    signs in as them. So a link needs an intent: the "Link <Provider>" button on
 *    /settings/accounts sets a short-lived HttpOnly cookie bound to this session and provider.
 *  - Auth.js reads the cookie's claims only; a stolen cookie whose session was since revoked (or
 *    has gone idle) would still let its holder attach their own provider account, a backdoor that
 *    outlives the revocation. So the session record must still be valid (lib/session-registry.ts).
 */

export const LINK_INTENT_TTL_SECONDS = 10 * 60;

/** `__Host-` over https: no subdomain can plant one, no other path can shadow it. */
export function linkIntentCookieName(secure: boolean): string {
  return secure ? "__Host-link-intent" : "link-intent";
}

function digest(sessionId: string, provider: string): string {
  return createHash("sha256").update(`link-intent\0${sessionId}\0${provider}`).digest("base64url");
}

/**
 * The cookie's value: which provider, and a hash of the session id with it. The session id is 256
 * secret random bits that never leave the encrypted session cookie, so nobody who lacks it can
 * forge the value, and it is worthless once that session ends (each sign-in, including the one
 * that completes the link, starts a new session).
 */
export function linkIntentValue(sessionId: string, provider: string): string {
  return `${provider}.${digest(sessionId, provider)}`;
}

export function linkIntentMatches(cookies: readonly { name: string; value: string }[], sessionId: string, provider: string): boolean {
  const expected = Buffer.from(linkIntentValue(sessionId, provider));
  return cookies.some((cookie) => {
    if (cookie.name !== linkIntentCookieName(true) && cookie.name !== linkIntentCookieName(false)) return false;
    const actual = Buffer.from(cookie.value);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
}

export interface LinkGuardDeps {
  db: Database;
  secret: string | string[];
  policy: SessionPolicy;
  now: () => Date;
}

/**
 * Called by lib/auth-adapter.ts before it links `provider` to an existing user: throws unless the
 * request carries a valid session of that user and the intent to link that provider.
 */
export function linkGuard(deps: LinkGuardDeps): (userId: string, provider: string) => Promise<void> {
  return async (userId, provider) => {
    const request = currentRequest();
    if (!request) throw new LinkNotRequestedError(provider);
    const claims = await readRequestSessionClaims(request.headers, deps.secret);
    if (!claims || claims.userId !== userId) throw new LinkSessionInvalidError();
    if (!(await checkSession(deps.db, claims, deps.policy, deps.now()))) throw new LinkSessionInvalidError();
    if (!linkIntentMatches(cookiesOf(request.headers), claims.sessionId, provider)) throw new LinkNotRequestedError(provider);
  };
}

export type UnlinkResult = "unlinked" | "last_provider" | "not_linked";

/**
 * Removes one provider from a person, never the last one (they could not sign in again, and the
 * user would be an orphan anyone could claim by email). The user row is locked first, so two
 * unlinks at once (two tabs) cannot each see "two left" and remove both.
 *
 * Sessions that signed in through that provider are ended too, except the one asking: unlinking is
 * what a person does when that provider account is no longer theirs, and whoever holds it must
 * lose what it gave them.
 */
export async function unlinkProvider(
  db: Database,
  input: { userId: string; provider: string; keepSessionId: string },
  now: Date,
): Promise<UnlinkResult> {
  const result = await db.$transaction(async (tx): Promise<UnlinkResult> => {
    await tx.$queryRaw`SELECT "id" FROM "User" WHERE "id" = ${input.userId} FOR UPDATE`;
    const providers = await tx.account.findMany({ where: { userId: input.userId }, select: { provider: true } });
    if (!providers.some((p) => p.provider === input.provider)) return "not_linked";
    if (providers.length <= 1) return "last_provider";
    await tx.account.delete({ where: { userId_provider: { userId: input.userId, provider: input.provider } } });
    await tx.userSession.updateMany({
      where: { userId: input.userId, provider: input.provider, revokedAt: null, id: { not: input.keepSessionId } },
      data: { revokedAt: now, revokedReason: "revoked" },
    });
    return "unlinked";
  });
  if (result === "unlinked") forgetAllSessions();
  return result;
}
