import "server-only";

import { customFetch } from "@auth/core";
import type { OAuthConfig } from "@auth/core/providers";

import type { AuthjsContext, ProviderConfig } from "@/lib/providers/definition";
import { discoveryDocument, discoveryUrl, isIssuerTemplate } from "@/lib/providers/discovery";
import { fetchWithTimeout } from "@/lib/providers/fetch";
import type { StoredProfile } from "@/lib/providers/profile";

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

/** An OpenID provider found by discovery from its issuer, as Auth.js runs it. */
export function oidcAuthjsProvider(
  config: ProviderConfig,
  context: AuthjsContext,
  params: Record<string, string>,
  profile: (claims: Record<string, unknown>) => StoredProfile,
): OAuthConfig<Claims> {
  const issuer = config.issuer!;
  return {
    id: config.id,
    name: config.name,
    type: "oidc",
    issuer: context.issuerFor(issuer),
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    checks: OIDC_CHECKS,
    authorization: { params },
    // The ID token is still verified (nonce, iss, aud); the profile is then read from the userinfo
    // endpoint, which always carries the standard claims, whatever the provider puts in the token.
    idToken: false,
    profile: (claims) => profile(claims),
    [customFetch]: providerFetch(issuer, { requireHttps: context.requireHttps }),
  };
}
