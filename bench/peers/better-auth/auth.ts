import { betterAuth } from "better-auth";
import { nextCookies } from "better-auth/next-js";
import { genericOAuth } from "better-auth/plugins";
import { Pool } from "pg";

// Better Auth's own shape: PostgreSQL through its built-in Kysely driver, the Dev IdP through the
// generic OAuth plugin. Default settings: every getSession() reads the session from the database;
// BETTER_AUTH_COOKIE_CACHE=1 turns on its cookie cache (a signed copy of the session in a cookie
// for five minutes, so a revoked session lives on until the copy expires).
export const auth = betterAuth({
  database: new Pool({ connectionString: process.env.DATABASE_URL }),
  secret: process.env.AUTH_SECRET,
  baseURL: process.env.AUTH_URL,
  // Its rate limiter stays on, with limits the bench never reaches (it signs in hundreds of times
  // from one address), as the app's are raised for the bench: the counting is still paid for.
  rateLimit: { max: 1_000_000, window: 60, customRules: { "/sign-in/*": { max: 1_000_000, window: 60 } } },
  session: { cookieCache: { enabled: process.env.BETTER_AUTH_COOKIE_CACHE === "1", maxAge: 5 * 60 } },
  plugins: [
    genericOAuth({
      config: [
        {
          providerId: "dev-idp",
          discoveryUrl: `${process.env.DEV_IDP_ISSUER}/.well-known/openid-configuration`,
          clientId: process.env.DEV_IDP_CLIENT_ID ?? "",
          clientSecret: process.env.DEV_IDP_CLIENT_SECRET ?? "",
          scopes: ["openid", "email", "profile"],
          // The Dev IdP accepts client_secret_basic only (its discovery says so); Better Auth's
          // default is client_secret_post.
          authentication: "basic",
        },
      ],
    }),
    nextCookies(),
  ],
});
