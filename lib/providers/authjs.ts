import "server-only";

import { customFetch } from "@auth/core";
import type { OAuthConfig } from "@auth/core/providers";

import type { AuthjsContext, ProviderConfig } from "@/lib/providers/definition";
import { discoveryDocument, discoveryUrl, isIssuerTemplate } from "@/lib/providers/discovery";
import { fetchWithTimeout } from "@/lib/providers/fetch";
import { ProfileError, type StoredProfile } from "@/lib/providers/profile";

/**
 * What every provider's Auth.js configuration shares (lib/providers/definitions/ build theirs with
 * it): the checks, the timeout, and for OpenID providers the discovery document from one cache
 * under the issuer the provider publishes.
 */

/**
 * fetchWithTimeout for Auth.js's requests to one provider, with its discovery document
 * (OIDC Discovery §4) served from lib/providers/discovery.ts: fetched once for every part of the
 * app, checked for the right issuer (and, in production, https endpoints) before Auth.js sees it.
 */
export function providerFetch(configuredIssuer: string, options: { requireHttps?: boolean } = {}): typeof fetch {
  const documentUrl = discoveryUrl(configuredIssuer);
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    if (method !== "GET" || url !== documentUrl) return fetchWithTimeout(input, init);
    let body = await discoveryDocument(configuredIssuer, { fetch: fetchWithTimeout, requireHttps: options.requireHttps });
    const doc = JSON.parse(body) as { issuer: string };
    // A multi-tenant Entra document names the template `…/{tenantid}/v2.0`; oauth4webapi wants the issuer
    // it was given. The token's own tenant is checked after the code exchange (Auth.js re-discovers
    // it for microsoft-entra-id, and lib/auth/id-token.ts verifies the token against it).
    if (isIssuerTemplate(doc.issuer)) body = JSON.stringify({ ...doc, issuer: configuredIssuer });
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  };
}

// Auth.js defaults to PKCE alone; state also binds the response to this browser (RFC 9700 §2.1.1)
// and nonce binds the ID token to this authorization request (OIDC Core §3.1.2.1).
export const OIDC_CHECKS: ("pkce" | "state" | "nonce")[] = ["pkce", "state", "nonce"];
export const OIDC_SCOPE = "openid email profile";

type Claims = Record<string, unknown> & { sub: string };

/**
 * Whether an ID token carries what the profile stores (OIDC Core §5.1): an address with its
 * `email_verified` (without it the address is not kept, lib/providers/profile.ts, and userinfo may
 * say more) and a name.
 */
function carriesProfile(claims: Record<string, unknown>): boolean {
  const named = ["name", "given_name", "family_name"].some((claim) => typeof claims[claim] === "string");
  return typeof claims.email === "string" && claims.email_verified !== undefined && named;
}

/**
 * The claims a person's profile is read from: the ID token's, already checked by Auth.js (issuer,
 * audience, expiry, nonce; its signature is verified before anything is stored), when it carries
 * the standard claims, as Auth0's and Keycloak's do by default and the Dev IdP's (like Google's);
 * otherwise the userinfo endpoint's (OIDC Core §5.4 lets a provider release them there only). That
 * saves the callback a round trip to those providers. A userinfo answer about anyone but the ID token's
 * subject is refused (OIDC Core §5.3.2: a token substitution).
 */
export async function profileClaims(
  idTokenClaims: Record<string, unknown>,
  accessToken: string | undefined,
  userinfo: (accessToken: string) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  if (carriesProfile(idTokenClaims)) return idTokenClaims;
  if (!accessToken) throw new ProfileError("The provider sent no access token for its userinfo endpoint.");
  const claims = await userinfo(accessToken);
  if (claims.sub !== idTokenClaims.sub) throw new ProfileError("The provider's userinfo is about another subject than its ID token.");
  return claims;
}

/** An OpenID provider found by discovery from its issuer, as Auth.js runs it. */
export function oidcAuthjsProvider(
  config: ProviderConfig,
  context: AuthjsContext,
  params: Record<string, string>,
  profile: (claims: Record<string, unknown>) => StoredProfile,
): OAuthConfig<Claims> {
  const issuer = config.issuer!;
  // Loaded only when an ID token lacks the claims: pages build this configuration too and must not
  // load the provider client (test/architecture.test.ts).
  const userinfo = async (accessToken: string) => {
    const { createProviderClient } = await import("@/lib/providers/client");
    const { id, name, clientId, clientSecret } = config;
    const client = createProviderClient(
      { id, name, clientId, clientSecret, issuer, requireHttps: context.requireHttps, profile },
      fetchWithTimeout,
    );
    return client.userinfo(accessToken);
  };
  return {
    id: config.id,
    name: config.name,
    type: "oidc",
    issuer: context.issuerFor(issuer),
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    checks: OIDC_CHECKS,
    authorization: { params },
    idToken: true,
    profile: async (claims, tokens) => profile(await profileClaims(claims, tokens.access_token, userinfo)),
    [customFetch]: providerFetch(issuer, { requireHttps: context.requireHttps }),
  };
}
