import { PrismaAdapter } from "@auth/prisma-adapter";
import NextAuth from "next-auth";

import { authConfig } from "./auth.config";
import { prisma } from "./prisma/client";

// Auth.js's own shape with database sessions: one session lookup per request, revocable.
export const { handlers, auth, signIn } = NextAuth({
  ...authConfig,
  adapter: PrismaAdapter(prisma),
  session: { strategy: "database" },
});
