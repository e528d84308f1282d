import "server-only";

import type { LogoutTokenIssuer } from "@/lib/auth/backchannel-logout";
import { issuerMatches } from "@/lib/providers/discovery";
import type { ProviderClient, ProviderClientConfig } from "@/lib/providers/client";
import { providerKeySet } from "@/lib/providers/keys";

/**
 * Which of the app's providers a logout token claims to come from, and that provider's signing
 * keys. A token's `iss` must be the issuer exactly as the provider's discovery document publishes
 * it (OIDC Back-Channel Logout §2.6 step 3 and Discovery §4.3), whatever the configuration's
 * spelling. Only OpenID Connect providers configured by issuer qualify.
 *
 * The keys are the same per-process set as the ID tokens' (lib/providers/keys.ts): a rotation seen
 * at sign-in is seen here too, and an unknown key id is fetched at once.
 */
export function logoutIssuerLookup(
  configs: readonly ProviderClientConfig[],
  clientFor: (provider: string) => ProviderClient | undefined | Promise<ProviderClient | undefined>,
  fetchImpl: typeof fetch,
): (iss: string) => Promise<LogoutTokenIssuer | null> {
  return async (iss) => {
    for (const config of configs) {
      // Only a provider configured as this issuer (give or take the trailing "/") can have published it.
      if (!config.issuer || !issuerMatches(config.issuer, iss)) continue;
      // A provider that does not answer throws (the route says 503, and the provider sends it again).
      const endpoints = await (await clientFor(config.id))?.endpoints();
      if (!endpoints || endpoints.issuer !== iss) continue;
      if (!endpoints.jwks) return null;
      return { provider: config.id, issuer: endpoints.issuer, clientId: config.clientId, keys: providerKeySet(endpoints.jwks, fetchImpl) };
    }
    return null;
  };
}
