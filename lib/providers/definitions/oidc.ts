import { flag, httpUrl, requireSecureIssuer, value, clientPair } from "@/lib/config/variables";
import { OIDC_SCOPE, oidcAuthjsProvider } from "@/lib/providers/authjs";
import type { ProviderDefinition } from "@/lib/providers/definition";
import { profileFromOidcClaims } from "@/lib/providers/profile";

/**
 * Any OpenID Connect provider, found by discovery from its issuer (AUTH_OIDC_*): Auth0, Okta,
 * Keycloak, Zitadel, Authentik, a company's own. Its endpoints, keys and end-session endpoint come
 * from its discovery document (lib/providers/discovery.ts).
 */
export const oidc: ProviderDefinition = {
  kind: "oidc",
  variables: ["AUTH_OIDC_ISSUER", "AUTH_OIDC_ID", "AUTH_OIDC_SECRET", "AUTH_OIDC_NAME", "AUTH_OIDC_TRUST_EMAIL"],
  read(source, { mode, problems }) {
    const issuer = httpUrl(source, "AUTH_OIDC_ISSUER", problems, { exact: true });
    requireSecureIssuer(mode, "AUTH_OIDC_ISSUER", issuer, problems);
    const client = clientPair(source, "AUTH_OIDC_ID", "AUTH_OIDC_SECRET", problems);
    const trustEmail = flag(source, "AUTH_OIDC_TRUST_EMAIL", problems) ?? false;
    if (issuer && !client) problems.errors.push("AUTH_OIDC_ID and AUTH_OIDC_SECRET are required when AUTH_OIDC_ISSUER is set.");
    if (!issuer && client) {
      problems.errors.push("AUTH_OIDC_ISSUER is missing: it is required when AUTH_OIDC_ID is set (the issuer URL, e.g. https://login.example.com).");
    }
    if (!issuer || !client) return undefined;
    return { id: "oidc", kind: "oidc", name: value(source, "AUTH_OIDC_NAME") ?? "Single sign-on", mark: "openid", issuer, ...client, trustEmail };
  },
  authjs: (config, context) => oidcAuthjsProvider(config, context, { scope: `${OIDC_SCOPE} offline_access` }, (claims) => oidc.profile(claims, config)),
  profile: (claims, config) => profileFromOidcClaims(claims, { trustEmail: config.trustEmail }),
  idTokenIssuer: (config) => config.issuer,
  formActionOrigin: (config) => new URL(config.issuer!).origin,
  imageOrigins: () => [],
  offersLogout: true,
};
