import "server-only";

import type { EnvSource, Mode, Problems } from "@/lib/config/variables";
import type { AuthjsContext, ProviderConfig, ProviderDefinition } from "@/lib/providers/definition";
import { apple } from "@/lib/providers/definitions/apple";
import { devIdp } from "@/lib/providers/definitions/dev-idp";
import { github } from "@/lib/providers/definitions/github";
import { google } from "@/lib/providers/definitions/google";
import { microsoftEntraId } from "@/lib/providers/definitions/microsoft-entra-id";
import { oidc } from "@/lib/providers/definitions/oidc";
import { discover, knownPublishedIssuer } from "@/lib/providers/discovery";
import { fetchWithTimeout } from "@/lib/providers/fetch";
import type { ProviderClientConfig } from "@/lib/providers/client";

/**
 * The providers the app supports, in the order their buttons appear on /login, and everything the
 * rest of the app asks about the configured ones. Each is described once, in
 * lib/providers/definitions/.
 */
export const PROVIDER_DEFINITIONS: readonly ProviderDefinition[] = [google, apple, github, microsoftEntraId, oidc, devIdp];

const byKind = new Map(PROVIDER_DEFINITIONS.map((definition) => [definition.kind, definition]));

export function definitionOf(config: ProviderConfig): ProviderDefinition {
  const definition = byKind.get(config.kind);
  if (!definition) throw new Error(`no definition for provider kind ${config.kind}`);
  return definition;
}

/** The providers `source` configures (lib/config/env.ts); problems, one sentence each, go to `problems`. */
export function readProviders(source: EnvSource, mode: Mode, problems: Problems): ProviderConfig[] {
  const configured: ProviderConfig[] = [];
  for (const definition of PROVIDER_DEFINITIONS) {
    const read = definition.read(source, { mode, problems, configured });
    if (read) configured.push(...(Array.isArray(read) ? read : [read as ProviderConfig]));
  }
  return configured;
}

/** The configuration's providers, as far as this module needs them (not the whole AppEnv: no cycle). */
export interface ProvidersOf {
  mode: Mode;
  providers: readonly ProviderConfig[];
}

export function providerById(env: ProvidersOf, id: string | undefined): ProviderConfig | undefined {
  return id === undefined ? undefined : env.providers.find((p) => p.id === id);
}

/** The configured providers for Auth.js; `issuerFor` picks the issuer each OpenID provider is given. */
export function authjsProviders(env: ProvidersOf, issuerFor: (configured: string) => string = (configured) => configured) {
  const context: AuthjsContext = { issuerFor, requireHttps: env.mode === "production" };
  return env.providers.map((config) => definitionOf(config).authjs(config, context));
}

/** The ID-token issuers (as configured) and client ids of the OpenID providers, by provider id. */
export function idTokenIssuers(env: ProvidersOf): Map<string, { issuer: string; clientId: string }> {
  const issuers = new Map<string, { issuer: string; clientId: string }>();
  for (const config of env.providers) {
    const issuer = definitionOf(config).idTokenIssuer(config);
    if (issuer) issuers.set(config.id, { issuer, clientId: config.clientId });
  }
  return issuers;
}

/** Where a sign-in form may send the browser: the providers' authorization servers (CSP form-action). */
export function formActionOrigins(env: ProvidersOf): string[] {
  return [...new Set(env.providers.map((config) => definitionOf(config).formActionOrigin(config)))].sort();
}

/** Origins pictures may come from besides https ones (CSP img-src). */
export function imageOrigins(env: ProvidersOf): string[] {
  return [...new Set(env.providers.flatMap((config) => definitionOf(config).imageOrigins(config)))].sort();
}

/** Whether "Sign out of <Provider> too" makes sense, decided without a network call. */
export function providerOffersLogout(env: ProvidersOf, id: string | undefined): boolean {
  const config = providerById(env, id);
  return config !== undefined && definitionOf(config).offersLogout;
}

/**
 * Gets `provider` ready for Auth.js: its own preparation (Apple's client secret), and its issuer
 * discovered when it is an OpenID provider (cached per process, lib/providers/discovery.ts). A
 * failure is left for Auth.js to meet and report.
 */
export async function prepareProvider(env: ProvidersOf, provider: string): Promise<void> {
  const config = providerById(env, provider);
  if (!config) return;
  // Apple's client secret: made before Auth.js reads it; a failure shows as the token request's.
  await definitionOf(config)
    .prepare?.(config)
    .catch((error: unknown) => console.warn(`[auth] ${provider}: ${(error as Error)?.name ?? "error"} preparing the client`));
  if (!config.issuer) return;
  await discover(config.issuer, { fetch: fetchWithTimeout, requireHttps: env.mode === "production" }).catch(() => {});
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
export function withKnownIssuers<C extends { providers?: unknown }>(config: C, env: ProvidersOf): C {
  const known = (configured: string) => knownPublishedIssuer(configured) ?? configured;
  const key = env.providers.map((p) => (p.issuer ? known(p.issuer) : "")).join("\0");
  const kept = withIssuers.get(config);
  if (kept?.key === key) return kept.config as C;
  const built = { ...config, providers: authjsProviders(env, known) };
  withIssuers.set(config, { key, config: built });
  return built;
}

/** The provider's name, as on its button; undefined for one not configured (any more). */
export function providerName(env: ProvidersOf, id: string | undefined): string | undefined {
  return providerById(env, id)?.name;
}

/** The issuer Auth.js is given for a configured one (lib/auth/next-auth.ts: the published one once known). */
export type IssuerFor = (configured: string) => string;

/** The configured providers as server code's clients see them (lib/providers/client.ts). */
export function providerClientConfigs(env: ProvidersOf): ProviderClientConfig[] {
  return env.providers.map((config) => {
    const definition = definitionOf(config);
    return {
      id: config.id,
      name: config.name,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      endpoints: definition.endpoints,
      issuer: definition.endpoints ? undefined : config.issuer,
      requireHttps: env.mode === "production",
      userinfo: definition.userinfo,
      revokeGrant: definition.revokeGrant && ((accessToken, fetchImpl) => definition.revokeGrant!(accessToken, config, fetchImpl)),
      freshClientSecret: definition.clientSecret && (() => definition.clientSecret!(config)),
      tokenEndpointAuth: definition.tokenEndpointAuth,
      profile: (claims) => definition.profile(claims, config),
    };
  });
}
