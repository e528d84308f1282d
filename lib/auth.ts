import "server-only";

import NextAuth, { type NextAuthConfig } from "next-auth";

import { withDatabase } from "@/lib/auth-with-database";
import { authConfig } from "@/lib/auth.config";
import { db } from "@/lib/db";
import { tokenKeyring } from "@/lib/provider-tokens";

/**
 * Auth.js for the route handler, server components and server actions: the proxy's
 * configuration plus the database (users, linked provider accounts and their encrypted tokens).
 * The session itself stays a JWT cookie, so checking it needs no database round trip.
 */
let config: NextAuthConfig | undefined;

export const { handlers, auth, signIn, signOut } = NextAuth(() => (config ??= withDatabase(authConfig(), db, tokenKeyring)));
