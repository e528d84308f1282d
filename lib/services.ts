import "server-only";

import { getEnv } from "@/lib/config/env";
import { db } from "@/lib/db";
import { suspectDatabase } from "@/lib/db/availability";
import type { ChangeFeed } from "@/lib/db/change-feed";
import { parseDatabaseUrl } from "@/lib/db/database-url";
import { createTokenKeyring, type TokenKeyring } from "@/lib/encryption/keyring";
import { existingProcessSingleton, forgetProcessSingleton, processSingleton } from "@/lib/process-singleton";
import type { ApiCallerDeps } from "@/lib/api-tokens/caller";
import type { SigningKeyStore } from "@/lib/api-tokens/signing-keys";
import type { LogoutTokenIssuer } from "@/lib/auth/backchannel-logout";
import { fetchWithTimeout } from "@/lib/providers/fetch";
import { providerClientConfigs } from "@/lib/providers/registry";
import type { ProviderTokens } from "@/lib/providers/tokens/service";
import type { RateLimitDeps } from "@/lib/security/rate-limits/apply";
import { createSessionCache, type SessionCache } from "@/lib/session/cache";

/**
 * The one place the app's services are built, each once per process (lib/process-singleton.ts):
 * the configuration, the database, the clock, the rate limits and the keys that encrypt secrets at
 * rest; and, with their modules loaded only when something first needs them, the session cache
 * and its change feed, the API signing keys, the provider-token services and the back-channel
 * logout issuers. Pages, actions and route handlers import the accessor they use; none of them
 * builds a service, and none loads the modules of a service it does not use
 * (docs/architecture.md counts them).
 */

export { db };

/** The validated configuration (lib/config/env.ts), parsed once per process. */
export { getEnv };

/** The clock every check uses (tests pass their own to the modules directly). */
export const now = (): Date => new Date();

/**
 * The session cache (lib/session/cache.ts) and the change feed that keeps it honest: the feed's
 * module is loaded, and its connection opened, by the first request that checks a session; never
 * at import (`next build` imports this), never by requests that check none (an OAuth callback).
 */
interface SessionCacheService {
  /** Set once loaded: what /api/health reports and shutdown closes. */
  ready?: { feed: ChangeFeed; cache: SessionCache };
  loading: Promise<{ feed: ChangeFeed; cache: SessionCache }>;
}

async function loadSessionCache(): Promise<{ feed: ChangeFeed; cache: SessionCache }> {
  const { openChangeFeed, transportFor } = await import("@/lib/db/change-feed");
  const feed = openChangeFeed(transportFor(parseDatabaseUrl(process.env.DATABASE_URL)), {
    onTrouble: (message) => {
      console.warn(`[sessions] ${message}`);
      // A lost listening connection is often the first sign of an outage: the next page asks first.
      suspectDatabase();
    },
  });
  return { feed, cache: createSessionCache(feed) };
}

export async function sessionCache(): Promise<SessionCache | undefined> {
  if (!getEnv().sessionCheckCache) return undefined;
  const service = processSingleton("services.session-cache", (): SessionCacheService => {
    const created: SessionCacheService = { loading: loadSessionCache().then((loaded) => (created.ready = loaded)) };
    return created;
  });
  return service.ready?.cache ?? (await service.loading).cache;
}

/** For /api/health: off, idle (no session checked yet), live (answers may come from memory) or waiting. */
export function sessionCacheState(): "off" | "idle" | "live" | "waiting" {
  if (!getEnv().sessionCheckCache) return "off";
  const current = existingProcessSingleton<SessionCacheService>("services.session-cache")?.ready;
  if (!current) return "idle";
  return current.cache.live() ? "live" : "waiting";
}

/** The keys that encrypt provider tokens and signing keys at rest (TOKEN_ENCRYPTION_KEYS, else AUTH_SECRET). */
export function tokenKeyring(): Promise<TokenKeyring> {
  return processSingleton("services.token-keyring", () => {
    const keyring = createTokenKeyring(getEnv().tokenEncryptionSecrets);
    // A failure is not kept: the next caller tries again.
    keyring.catch(() => forgetProcessSingleton("services.token-keyring"));
    return keyring;
  });
}

/** The API signing keys (only bearer tokens, POST /api/token and the JWKS need them). */
export function signingKeys(): Promise<SigningKeyStore> {
  return processSingleton("services.signing-keys", async () => {
    const { createSigningKeyStore } = await import("@/lib/api-tokens/signing-keys");
    return createSigningKeyStore({ db, keyring: tokenKeyring });
  });
}

/** Provider tokens and the calls made with them (only the pages and actions that use a provider need them). */
export function providerTokens(): Promise<ProviderTokens> {
  return processSingleton("services.provider-tokens", async () => {
    const { createProviderTokens } = await import("@/lib/providers/tokens/service");
    return createProviderTokens({ db, keyring: tokenKeyring, env: getEnv() });
  });
}

/** Which provider a back-channel logout token comes from, and its keys (lib/auth/logout-issuers.ts, loaded with the first logout token). */
export async function logoutTokenIssuer(iss: string): Promise<LogoutTokenIssuer | null> {
  const lookup = await processSingleton("services.logout-issuers", async () => {
    const { logoutIssuerLookup } = await import("@/lib/auth/logout-issuers");
    return logoutIssuerLookup(providerClientConfigs(getEnv()), async (id) => (await providerTokens()).client(id), fetchWithTimeout);
  });
  return lookup(iss);
}

/** Who is calling (lib/session/authenticate.ts, lib/api-tokens/caller.ts), bound to the app's database, configuration and clock. */
export async function sessionChecks(): Promise<ApiCallerDeps> {
  const config = getEnv();
  return {
    db,
    policy: config.sessionPolicy,
    secret: config.authSecret,
    authUrl: config.authUrl,
    now,
    rateLimits: config.rateLimits,
    proxyHops: config.trustedProxyHops,
    sessionCache: await sessionCache(),
    // Only a bearer token asks for a key: the store is loaded then, not for every session check.
    keys: { verificationKey: async (kid, at) => (await signingKeys()).verificationKey(kid, at) },
  };
}

/** The rate limits (lib/security/rate-limits/apply.ts), bound to the app's database, configuration and clock. */
export function rateLimits(): RateLimitDeps & { secret: string | string[] } {
  const config = getEnv();
  return { db, limits: config.rateLimits, now, secret: config.authSecret, proxyHops: config.trustedProxyHops };
}

/** Shutdown: close the change feed's connection (for PGlite, its hold on the data folder), then the database. */
export async function closeServices(): Promise<void> {
  const current = existingProcessSingleton<SessionCacheService>("services.session-cache");
  forgetProcessSingleton("services.session-cache");
  const loaded = await current?.loading.catch(() => undefined);
  await loaded?.feed.close().catch(() => {});
  await db.$disconnect();
}
