import "server-only";

import { decodeJwt } from "jose";
import type { NextAuthConfig } from "next-auth";
import type { JWT, JWTDecodeParams } from "next-auth/jwt";

import { linkGuard } from "@/lib/auth/linking";
import { storeSignInTokens } from "@/lib/providers/tokens/store";
import { createAuthAdapter } from "@/lib/auth/adapter";
import type { SignInErrorCode, SignInFailureListener } from "@/lib/auth/errors";
import type { Database } from "@/lib/db";
import { clientInfoFrom, currentRequest, type ClientInfo } from "@/lib/auth/request-context";
import { readRequestSessionClaims } from "@/lib/session/claims";
import type { SessionPolicy } from "@/lib/config/session-policy";
import { checkSession, revokeSession, startSession } from "@/lib/session/registry";
import { recordSignInEvent } from "@/lib/auth/activity";
import type { TokenKeyring } from "@/lib/encryption/keyring";

/**
 * The proxy's Auth.js configuration (lib/auth/config.ts) plus what needs the database: the
 * adapter, the provider's fresh tokens, and the session registry (lib/session/registry.ts).
 *
 * Auth.js writes an account's tokens only when it links the account the first time; on every
 * later sign-in (and on a reconnect, which is a sign-in while signed in) it drops the new tokens.
 * Those are exactly the ones we need after a refresh token was revoked, so the `jwt` callback
 * (which runs on every sign-in, with the provider's token response) stores them, encrypted, and
 * clears any "reconnect" mark. It runs before the session cookie is issued and its errors fail
 * the sign-in: a person is never signed in on top of tokens we failed to keep.
 *
 * The same callback starts a session record for every sign-in and puts its id in the cookie
 * (`sid`): always a new one, so a session id planted before sign-in is never promoted (session
 * fixation), and the one this browser held before is revoked. Sign-out revokes the record, so a
 * copy of the cookie taken before is worthless afterwards.
 *
 * Auth.js decides "signed in" by decrypting the cookie alone. Here a cookie counts only while its
 * session record is usable (`jwt.decode`): one revoked elsewhere ("sign out everywhere else",
 * back-channel logout) or past its idle timeout or lifetime is no session to Auth.js either. Its
 * session endpoint then deletes it, and a sign-in from that browser is a fresh sign-in of whoever
 * signs in, never a reconnect or a link onto the person whose session ended.
 */

type Callbacks = NonNullable<NextAuthConfig["callbacks"]>;
type JwtParams = Parameters<NonNullable<Callbacks["jwt"]>>[0];
type SignOutMessage = Parameters<NonNullable<NonNullable<NextAuthConfig["events"]>["signOut"]>>[0];

export interface SessionOptions {
  policy: SessionPolicy;
  /** The clock; tests move it. */
  now: () => Date;
  /** TRUSTED_PROXY_HOPS, for the client address noted on sessions and sign-in events (1 when unset). */
  proxyHops?: number;
}

const NO_CLIENT: ClientInfo = { ip: null, userAgent: null };

/** The provider's own session id (`sid`, OIDC Front/Back-Channel Logout) from its ID token, already verified by Auth.js. */
export function providerSessionId(idToken: string | undefined): string | null {
  if (!idToken) return null;
  try {
    const { sid } = decodeJwt(idToken);
    return typeof sid === "string" && sid.length > 0 && sid.length <= 255 ? sid : null;
  } catch {
    return null;
  }
}

export function withDatabase(
  config: NextAuthConfig,
  db: Database,
  keyring: () => Promise<TokenKeyring>,
  sessions: SessionOptions,
): NextAuthConfig {
  const jwt = config.callbacks?.jwt;
  const secret = config.secret ?? [];
  const decode = config.jwt?.decode;
  if (!decode) throw new Error("the Auth.js configuration has no jwt.decode");

  /** The cookie's claims while its session record is usable; null otherwise (see above). */
  async function decodeLiveSession(params: JWTDecodeParams): Promise<JWT | null> {
    const token = await decode!(params);
    if (!token) return token;
    const { sub, sid } = token;
    if (typeof sub !== "string" || typeof sid !== "string") return null;
    return (await checkSession(db, { sessionId: sid, userId: sub }, sessions.policy, sessions.now())) ? token : null;
  }

  async function signIn(params: JwtParams & { user: { id: string }; account: NonNullable<JwtParams["account"]> }) {
    const { account, user } = params;
    if (account.type === "oauth" || account.type === "oidc") {
      await storeSignInTokens(
        db,
        await keyring(),
        { provider: account.provider, providerAccountId: account.providerAccountId },
        {
          accessToken: account.access_token ?? null,
          refreshToken: account.refresh_token ?? null,
          idToken: account.id_token ?? null,
          expiresAt: typeof account.expires_at === "number" ? account.expires_at : null,
          tokenType: account.token_type ?? null,
          scope: account.scope ?? null,
        },
      );
    }
    const token = jwt ? await jwt(params) : params.token;
    if (!token) return token;
    const request = currentRequest();
    const client = request ? clientInfoFrom(request.headers, sessions.proxyHops ?? 1) : NO_CLIENT;
    const previous = request ? await readRequestSessionClaims(request.headers, secret) : null;
    const now = sessions.now();
    const sid = await startSession(
      db,
      {
        userId: user.id,
        provider: account.provider,
        providerSid: providerSessionId(account.id_token),
        client,
        replacing: previous?.sessionId,
      },
      now,
    );
    await recordSignInEvent(db, { userId: user.id, provider: account.provider, result: "success", client, sessionId: sid }, now);
    return { ...token, sid };
  }

  return {
    ...config,
    adapter: createAuthAdapter(db, linkGuard({ db, secret, policy: sessions.policy, now: sessions.now })),
    jwt: { ...config.jwt, decode: decodeLiveSession },
    callbacks: {
      ...config.callbacks,
      async jwt(params: JwtParams) {
        const { account, user } = params;
        if (account && user?.id) return signIn({ ...params, account, user: { ...user, id: user.id } });
        // Not a sign-in: the token came through decodeLiveSession, so its session record is usable.
        return jwt ? jwt(params) : params.token;
      },
    },
    events: {
      ...config.events,
      signIn({ user, account, isNewUser }) {
        console.info(`[auth] sign-in user=${user.id} provider=${account?.provider} new=${Boolean(isNewUser)}`);
      },
      async signOut(message: SignOutMessage) {
        const sid = "token" in message ? message.token?.sid : undefined;
        // Auth.js logs a failure here and clears the cookie anyway: a person is never kept signed in.
        if (typeof sid === "string") await revokeSession(db, sid, "signed_out", sessions.now());
      },
    },
  };
}

export interface FailedSignIn {
  /** The provider id from the sign-in or callback URL; anything not configured is ignored. */
  provider: string;
  code: SignInErrorCode;
  /** The request's headers: its cookies say whether a signed-in person failed, the rest where from. */
  headers: Headers;
}

/**
 * Records a failed sign-in (lib/auth/activity.ts): under the person's account only when the
 * request carried their valid session (a failed reconnect), else without a user. Only for our own
 * providers, so made-up callback paths write nothing.
 */
export function failedSignInRecorder(
  config: NextAuthConfig,
  db: Database,
  sessions: SessionOptions,
): (failure: FailedSignIn) => Promise<void> {
  const providerIds = new Set((config.providers ?? []).map((p) => (typeof p === "function" ? undefined : p.id)));
  return async ({ provider, code, headers }) => {
    if (!providerIds.has(provider)) return;
    const now = sessions.now();
    const claims = await readRequestSessionClaims(headers, config.secret ?? []);
    const session = claims ? await checkSession(db, claims, sessions.policy, now) : null;
    await recordSignInEvent(
      db,
      { userId: session?.user.id ?? null, provider, result: code, client: clientInfoFrom(headers, sessions.proxyHops ?? 1) },
      now,
    );
  };
}

/** For lib/auth/errors.ts's `withSignInErrorCodes`: the provider is the last segment of the sign-in or callback path. */
export function failureListener(record: (failure: FailedSignIn) => Promise<void>): SignInFailureListener {
  return async (request, code) => {
    const provider = /\/api\/auth\/(?:callback|signin)\/([^/]+)$/.exec(new URL(request.url).pathname)?.[1];
    if (provider) await record({ provider, code, headers: request.headers });
  };
}
