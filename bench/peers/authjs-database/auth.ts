import { PrismaAdapter } from "@auth/prisma-adapter";
import NextAuth from "next-auth";

import { prisma } from "./prisma/client";

// Auth.js's own shape with database sessions: one session lookup per request, revocable.
export const { handlers, auth, signIn } = NextAuth({
  adapter: PrismaAdapter(prisma),
  session: { strategy: "database" },
  providers: [
    {
      id: "dev-idp",
      name: "Dev IdP",
      type: "oidc",
      issuer: process.env.DEV_IDP_ISSUER,
      clientId: process.env.DEV_IDP_CLIENT_ID,
      clientSecret: process.env.DEV_IDP_CLIENT_SECRET,
    },
  ],
  trustHost: true,
  pages: { signIn: "/login" },
  callbacks: {
    authorized: ({ auth: session }) => Boolean(session?.user),
  },
});
