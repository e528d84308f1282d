import "server-only";

import type { AppEnv } from "@/lib/config/env";
import type { Database } from "@/lib/db";
import type { TokenKeyring } from "@/lib/encryption/keyring";
import { createProviderClient, type ProviderClient } from "@/lib/providers/client";
import { fetchWithTimeout } from "@/lib/providers/fetch";
import { providerClientConfigs } from "@/lib/providers/registry";
import { loadLiveProviderProfile, type LiveProfileResult } from "@/lib/providers/tokens/live-profile";
import { createProviderTokenService, type GetAccessTokenOptions, type ProviderAccessToken } from "@/lib/providers/tokens/refresh";
import { endProviderGrant, unlinkAndRevoke } from "@/lib/providers/tokens/sign-out";
import { listAccountConnections, type AccountConnection } from "@/lib/providers/tokens/store";

/**
 * Provider tokens for server code (lib/services.ts builds one per process): a person's valid
 * access token at a provider, refreshed behind the scenes, and what the app does with it. Tokens
 * are returned to server code only; pages and route handlers pass on what they fetched with one,
 * never the token.
 */
export interface ProviderTokens {
  /**
   * A valid access token for this person at this provider, refreshed first when it expires within a
   * minute (one refresh across requests and instances). The way server code calls a provider's API.
   * Throws ReconnectRequiredError, ProviderUnavailableError or NotConnectedError (lib/providers/errors.ts).
   */
  accessToken(userId: string, provider: string, options?: GetAccessTokenOptions): Promise<ProviderAccessToken>;
  /** What the provider says about the person right now (its userinfo endpoint). */
  liveProfile(userId: string, provider: string): Promise<LiveProfileResult>;
  /** Sign-out: forget and revoke the session provider's tokens; never throws. */
  endGrant(userId: string, provider: string): Promise<{ idToken: string | null }>;
  /** Unlink: `remove` deletes the linked account if it may; its grant is then revoked at the provider. */
  unlinkAndRevoke<R>(userId: string, provider: string, remove: () => Promise<{ removed: boolean; result: R }>): Promise<R>;
  /** The person's linked providers and the state of their tokens, from the database alone. */
  connections(userId: string): Promise<AccountConnection[]>;
  /** The provider's RP-initiated logout URL, or null (none offered, or the provider is down). */
  endSessionUrl(provider: string, idTokenHint: string | null, postLogoutRedirectUri: string): Promise<string | null>;
  client(provider: string): ProviderClient | undefined;
}

export function createProviderTokens(deps: { db: Database; keyring: () => Promise<TokenKeyring>; env: AppEnv }): ProviderTokens {
  const { db, keyring } = deps;
  const clients = new Map(providerClientConfigs(deps.env).map((config) => [config.id, createProviderClient(config, fetchWithTimeout)]));
  const client = (provider: string) => clients.get(provider);
  const service = createProviderTokenService({ db, keyring, client, inflight: new Map() });
  const accessToken: ProviderTokens["accessToken"] = (userId, provider, options) => service.getAccessToken(userId, provider, options);
  return {
    accessToken,
    // A feature built on the documented way to call a provider's API (GET /api/provider/profile, the accounts page).
    liveProfile: (userId, provider) => loadLiveProviderProfile({ accessToken, client }, userId, provider),
    endGrant: (userId, provider) => endProviderGrant({ db, keyring, client }, userId, provider),
    unlinkAndRevoke: (userId, provider, remove) => unlinkAndRevoke({ db, keyring, client }, userId, provider, remove),
    connections: (userId) => listAccountConnections(db, userId),
    async endSessionUrl(provider, idTokenHint, postLogoutRedirectUri) {
      try {
        return (await client(provider)?.endSessionUrl({ idTokenHint, postLogoutRedirectUri })) ?? null;
      } catch (error) {
        console.warn(`[sign-out] ${provider}: no end-session URL: ${(error as Error)?.message}`);
        return null;
      }
    },
    client,
  };
}
