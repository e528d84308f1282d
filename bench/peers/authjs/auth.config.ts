import type { NextAuthConfig } from "next-auth";

// Auth.js's documented split: what every Auth.js peer shares (the Dev IdP as a generic OpenID
// provider, the sign-in page, the proxy's rule), apart from how sessions are kept (auth.ts).
export const authConfig = {
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
} satisfies NextAuthConfig;
