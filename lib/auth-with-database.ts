import "server-only";

import type { NextAuthConfig } from "next-auth";

import { storeSignInTokens } from "@/lib/account-tokens";
import { createAuthAdapter } from "@/lib/auth-adapter";
import type { Database } from "@/lib/db";
import type { TokenKeyring } from "@/lib/token-keys";

/**
 * The proxy's Auth.js configuration (lib/auth.config.ts) plus what needs the database: the
 * adapter, and storing the provider's fresh tokens on every sign-in.
 *
 * Auth.js writes an account's tokens only when it links the account the first time; on every
 * later sign-in (and on a reconnect, which is a sign-in while signed in) it drops the new tokens.
 * Those are exactly the ones we need after a refresh token was revoked, so the `jwt` callback
 * (which runs on every sign-in, with the provider's token response) stores them, encrypted, and
 * clears any "reconnect" mark. It runs before the session cookie is issued and its errors fail
 * the sign-in: a person is never signed in on top of tokens we failed to keep.
 */

type JwtParams = Parameters<NonNullable<NonNullable<NextAuthConfig["callbacks"]>["jwt"]>>[0];

export function withDatabase(config: NextAuthConfig, db: Database, keyring: () => Promise<TokenKeyring>): NextAuthConfig {
  const jwt = config.callbacks?.jwt;
  return {
    ...config,
    adapter: createAuthAdapter(db, keyring),
    callbacks: {
      ...config.callbacks,
      async jwt(params: JwtParams) {
        const { account, user } = params;
        if (account && user?.id && (account.type === "oauth" || account.type === "oidc")) {
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
        return jwt ? jwt(params) : params.token;
      },
    },
    events: {
      ...config.events,
      signIn({ user, account, isNewUser }) {
        console.info(`[auth] sign-in user=${user.id} provider=${account?.provider} new=${Boolean(isNewUser)}`);
      },
    },
  };
}
