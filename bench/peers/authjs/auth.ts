import NextAuth from "next-auth";

// Auth.js's own shape: one auth.ts, the Dev IdP as a generic OpenID provider, JWT sessions (the default).
export const { handlers, auth, signIn } = NextAuth({
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
    // What the proxy lets through: anyone with a session.
    authorized: ({ auth: session }) => Boolean(session?.user),
  },
});
