import { customFetch } from "@auth/core";
import Google from "@auth/core/providers/google";

import { clientPair, value } from "@/lib/config/variables";
import { OIDC_CHECKS, OIDC_SCOPE, providerFetch } from "@/lib/providers/authjs";
import type { ProviderDefinition } from "@/lib/providers/definition";
import { AccountNotAllowedError } from "@/lib/providers/errors";
import { profileFromOidcClaims } from "@/lib/providers/profile";

/**
 * Google (OpenID Connect). Server calls use its fixed endpoints; it publishes no end-session
 * endpoint and revokes with RFC 7009. https://developers.google.com/identity/openid-connect/openid-connect
 */
const ISSUER = "https://accounts.google.com";

/** A DNS name such as example.com (no scheme, no @, no path): what Google puts in `hd`. */
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * With AUTH_GOOGLE_HOSTED_DOMAIN set, only accounts of that Workspace domain are admitted. The
 * `hd` authorization parameter is a hint for Google's account chooser that anyone can strip from
 * the URL, so the verified ID token's `hd` claim decides; a consumer account has none.
 * https://developers.google.com/identity/openid-connect/openid-connect#hd-param
 */
function checkHostedDomain(claims: Record<string, unknown> | undefined, domain: string): void {
  const hd = claims?.hd;
  if (typeof hd !== "string" || hd.toLowerCase() !== domain) {
    throw new AccountNotAllowedError("google", typeof hd === "string" ? "another Workspace domain" : "not a Workspace account");
  }
}

export const google: ProviderDefinition = {
  kind: "google",
  variables: ["AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET", "AUTH_GOOGLE_HOSTED_DOMAIN"],
  read(source, { problems }) {
    const client = clientPair(source, "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET", problems);
    const hostedDomain = value(source, "AUTH_GOOGLE_HOSTED_DOMAIN")?.toLowerCase();
    if (hostedDomain !== undefined && !DOMAIN.test(hostedDomain)) {
      problems.errors.push(
        `AUTH_GOOGLE_HOSTED_DOMAIN must be a domain name such as example.com (got "${source.AUTH_GOOGLE_HOSTED_DOMAIN}").`,
      );
      return undefined;
    }
    if (hostedDomain && !client)
      problems.errors.push("AUTH_GOOGLE_HOSTED_DOMAIN is set but Google is not configured: set AUTH_GOOGLE_ID and AUTH_GOOGLE_SECRET.");
    return client && { id: "google", kind: "google", name: "Google", mark: "google", ...client, trustEmail: false, hostedDomain };
  },
  authjs(config) {
    // Google issues a refresh token only with offline access, and only on a consent screen.
    const params: Record<string, string> = { scope: OIDC_SCOPE, access_type: "offline", prompt: "consent" };
    if (config.hostedDomain) params.hd = config.hostedDomain;
    return Google({
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      checks: OIDC_CHECKS,
      authorization: { params },
      profile: (claims) => profileFromOidcClaims(claims as unknown as Record<string, unknown>),
      [customFetch]: providerFetch(ISSUER, { requireHttps: true }),
    });
  },
  async admit({ idTokenClaims }, config) {
    if (config.hostedDomain) checkHostedDomain(idTokenClaims, config.hostedDomain);
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
