import "server-only";

import { listAccountConnections, type AccountConnection } from "@/lib/providers/tokens/store";
import { db } from "@/lib/db";
import { getEnv } from "@/lib/config/env";
import { loadLiveProviderProfile, type LiveProfileResult } from "@/lib/providers/tokens/live-profile";
import { createProviderClient, providerClientConfigs, type ProviderClient } from "@/lib/providers/client";
import { endProviderGrant } from "@/lib/providers/tokens/sign-out";
import { createProviderTokenService, type ProviderAccessToken, type ProviderTokenService } from "@/lib/providers/tokens/refresh";
import { fetchWithTimeout } from "@/lib/providers/authjs";
import { createTokenKeyring, type TokenKeyring } from "@/lib/encryption/keyring";

/**
 * Provider tokens for the app's server code: the services of lib/providers/tokens/refresh.ts and
 * friends, bound to the app's database, configuration and 5-second provider timeout.
 *
 * Everything here runs on the server only and returns tokens only to server code; pages and
 * route handlers pass on what they fetched with a token, never the token.
 */

interface State {
  keyring?: Promise<TokenKeyring>;
  clients?: Map<string, ProviderClient>;
  service?: ProviderTokenService;
  /** In-process coalescing, shared by the app's bundles (pages, route handlers, actions). */
  inflight: Map<string, Promise<ProviderAccessToken>>;
}

// Next.js bundles pages, route handlers and actions separately; one state per process keeps one
// keyring, one discovery cache and one in-flight map. (Separate copies would still be correct,
// the database lease guarantees that, just less economical.)
const STATE_KEY = Symbol.for("oauth-next-app.provider-tokens");
const holder = globalThis as typeof globalThis & { [STATE_KEY]?: State };
const state: State = (holder[STATE_KEY] ??= { inflight: new Map() });

/** TOKEN_ENCRYPTION_KEYS (first = current), falling back to a key derived from AUTH_SECRET (lib/config/env.ts). */
export function tokenKeyring(): Promise<TokenKeyring> {
  const keyring = (state.keyring ??= (async () => createTokenKeyring(getEnv().tokenEncryptionSecrets))());
  keyring.catch(() => {
    if (state.keyring === keyring) state.keyring = undefined;
  });
  return keyring;
}

export function providerClient(provider: string): ProviderClient | undefined {
  state.clients ??= new Map(providerClientConfigs(getEnv()).map((c) => [c.id, createProviderClient(c, fetchWithTimeout)]));
  return state.clients.get(provider);
}

function service(): ProviderTokenService {
  return (state.service ??= createProviderTokenService({
    db,
    keyring: tokenKeyring,
    client: providerClient,
    inflight: state.inflight,
  }));
}

/**
 * A valid access token for this person at this provider, refreshed first when it expires within
 * a minute. Throws ReconnectRequiredError, ProviderUnavailableError or NotConnectedError
 * (lib/providers/errors.ts).
 */
export async function getProviderAccessToken(userId: string, provider: string): Promise<string> {
  return (await service().getAccessToken(userId, provider)).value;
}

export function liveProviderProfile(userId: string, provider: string): Promise<LiveProfileResult> {
  return loadLiveProviderProfile({ tokens: service(), client: providerClient }, userId, provider);
}

/** For sign-out: forget and revoke; never throws. */
export function endProviderGrantAtSignOut(userId: string, provider: string): Promise<{ idToken: string | null }> {
  return endProviderGrant({ db, keyring: tokenKeyring, client: providerClient }, userId, provider);
}

/** The person's linked providers and the state of their tokens, from the database alone. */
export function providerConnections(userId: string): Promise<AccountConnection[]> {
  return listAccountConnections(db, userId);
}

/**
 * Whether "Sign out of <Provider> too" makes sense, decided without a network call (the header
 * renders on every page): OIDC issuers may publish an end_session_endpoint (the Dev IdP does);
 * Google and GitHub have none. The endpoint itself is looked up when the button is pressed.
 */
export function providerOffersLogout(provider: string | undefined): boolean {
  return provider !== undefined && providerClient(provider)?.config.kind === "oidc";
}

/** The provider's RP-initiated logout URL, or null (none offered, or the provider is down). */
export async function providerEndSessionUrl(provider: string, idTokenHint: string | null, postLogoutRedirectUri: string): Promise<string | null> {
  try {
    return (await providerClient(provider)?.endSessionUrl({ idTokenHint, postLogoutRedirectUri })) ?? null;
  } catch (error) {
    console.warn(`[sign-out] ${provider}: no end-session URL: ${(error as Error)?.message}`);
    return null;
  }
}
