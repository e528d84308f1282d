import "server-only";

import { customFetch } from "next-auth";
import type { OAuthConfig, Provider } from "next-auth/providers";
import GitHub from "next-auth/providers/github";
import Google from "next-auth/providers/google";

import type { AppEnv, OidcClient } from "@/lib/config/env";
import { fetchGitHubUser, GITHUB_API } from "@/lib/providers/github";
import { discover, discoveryDocument, discoveryUrl, knownPublishedIssuer } from "@/lib/providers/discovery";
import { GOOGLE_ISSUER } from "@/lib/providers/client";
import { profileFromGitHubUser, profileFromOidcClaims, type StoredProfile } from "@/lib/providers/profile";

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

/**
 * fetchWithTimeout for Auth.js's requests to one provider, with its discovery document
 * (OIDC Discovery §4) served from lib/providers/discovery.ts: fetched once for every part of the app,
 * checked for the right issuer (and, in production, https endpoints) before Auth.js sees it. Auth.js
 * would otherwise fetch it again at every sign-in start and every callback.
 */
export function providerFetch(configuredIssuer: string, options: { requireHttps?: boolean } = {}): typeof fetch {
  const documentUrl = discoveryUrl(configuredIssuer);
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    if (method !== "GET" || url !== documentUrl) return fetchWithTimeout(input, init);
    const body = await discoveryDocument(configuredIssuer, { fetch: fetchWithTimeout, requireHttps: options.requireHttps });
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  };
}

// Auth.js defaults to PKCE alone; state also binds the response to this browser (RFC 9700 §2.1.1)
// and nonce binds the ID token to this authorization request (OIDC Core §3.1.2.1).
const OIDC_CHECKS: ("pkce" | "state" | "nonce")[] = ["pkce", "state", "nonce"];
const OIDC_SCOPE = "openid email profile";

type OidcProfileClaims = Record<string, unknown> & { sub: string };

/**
 * The issuer Auth.js is given: the provider's published one once this process has discovered it
 * (lib/auth/next-auth.ts resolves it before a sign-in starts or a callback is handled). oauth4webapi compares
 * the discovery document's issuer with this value, and every ID token's `iss` with the document's.
 */
export type IssuerFor = (configured: string) => string;

const asConfigured: IssuerFor = (configured) => configured;

function oidcProvider(
  id: string,
  client: OidcClient,
  params: Record<string, string>,
  context: { issuerFor: IssuerFor; requireHttps: boolean },
): OAuthConfig<OidcProfileClaims> {
  return {
    id,
    name: client.name,
    type: "oidc",
    issuer: context.issuerFor(client.issuer),
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    checks: OIDC_CHECKS,
    authorization: { params },
    // The ID token is still verified (nonce, iss, aud); the profile is then read from the userinfo
    // endpoint, which always carries the standard claims, whatever the provider puts in the token.
    idToken: false,
    profile: (claims): StoredProfile => profileFromOidcClaims(claims, { trustEmail: client.trustEmail }),
    [customFetch]: providerFetch(client.issuer, { requireHttps: context.requireHttps }),
  };
}

export function buildProviders(env: AppEnv, issuerFor: IssuerFor = asConfigured): Provider[] {
  const { google, github, oidc, devIdp } = env.providers;
  const requireHttps = env.mode === "production";
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
        [customFetch]: providerFetch(GOOGLE_ISSUER, { requireHttps: true }),
      }),
    );
  }
  if (github) {
    providers.push(
      GitHub({
        clientId: github.clientId,
        clientSecret: github.clientSecret,
        checks: ["pkce", "state"],
        // Auth.js's own request has no timeout and takes an unverified address (lib/providers/github.ts).
        userinfo: {
          url: `${GITHUB_API}/user`,
          request: ({ tokens }: { tokens: { access_token?: string } }) => fetchGitHubUser(tokens.access_token ?? "", { fetch: fetchWithTimeout }),
        },
        profile: (user) => profileFromGitHubUser(user as unknown as Record<string, unknown>),
        [customFetch]: fetchWithTimeout,
      }),
    );
  }
  const context = { issuerFor, requireHttps };
  if (oidc) {
    providers.push(oidcProvider("oidc", oidc, { scope: `${OIDC_SCOPE} offline_access` }, context));
  }
  if (devIdp) {
    // Same request shape as Google's: offline access needs an explicit consent prompt (OIDC Core §11).
    providers.push(oidcProvider("dev-idp", devIdp, { scope: `${OIDC_SCOPE} offline_access`, prompt: "consent" }, context));
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
  if (google) issuers.set("google", { issuer: GOOGLE_ISSUER, clientId: google.clientId });
  if (oidc) issuers.set("oidc", { issuer: oidc.issuer, clientId: oidc.clientId });
  if (devIdp) issuers.set("dev-idp", { issuer: devIdp.issuer, clientId: devIdp.clientId });
  return issuers;
}

function oidcClientOf(env: AppEnv, provider: string): OidcClient | undefined {
  if (provider === "oidc") return env.providers.oidc;
  if (provider === "dev-idp") return env.providers.devIdp;
  return undefined;
}

/**
 * Discovers the issuer of `provider` when it is an OpenID provider configured by issuer (cached per
 * process, lib/providers/discovery.ts). A failure is left for Auth.js to meet and report.
 */
export async function resolveProviderIssuer(env: AppEnv, provider: string): Promise<void> {
  const client = oidcClientOf(env, provider);
  if (!client) return;
  await discover(client.issuer, { fetch: fetchWithTimeout, requireHttps: env.mode === "production" }).catch(() => {});
}

/** The provider of an Auth.js sign-in start or callback request (`/api/auth/{signin,callback}/<id>`). */
export function providerOfAuthRequest(request: Request): string | undefined {
  return /\/api\/auth\/(?:signin|callback)\/([^/]+)$/.exec(new URL(request.url).pathname)?.[1];
}

const withIssuers = new WeakMap<object, { key: string; config: object }>();

/**
 * `config` with its OpenID providers under the issuers this process has discovered (no network):
 * oauth4webapi compares the discovery document's issuer with the provider's strictly, and a
 * configured issuer may lack (or add) the trailing "/" the provider publishes. Rebuilt only when
 * what is known changes.
 */
export function withKnownIssuers<C extends { providers?: unknown }>(config: C, env: AppEnv): C {
  const known: IssuerFor = (configured) => knownPublishedIssuer(configured) ?? configured;
  const key = [env.providers.oidc, env.providers.devIdp].map((client) => (client ? known(client.issuer) : "")).join("\0");
  const kept = withIssuers.get(config);
  if (kept?.key === key) return kept.config as C;
  const built = { ...config, providers: buildProviders(env, known) };
  withIssuers.set(config, { key, config: built });
  return built;
}
