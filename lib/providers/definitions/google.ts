import { customFetch } from "@auth/core";
import Google from "@auth/core/providers/google";

import { clientPair } from "@/lib/config/variables";
import { OIDC_CHECKS, OIDC_SCOPE, providerFetch } from "@/lib/providers/authjs";
import type { ProviderDefinition } from "@/lib/providers/definition";
import { profileFromOidcClaims } from "@/lib/providers/profile";

/**
 * Google (OpenID Connect). Server calls use its fixed endpoints; it publishes no end-session
 * endpoint and revokes with RFC 7009. https://developers.google.com/identity/openid-connect/openid-connect
 */
const ISSUER = "https://accounts.google.com";

export const google: ProviderDefinition = {
  kind: "google",
  variables: ["AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"],
  read(source, { problems }) {
    const client = clientPair(source, "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET", problems);
    return client && { id: "google", kind: "google", name: "Google", mark: "google", ...client, trustEmail: false };
  },
  authjs(config) {
    return Google({
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      checks: OIDC_CHECKS,
      // Google issues a refresh token only with offline access, and only on a consent screen.
      authorization: { params: { scope: OIDC_SCOPE, access_type: "offline", prompt: "consent" } },
      profile: (claims) => profileFromOidcClaims(claims as unknown as Record<string, unknown>),
      [customFetch]: providerFetch(ISSUER, { requireHttps: true }),
    });
  },
  profile: (claims) => profileFromOidcClaims(claims),
  endpoints: {
    issuer: ISSUER,
    token: "https://oauth2.googleapis.com/token",
    userinfo: "https://openidconnect.googleapis.com/v1/userinfo",
    revocation: "https://oauth2.googleapis.com/revoke",
    endSession: undefined,
    jwks: "https://www.googleapis.com/oauth2/v3/certs",
  },
  idTokenIssuer: () => ISSUER,
  formActionOrigin: () => ISSUER,
  imageOrigins: () => [],
  offersLogout: false,
};
