import { customFetch } from "@auth/core";
import type { OAuthConfig } from "@auth/core/providers";
import MicrosoftEntraID from "@auth/core/providers/microsoft-entra-id";

import { clientPair, flag, value, type EnvSource, type Problems } from "@/lib/config/variables";
import { OIDC_CHECKS, OIDC_SCOPE, providerFetch } from "@/lib/providers/authjs";
import type { ProviderDefinition } from "@/lib/providers/definition";
import { TENANT_ID } from "@/lib/providers/discovery";
import { AccountNotAllowedError } from "@/lib/providers/errors";
import { profileFromOidcClaims } from "@/lib/providers/profile";

/**
 * Microsoft Entra ID (OpenID Connect, v2.0 endpoints), single-tenant (`…/<tenant id>/v2.0`) or
 * multi-tenant (`…/common/v2.0`, `…/organizations/v2.0`). A multi-tenant discovery document
 * publishes its issuer as the template `…/{tenantid}/v2.0` and every ID token names its own tenant
 * (`tid`): lib/providers/discovery.ts accepts the template for a tenant alias, and the token is
 * checked against the template filled with its `tid` (lib/auth/id-token.ts). Auth.js's own
 * microsoft-entra-id provider re-discovers the token's tenant after the code exchange; we keep its
 * behaviour and give it our fetch, discovery cache and profile.
 *
 * Entra sends no `email_verified`: an address is only trusted with
 * AUTH_MICROSOFT_ENTRA_ID_TRUST_EMAIL=1 (any user of a tenant can be given any address by its admin).
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc
 * https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference
 */

const MULTI_TENANT = new Set(["common", "organizations"]);

/** The tenant segment of `https://<authority host>/<tenant>/v2.0`, or a problem. */
function tenantOf(issuer: string, problems: Problems): string | undefined {
  const match = /^https:\/\/[^/]+\/([^/]+)\/v2\.0$/.exec(issuer);
  const tenant = match?.[1]?.toLowerCase();
  if (!tenant || !(TENANT_ID.test(tenant) || MULTI_TENANT.has(tenant))) {
    problems.errors.push(
      `AUTH_MICROSOFT_ENTRA_ID_ISSUER must be https://login.microsoftonline.com/<tenant>/v2.0 with your tenant's id (a GUID), or common or organizations for several tenants (got "${issuer}").`,
    );
    return undefined;
  }
  return tenant;
}

function tenants(source: EnvSource, problems: Problems): string[] | undefined {
  const list = value(source, "AUTH_MICROSOFT_ENTRA_ID_TENANTS")
    ?.split(",")
    .map((tenant) => tenant.trim().toLowerCase())
    .filter(Boolean);
  const bad = list?.find((tenant) => !TENANT_ID.test(tenant));
  if (bad !== undefined)
    problems.errors.push(`AUTH_MICROSOFT_ENTRA_ID_TENANTS must list tenant ids (GUIDs) separated by commas (not "${bad}").`);
  return list?.length ? list : undefined;
}

export const microsoftEntraId: ProviderDefinition = {
  kind: "microsoft-entra-id",
  variables: [
    "AUTH_MICROSOFT_ENTRA_ID_ID",
    "AUTH_MICROSOFT_ENTRA_ID_SECRET",
    "AUTH_MICROSOFT_ENTRA_ID_ISSUER",
    "AUTH_MICROSOFT_ENTRA_ID_TENANTS",
    "AUTH_MICROSOFT_ENTRA_ID_TRUST_EMAIL",
  ],
  read(source, { problems }) {
    const client = clientPair(source, "AUTH_MICROSOFT_ENTRA_ID_ID", "AUTH_MICROSOFT_ENTRA_ID_SECRET", problems);
    const issuer = value(source, "AUTH_MICROSOFT_ENTRA_ID_ISSUER");
    const allowedTenants = tenants(source, problems);
    const trustEmail = flag(source, "AUTH_MICROSOFT_ENTRA_ID_TRUST_EMAIL", problems) ?? false;
    if (client && !issuer) {
      problems.errors.push(
        "AUTH_MICROSOFT_ENTRA_ID_ISSUER is missing: it is required when AUTH_MICROSOFT_ENTRA_ID_ID is set (https://login.microsoftonline.com/<tenant id>/v2.0, or …/common/v2.0).",
      );
    }
    if (!client && (issuer || allowedTenants)) {
      problems.errors.push(
        "AUTH_MICROSOFT_ENTRA_ID_ID and AUTH_MICROSOFT_ENTRA_ID_SECRET are required when AUTH_MICROSOFT_ENTRA_ID_ISSUER or _TENANTS is set.",
      );
    }
    const tenant = issuer ? tenantOf(issuer, problems) : undefined;
    if (tenant && TENANT_ID.test(tenant) && allowedTenants && !allowedTenants.includes(tenant)) {
      problems.errors.push(
        `AUTH_MICROSOFT_ENTRA_ID_TENANTS does not include the tenant of AUTH_MICROSOFT_ENTRA_ID_ISSUER (${tenant}): nobody could sign in.`,
      );
    }
    if (!client || !issuer || !tenant) return undefined;
    return {
      id: "microsoft-entra-id",
      kind: "microsoft-entra-id",
      name: "Microsoft",
      mark: "microsoft",
      ...client,
      issuer,
      trustEmail,
      allowedTenants,
    };
  },
  authjs(config, context) {
    const issuer = context.issuerFor(config.issuer!);
    // Auth.js's provider carries the tenant re-discovery (an internal flag on its object); the rest is ours.
    const base = MicrosoftEntraID({ clientId: config.clientId, clientSecret: config.clientSecret, issuer }) as OAuthConfig<
      Record<string, unknown>
    >;
    return {
      ...base,
      name: config.name,
      issuer,
      checks: OIDC_CHECKS,
      // offline_access: without it Entra issues no refresh token.
      authorization: { params: { scope: `${OIDC_SCOPE} offline_access` } },
      // The verified ID token carries the standard claims; Entra's userinfo is a Graph call for the same.
      profile: (claims: Record<string, unknown>) => microsoftEntraId.profile(claims, config),
      [customFetch]: providerFetch(config.issuer!, { requireHttps: context.requireHttps }),
    } as OAuthConfig<Record<string, unknown>>;
  },
  async admit({ idTokenClaims }, config) {
    if (!config.allowedTenants) return;
    const tid = idTokenClaims?.tid;
    if (typeof tid !== "string" || !config.allowedTenants.includes(tid.toLowerCase())) {
      throw new AccountNotAllowedError("microsoft-entra-id", "tenant not allowed");
    }
  },
  profile: (claims, config) => profileFromOidcClaims(claims, { trustEmail: config.trustEmail }),
  idTokenIssuer: (config) => config.issuer,
  formActionOrigin: (config) => new URL(config.issuer!).origin,
  imageOrigins: () => [],
  offersLogout: true,
};
