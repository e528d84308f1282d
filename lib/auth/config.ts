import "server-only";

import type { NextAuthConfig } from "next-auth";

import { describeAuthError, recordAuthError } from "@/lib/auth/errors";
import { getEnv, type AppEnv } from "@/lib/config/env";
import { IdTokenRejectedError, verifyIdTokenSignature } from "@/lib/auth/id-token";
import { fetchWithTimeout } from "@/lib/providers/fetch";
import { authjsProviders, definitionOf, idTokenIssuers, providerById, type IssuerFor } from "@/lib/providers/registry";
import { safeCallbackPath } from "@/lib/auth/redirects";
import type { SessionPolicy } from "@/lib/config/session-policy";
import { decodeSessionToken, encodeSessionToken } from "@/lib/session/token";

/**
 * The Auth.js configuration the proxy can use on its own: providers, JWT session, callbacks.
 * No database here; lib/auth/next-auth.ts adds the adapter for the route handler and server code.
 */

declare module "next-auth" {
  interface Session {
    /** Which provider this session signed in with. */
    provider?: string;
  }
}

declare module "@auth/core/jwt" {
  interface JWT {
    provider?: string;
    /** The session record (lib/session/registry.ts); set at sign-in by lib/auth/with-database.ts. */
    sid?: string;
  }
}

export function cookieMaxAgeSeconds(policy: SessionPolicy): number {
  return Math.floor(policy.idleTimeoutMs / 1000);
}

/** How old the cookie gets before the proxy issues a new one: an hour, or a tenth of a short idle timeout. */
export function cookieUpdateAgeSeconds(policy: SessionPolicy): number {
  return Math.min(3600, Math.floor(cookieMaxAgeSeconds(policy) / 10));
}

export function createAuthConfig(env: AppEnv, policy: SessionPolicy = env.sessionPolicy, issuerFor?: IssuerFor): NextAuthConfig {
  const issuers = idTokenIssuers(env);
  const verifyOptions = { fetch: fetchWithTimeout, requireHttps: env.mode === "production" };
  return {
    secret: env.authSecret,
    providers: authjsProviders(env, issuerFor),
    // The cookie expires after the idle timeout unless used: the database-free part of the idle
    // timeout. The proxy re-issues it once it is `updateAge` old (lib/security/route-access.ts), not on every
    // request, so it may end up to `updateAge` before the idle deadline, never after. The server
    // enforces both limits from the session record (lib/dal.ts), which Auth.js alone would slide forever.
    session: { strategy: "jwt", maxAge: cookieMaxAgeSeconds(policy), updateAge: cookieUpdateAgeSeconds(policy) },
    jwt: { encode: encodeSessionToken, decode: decodeSessionToken },
    pages: { signIn: "/login", error: "/login" },
    callbacks: {
      // Runs after the code exchange and before any database write: a refused ID token, or a
      // person the provider's settings keep out (its `admit`), creates no user, links no account
      // and issues no session.
      async signIn({ account }) {
        if (!account) return true;
        const issuer = issuers.get(account.provider);
        let idTokenClaims: Record<string, unknown> | undefined;
        if (issuer) {
          if (typeof account.id_token !== "string") throw new IdTokenRejectedError("the provider sent no ID token");
          idTokenClaims = await verifyIdTokenSignature(account.id_token, issuer, verifyOptions);
        }
        const provider = providerById(env, account.provider);
        if (provider)
          await definitionOf(provider).admit?.({ idTokenClaims, accessToken: account.access_token, fetch: fetchWithTimeout }, provider);
        return true;
      },
      jwt({ token, user, account }) {
        // Sign-in: the cookie carries who (our user id) and how (provider), nothing else (plus the
        // session record's id, added by lib/auth/with-database.ts). Name, email and picture are read
        // from the database so edits show at once, and provider tokens never leave the server.
        if (user?.id && account) return { sub: user.id, provider: account.provider };
        return token;
      },
      session({ session, token }) {
        return {
          expires: session.expires,
          user: { id: token.sub ?? "" },
          provider: token.provider,
        };
      },
      redirect({ url, baseUrl }) {
        return new URL(safeCallbackPath(url, { appOrigin: baseUrl, fallback: "/dashboard" }), baseUrl).toString();
      },
    },
    logger: {
      error(error) {
        recordAuthError(error);
        // A tampered or stale cookie is an everyday event, not a server fault.
        const level = (error as { type?: string }).type === "JWTSessionError" ? "warn" : "error";
        console[level](`[auth] ${describeAuthError(error)}`);
      },
      warn(code) {
        console.warn(`[auth] warning: ${code}`);
      },
      debug() {},
    },
  };
}

/** Built on first use, not at import: `next build` imports this module without any secrets. */
let cached: NextAuthConfig | undefined;

export function authConfig(): NextAuthConfig {
  return (cached ??= createAuthConfig(getEnv()));
}
