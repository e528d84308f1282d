import "server-only";

import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

import { LinkNotRequestedError, LinkSessionInvalidError } from "@/lib/auth/errors";
import type { Database } from "@/lib/db";
import { currentRequest } from "@/lib/auth/request-context";
import { forgetAllSessions } from "@/lib/session/cache";
import { cookiesOf, readSessionClaims } from "@/lib/session/claims";
import type { SessionPolicy } from "@/lib/config/session-policy";
import { checkSession } from "@/lib/session/registry";

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
 *    outlives the revocation. So the session record must still be valid (lib/session/registry.ts).
 */

export const LINK_INTENT_TTL_SECONDS = 10 * 60;

/**
 * `__Host-` over https: no subdomain can plant one, no other path can shadow it. Over https only
 * that name is accepted (a sibling subdomain can set the unprefixed one for our host).
 */
export function linkIntentCookieName(secure: boolean): string {
  return secure ? "__Host-link-intent" : "link-intent";
}

const secretsOf = (secret: string | string[]) => (Array.isArray(secret) ? secret : [secret]);

/** A key of its own from AUTH_SECRET (HKDF, RFC 5869): unrelated to the session cookie's and the token keys. */
const keys = new Map<string, Buffer>();
function intentKey(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", secret, "oauth-next-app/link-intent", "link intent MAC v1", 32));
    keys.set(secret, key);
  }
  return key;
}

function mac(secret: string, sessionId: string, provider: string): string {
  return createHmac("sha256", intentKey(secret)).update(`link-intent\0${sessionId}\0${provider}`).digest("base64url");
}

/**
 * The cookie's value: which provider, and a MAC of the session id with it under a server-side key.
 * A plain hash would not do: anyone knows their own session id (it is in their cookie's claims to
 * whoever can read them) and could compute the value for a session id they learn; with the key,
 * only this server can make one. It is worthless once that session ends (each sign-in, including
 * the one that completes the link, starts a new session).
 */
export function linkIntentValue(sessionId: string, provider: string, secret: string | string[]): string {
  const [current] = secretsOf(secret);
  if (!current) throw new Error("no secret for the link intent");
  return `${provider}.${mac(current, sessionId, provider)}`;
}

export function linkIntentMatches(
  cookies: readonly { name: string; value: string }[],
  intent: { sessionId: string; provider: string; secret: string | string[]; secure: boolean },
): boolean {
  const name = linkIntentCookieName(intent.secure);
  const expected = secretsOf(intent.secret).map((secret) =>
    Buffer.from(`${intent.provider}.${mac(secret, intent.sessionId, intent.provider)}`),
  );
  return cookies.some((cookie) => {
    if (cookie.name !== name) return false;
    const actual = Buffer.from(cookie.value);
    return expected.some((value) => actual.length === value.length && timingSafeEqual(actual, value));
  });
}

export interface LinkGuardDeps {
  db: Database;
  secret: string | string[];
  policy: SessionPolicy;
  now: () => Date;
}

/**
 * Called by lib/auth/adapter.ts before it links `provider` to an existing user: throws unless the
 * request carries a valid session of that user and the intent to link that provider.
 */
export function linkGuard(deps: LinkGuardDeps): (userId: string, provider: string) => Promise<void> {
  return async (userId, provider) => {
    const request = currentRequest();
    if (!request) throw new LinkNotRequestedError(provider);
    const cookies = cookiesOf(request.headers);
    // A session in the `__Secure-` cookie means the app is served over https (Auth.js names it so).
    const secureClaims = await readSessionClaims(cookies, { secret: deps.secret, secure: true });
    const claims = secureClaims ?? (await readSessionClaims(cookies, { secret: deps.secret, secure: false }));
    if (!claims || claims.userId !== userId) throw new LinkSessionInvalidError();
    if (!(await checkSession(deps.db, claims, deps.policy, deps.now()))) throw new LinkSessionInvalidError();
    const intent = { sessionId: claims.sessionId, provider, secret: deps.secret, secure: secureClaims !== null };
    if (!linkIntentMatches(cookies, intent)) throw new LinkNotRequestedError(provider);
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
