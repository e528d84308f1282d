import "server-only";

import { customFetch } from "next-auth";
import type { OAuthConfig, Provider } from "next-auth/providers";
import GitHub from "next-auth/providers/github";
import Google from "next-auth/providers/google";

import type { AppEnv, OidcClient } from "@/lib/env";
import { profileFromGitHubUser, profileFromOidcClaims, type StoredProfile } from "@/lib/provider-profile";

/**
 * The sign-in providers, built from the environment: a provider exists (and gets a button on
 * /login) only when its credentials are configured.
 */

export interface ProviderSummary {
  id: string;
  name: string;
}

/** A provider that does not answer in this time is reported as unreachable instead of hanging the callback. */
export const PROVIDER_TIMEOUT_MS = 5_000;

export const fetchWithTimeout: typeof fetch = (input, init) => {
  const timeout = AbortSignal.timeout(PROVIDER_TIMEOUT_MS);
  const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  return fetch(input, { ...init, signal });
};

/** How long a provider's discovery document is reused: providers change theirs rarely, and announce it. */
export const DISCOVERY_TTL_MS = 10 * 60_000;

/**
 * fetchWithTimeout for one provider, remembering its discovery document (OIDC Discovery §4):
 * Auth.js fetches it again at every sign-in start and every callback, two round trips to the
 * provider per sign-in spent on a document that does not change. Only a 200 answer is kept, for
 * DISCOVERY_TTL_MS; anything else goes to the network as before.
 */
export function providerFetch(options: { ttlMs?: number; clock?: () => number } = {}): typeof fetch {
  const ttlMs = options.ttlMs ?? DISCOVERY_TTL_MS;
  const clock = options.clock ?? Date.now;
  const documents = new Map<string, { body: string; contentType: string; storedAt: number }>();
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    if (method !== "GET" || !url.endsWith("/.well-known/openid-configuration")) return fetchWithTimeout(input, init);
    const kept = documents.get(url);
    if (kept && clock() - kept.storedAt < ttlMs) {
      return new Response(kept.body, { status: 200, headers: { "content-type": kept.contentType } });
    }
    const response = await fetchWithTimeout(input, init);
    if (response.status === 200) {
      const body = await response.clone().text();
      documents.set(url, { body, contentType: response.headers.get("content-type") ?? "application/json", storedAt: clock() });
    }
    return response;
  };
}

// Auth.js defaults to PKCE alone; state also binds the response to this browser (RFC 9700 §2.1.1)
// and nonce binds the ID token to this authorization request (OIDC Core §3.1.2.1).
const OIDC_CHECKS: ("pkce" | "state" | "nonce")[] = ["pkce", "state", "nonce"];
const OIDC_SCOPE = "openid email profile";

type OidcProfileClaims = Record<string, unknown> & { sub: string };

function oidcProvider(id: string, client: OidcClient, params: Record<string, string>): OAuthConfig<OidcProfileClaims> {
  return {
    id,
    name: client.name,
    type: "oidc",
    issuer: client.issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    checks: OIDC_CHECKS,
    authorization: { params },
    // The ID token is still verified (nonce, iss, aud); the profile is then read from the userinfo
    // endpoint, which always carries the standard claims, whatever the provider puts in the token.
    idToken: false,
    profile: (claims): StoredProfile => profileFromOidcClaims(claims),
    [customFetch]: providerFetch(),
  };
}

export function buildProviders(env: AppEnv): Provider[] {
  const { google, github, oidc, devIdp } = env.providers;
  const providers: Provider[] = [];
  if (google) {
    providers.push(
      Google({
        clientId: google.clientId,
        clientSecret: google.clientSecret,
        checks: OIDC_CHECKS,
        // Google issues a refresh token only with offline access, and only on a consent screen.
        authorization: { params: { scope: OIDC_SCOPE, access_type: "offline", prompt: "consent" } },
        profile: (claims) => profileFromOidcClaims(claims as unknown as Record<string, unknown>),
        [customFetch]: providerFetch(),
      }),
    );
  }
  if (github) {
    providers.push(
      GitHub({
        clientId: github.clientId,
        clientSecret: github.clientSecret,
        checks: ["pkce", "state"],
        profile: (user) => profileFromGitHubUser(user as unknown as Record<string, unknown>),
        [customFetch]: fetchWithTimeout,
      }),
    );
  }
  if (oidc) {
    providers.push(oidcProvider("oidc", oidc, { scope: `${OIDC_SCOPE} offline_access` }));
  }
  if (devIdp) {
    // Same request shape as Google's: offline access needs an explicit consent prompt (OIDC Core §11).
    providers.push(oidcProvider("dev-idp", devIdp, { scope: `${OIDC_SCOPE} offline_access`, prompt: "consent" }));
  }
  return providers;
}

export function providerSummaries(env: AppEnv): ProviderSummary[] {
  const { google, github, oidc, devIdp } = env.providers;
  const summaries: ProviderSummary[] = [];
  if (google) summaries.push({ id: "google", name: "Google" });
  if (github) summaries.push({ id: "github", name: "GitHub" });
  if (oidc) summaries.push({ id: "oidc", name: oidc.name });
  if (devIdp) summaries.push({ id: "dev-idp", name: devIdp.name });
  return summaries;
}

export function providerName(env: AppEnv, id: string | undefined): string | undefined {
  return providerSummaries(env).find((p) => p.id === id)?.name;
}

/** The ID-token issuers of the configured OpenID providers (GitHub is plain OAuth: no ID token). */
export function idTokenIssuers(env: AppEnv): Map<string, { issuer: string; clientId: string }> {
  const { google, oidc, devIdp } = env.providers;
  const issuers = new Map<string, { issuer: string; clientId: string }>();
  if (google) issuers.set("google", { issuer: "https://accounts.google.com", clientId: google.clientId });
  if (oidc) issuers.set("oidc", { issuer: oidc.issuer, clientId: oidc.clientId });
  if (devIdp) issuers.set("dev-idp", { issuer: devIdp.issuer, clientId: devIdp.clientId });
  return issuers;
}
