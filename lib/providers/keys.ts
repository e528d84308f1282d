import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";

import { processSingleton } from "@/lib/process-singleton";
import { ProviderUnavailableError } from "@/lib/providers/errors";

/**
 * A provider's published signing keys (its `jwks_uri`), for the ID tokens of sign-ins and for
 * back-channel logout tokens alike: one key set per URL per process.
 *
 * Providers rotate keys by publishing a new one and, sooner or later, dropping the old (Google
 * every few weeks). A token whose `kid` we do not hold is the sign of a rotation, so it causes one
 * immediate re-fetch, not a wait for the cache to age (jose's remote set waits out a 30 s
 * cool-down, during which every sign-in with the new key fails). Against floods of made-up key ids
 * (the logout endpoint is public), re-fetches are at least REFETCH_FLOOR_MS apart: a request that
 * comes sooner waits for the next one, and every request waiting shares it.
 */

/** Fewest milliseconds between two fetches caused by unknown key ids. */
export const REFETCH_FLOOR_MS = 2_000;
/** A key set is fetched again after this long even if every kid is known (a key may be withdrawn). */
export const KEY_SET_MAX_AGE_MS = 10 * 60_000;

/** The keys are there but unusable; a provider that does not answer is ProviderUnavailableError. */
export class KeySetError extends Error {
  override name = "KeySetError";
}

interface KeySetState {
  keys?: JWTVerifyGetKey;
  fetchedAt: number;
  inflight?: Promise<JWTVerifyGetKey>;
}

const states = processSingleton("provider-keys", () => new Map<string, KeySetState>());

async function fetchKeySet(url: string, fetchImpl: typeof fetch): Promise<JWTVerifyGetKey> {
  const provider = new URL(url).host;
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: { accept: "application/json" }, redirect: "manual" });
  } catch (error) {
    const name = (error as Error | null)?.name;
    const detail = name === "TimeoutError" || name === "AbortError" ? "timed out" : "unreachable";
    throw new ProviderUnavailableError(provider, `signing keys: ${detail}`, { cause: error });
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new ProviderUnavailableError(provider, `signing keys: HTTP ${response.status}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    throw new KeySetError("the provider's keys are not JSON", { cause: error });
  }
  try {
    return createLocalJWKSet(body as JSONWebKeySet);
  } catch (error) {
    throw new KeySetError("the provider's keys are not a JWK set", { cause: error });
  }
}

function refetch(state: KeySetState, url: string, fetchImpl: typeof fetch, notBefore: number): Promise<JWTVerifyGetKey> {
  state.inflight ??= (async () => {
    const wait = notBefore - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      const keys = await fetchKeySet(url, fetchImpl);
      state.keys = keys;
      return keys;
    } finally {
      // A failed fetch counts against the floor too: a provider that is down is not hammered.
      state.fetchedAt = Date.now();
      state.inflight = undefined;
    }
  })();
  return state.inflight;
}

function isUnknownKey(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "ERR_JWKS_NO_MATCHING_KEY";
}

/** jose's key-resolver for `jwtVerify`, over the keys published at `url`. */
export function providerKeySet(url: string, fetchImpl: typeof fetch): JWTVerifyGetKey {
  let state = states.get(url);
  if (!state) {
    state = { fetchedAt: 0 };
    states.set(url, state);
  }
  const current = state;
  return async (header, token) => {
    const stale = !current.keys || Date.now() - current.fetchedAt >= KEY_SET_MAX_AGE_MS;
    const keys = stale ? await refetch(current, url, fetchImpl, 0) : current.keys!;
    try {
      return await keys(header, token);
    } catch (error) {
      if (!isUnknownKey(error) || stale) throw error;
      // An unknown kid right after a fetch: the provider rotated. One more look, no sooner than the floor.
      const fresh = await refetch(current, url, fetchImpl, current.fetchedAt + REFETCH_FLOOR_MS);
      return fresh(header, token);
    }
  };
}

/** For tests: forget every key set. */
export function forgetProviderKeys(): void {
  states.clear();
}
