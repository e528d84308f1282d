import "server-only";

import { randomUUID } from "node:crypto";

import {
  claimRefreshLease,
  markReconnectRequired,
  readAccountTokens,
  readLeaseState,
  reencryptTokens,
  releaseRefreshLease,
  saveRefreshedTokens,
  type AccountTokens,
} from "@/lib/providers/tokens/store";
import type { Database } from "@/lib/db";
import type { ProviderClient } from "@/lib/providers/client";
import {
  isInvalidGrant,
  isProviderUnavailable,
  NotConnectedError,
  ProviderUnavailableError,
  ReconnectRequiredError,
} from "@/lib/providers/errors";
import { needsRefresh } from "@/lib/providers/tokens/expiry";
import type { TokenKeyring } from "@/lib/encryption/keyring";

/**
 * A valid provider access token for a person, refreshed behind the scenes, with at most one
 * refresh per account in flight across every request, process and app instance.
 *
 * Why it matters: rotating providers (the Dev IdP, and many others) issue a new refresh token on
 * every refresh and treat a second use of the old one as theft, revoking the whole grant
 * (RFC 9700 §4.14.2). Two requests that both notice an expired token and both refresh would log
 * the person out. So:
 *
 * 1. In one process, concurrent callers for the same account share one promise.
 * 2. Across processes, the Account row is the lock: a caller may spend the refresh token only
 *    after a conditional UPDATE gave it the lease (nobody else holds an unexpired one, and the
 *    tokens are still the version it read). It then calls the provider with no transaction open
 *    (PGlite serialises everything behind an open transaction), and stores the result, bumps the
 *    version and drops the lease in one UPDATE that only applies while it still holds the lease.
 * 3. Everyone else polls the row until the version moves (then uses the new token), the lease is
 *    given back without a new version (the attempt failed: the provider is unavailable for them
 *    too, so they do not retry it), or the lease expires (the holder died: take it over).
 *
 * The lease (15 s) outlasts the provider timeout (5 s) three times over, so a live holder
 * always finishes or gives up long before anyone may take over.
 */

export const LEASE_MS = 15_000;
/** How long a caller waits for another holder's refresh before answering "try again". */
export const WAIT_MS = 8_000;
const POLL_MS = 100;
/** Re-reads after the row changed under us; more means something is looping. */
const MAX_ROUNDS = 6;

export interface ProviderAccessToken {
  value: string;
  expiresAt: number | null;
  providerAccountId: string;
}

export interface GetAccessTokenOptions {
  /**
   * The provider just refused this access token (a 401 from userinfo): treat it as expired even
   * if its expiry says otherwise. A different stored token (someone refreshed already) is used as is.
   */
  rejected?: string;
}

export interface ProviderTokenService {
  getAccessToken(userId: string, provider: string, options?: GetAccessTokenOptions): Promise<ProviderAccessToken>;
}

export interface ProviderTokenServiceDeps {
  db: Database;
  keyring: () => Promise<TokenKeyring>;
  client: (provider: string) => ProviderClient | undefined;
  /** Shared by every service in the process (the app keeps it on globalThis). */
  inflight?: Map<string, Promise<ProviderAccessToken>>;
  leaseMs?: number;
  waitMs?: number;
  pollMs?: number;
  log?: Pick<Console, "info" | "warn" | "error">;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createProviderTokenService(deps: ProviderTokenServiceDeps): ProviderTokenService {
  const { db } = deps;
  const inflight = deps.inflight ?? new Map<string, Promise<ProviderAccessToken>>();
  const leaseMs = deps.leaseMs ?? LEASE_MS;
  const waitMs = deps.waitMs ?? WAIT_MS;
  const pollMs = deps.pollMs ?? POLL_MS;
  const log = deps.log ?? console;

  function usable(tokens: AccountTokens, rejected: string | undefined): ProviderAccessToken | null {
    const value = tokens.accessToken;
    if (!value || value === rejected || needsRefresh(tokens.expiresAt, Date.now())) return null;
    return { value, expiresAt: tokens.expiresAt, providerAccountId: tokens.key.providerAccountId };
  }

  type Outcome = { token: ProviderAccessToken } | "again";

  /** We hold the lease: spend the refresh token, and record the outcome under the lease. */
  async function refreshUnderLease(tokens: AccountTokens, owner: string, provider: string, keyring: TokenKeyring): Promise<Outcome> {
    const client = deps.client(provider);
    let refreshed;
    try {
      if (!client) throw new ProviderUnavailableError(provider, "provider is not configured");
      refreshed = await client.refresh(tokens.refreshToken!, tokens.key.providerAccountId);
    } catch (error) {
      if (isInvalidGrant(error)) {
        // Revoked or expired at the provider: mark it, so that no one asks again until the person reconnects.
        if (!(await markReconnectRequired(db, tokens.key, { leaseOwner: owner }, "invalid_grant"))) return "again";
        log.warn(`[provider-tokens] ${provider}: refresh refused (invalid_grant); user ${tokens.userId} must reconnect`);
        throw new ReconnectRequiredError(provider, "invalid_grant");
      }
      // Down, slow or confused: nothing was stored, so give the lease back and leave the tokens alone.
      await releaseRefreshLease(db, tokens.key, owner).catch((releaseError: unknown) => {
        log.error(
          `[provider-tokens] ${provider}: could not release the refresh lease (it expires by itself): ${(releaseError as Error)?.name}`,
        );
      });
      if (isProviderUnavailable(error)) throw error;
      throw new ProviderUnavailableError(provider, "refresh failed", { cause: error });
    }

    // The refresh token is spent: storing its successor is the one write that must not be lost to a
    // passing database hiccup, so it is retried a little before giving up.
    for (let attempt = 1; ; attempt++) {
      try {
        if (await saveRefreshedTokens(db, keyring, tokens.key, owner, refreshed)) break;
        // Someone took the lease from us (a sign-in replaced the tokens): theirs win.
        log.warn(`[provider-tokens] ${provider}: refresh lease lost before saving; using the stored tokens instead`);
        return "again";
      } catch (error) {
        if (attempt >= 3) throw error;
        await sleep(100 * attempt);
      }
    }
    return { token: { value: refreshed.accessToken, expiresAt: refreshed.expiresAt, providerAccountId: tokens.key.providerAccountId } };
  }

  /** Someone else holds the lease: wait until their outcome is in the row. */
  async function awaitOtherHolder(tokens: AccountTokens, provider: string, deadline: number): Promise<"changed" | "expired"> {
    for (;;) {
      if (Date.now() >= deadline) throw new ProviderUnavailableError(provider, "timed out waiting for a refresh in progress");
      await sleep(pollMs + Math.random() * (pollMs / 2));
      const lease = await readLeaseState(db, tokens.key);
      if (!lease || lease.version !== tokens.version) return "changed";
      // Given back without new tokens: that attempt failed, and ours would fail the same way.
      if (lease.owner === null) throw new ProviderUnavailableError(provider, "a concurrent refresh failed");
      // The holder died mid-refresh (crash, kill -9): its lease ran out and may be taken over.
      if (lease.expired) return "expired";
    }
  }

  async function obtain(userId: string, provider: string, rejected: string | undefined): Promise<ProviderAccessToken> {
    const keyring = await deps.keyring();
    const deadline = Date.now() + waitMs;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const tokens = await readAccountTokens(db, keyring, userId, provider);
      if (!tokens) throw new NotConnectedError(provider);
      if (tokens.reconnectRequired) throw new ReconnectRequiredError(provider, tokens.reconnectRequired.reason);
      if (tokens.undecryptable) {
        // Not written to the row: putting the right key back in the configuration recovers.
        log.error(`[provider-tokens] ${provider}: stored tokens of user ${userId} cannot be decrypted (${tokens.undecryptable.reason})`);
        throw new ReconnectRequiredError(provider, "undecryptable");
      }
      if (tokens.stale) {
        await reencryptTokens(db, keyring, tokens).catch((error: unknown) => {
          log.warn(`[provider-tokens] ${provider}: could not re-encrypt stored tokens: ${(error as Error)?.name}`);
        });
      }

      const current = usable(tokens, rejected);
      if (current) return current;

      if (!tokens.refreshToken) {
        if (await markReconnectRequired(db, tokens.key, { version: tokens.version }, "no_refresh_token")) {
          throw new ReconnectRequiredError(provider, "no_refresh_token");
        }
        continue;
      }

      const owner = `${process.pid}:${randomUUID()}`;
      if (await claimRefreshLease(db, tokens.key, tokens.version, owner, leaseMs)) {
        const outcome = await refreshUnderLease(tokens, owner, provider, keyring);
        if (outcome !== "again") return outcome.token;
        continue;
      }
      await awaitOtherHolder(tokens, provider, deadline);
    }
    throw new ProviderUnavailableError(provider, "the stored tokens kept changing");
  }

  return {
    getAccessToken(userId, provider, options = {}) {
      const key = `${userId}\u0000${provider}\u0000${options.rejected ?? ""}`;
      const running = inflight.get(key);
      if (running) return running;
      const started = obtain(userId, provider, options.rejected).finally(() => inflight.delete(key));
      inflight.set(key, started);
      return started;
    },
  };
}
