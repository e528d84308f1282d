import { flag, httpUrl, requireSecureIssuer, value } from "@/lib/config/variables";
import { OIDC_SCOPE, oidcAuthjsProvider } from "@/lib/providers/authjs";
import type { ProviderDefinition } from "@/lib/providers/definition";
import { profileFromOidcClaims } from "@/lib/providers/profile";

/** Defaults shared with the Dev IdP (idp/config.ts); a test keeps the two in step. */
export const DEV_IDP_DEFAULTS = {
  issuer: "http://127.0.0.1:3001",
  clientId: "oauth-next-app",
  clientSecret: "dev-idp-client-secret-not-for-production",
} as const;

/**
 * The embedded Dev IdP (idp/): an OpenID provider with published test passwords. On by default only
 * in development when nothing real is configured; in production only when asked for by name, and
 * never with the published client secret (anyone could run an IdP our app would trust).
 */
export const devIdp: ProviderDefinition = {
  kind: "dev-idp",
  variables: ["AUTH_DEV_IDP", "DEV_IDP_ISSUER", "DEV_IDP_CLIENT_ID", "DEV_IDP_CLIENT_SECRET"],
  read(source, { mode, problems, configured }) {
    const enabled = flag(source, "AUTH_DEV_IDP", problems) ?? (mode !== "production" && configured.length === 0);
    if (!enabled) return undefined;
    const issuer = httpUrl(source, "DEV_IDP_ISSUER", problems, { exact: true }) ?? DEV_IDP_DEFAULTS.issuer;
    const clientSecret = value(source, "DEV_IDP_CLIENT_SECRET") ?? DEV_IDP_DEFAULTS.clientSecret;
    requireSecureIssuer(mode, "DEV_IDP_ISSUER", issuer, problems);
    if (mode === "production" && clientSecret === DEV_IDP_DEFAULTS.clientSecret) {
      problems.errors.push(
        "DEV_IDP_CLIENT_SECRET is the published development secret and AUTH_DEV_IDP=1 in production: set AUTH_DEV_IDP=0 (or unset it), or give the Dev IdP and the app a secret of your own in DEV_IDP_CLIENT_SECRET.",
      );
    } else if (mode === "production") {
      problems.warnings.push(
        "AUTH_DEV_IDP=1 in production: the Dev IdP signs anyone in with the published test passwords. Never do this on a public deployment.",
      );
    }
    const clientId = value(source, "DEV_IDP_CLIENT_ID") ?? DEV_IDP_DEFAULTS.clientId;
    return { id: "dev-idp", kind: "dev-idp", name: "Dev IdP", mark: "dev-idp", issuer, clientId, clientSecret, trustEmail: false };
  },
  // Same request shape as Google's: offline access needs an explicit consent prompt (OIDC Core §11).
  authjs: (config, context) =>
    oidcAuthjsProvider(config, context, { scope: `${OIDC_SCOPE} offline_access`, prompt: "consent" }, (claims) =>
      devIdp.profile(claims, config),
    ),
  profile: (claims) => profileFromOidcClaims(claims),
  idTokenIssuer: (config) => config.issuer,
  formActionOrigin: (config) => new URL(config.issuer!).origin,
  // The Dev IdP serves the test users' pictures itself, over http on loopback.
  imageOrigins: (config) => [new URL(config.issuer!).origin],
  offersLogout: true,
};
