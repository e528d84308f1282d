import "server-only";

import NextAuth, { type NextAuthConfig } from "next-auth";

import { createAuthAdapter } from "@/lib/auth-adapter";
import { authConfig } from "@/lib/auth.config";
import { db } from "@/lib/db";

/**
 * Auth.js for the route handler, server components and server actions: the proxy's
 * configuration plus the database adapter (users and linked provider accounts).
 * The session itself stays a JWT cookie, so checking it needs no database round trip.
 */
let config: NextAuthConfig | undefined;

export const { handlers, auth, signIn, signOut } = NextAuth(
  () =>
    (config ??= {
      ...authConfig(),
      adapter: createAuthAdapter(db),
      events: {
        signIn({ user, account, isNewUser }) {
          console.info(`[auth] sign-in user=${user.id} provider=${account?.provider} new=${Boolean(isNewUser)}`);
        },
      },
    }),
);
