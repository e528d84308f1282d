import "server-only";

import type { ChangeFeed, SessionChange } from "@/lib/db/change-feed";
import { processSingleton } from "@/lib/process-singleton";

/**
 * The answer of a session check (lib/session/registry.ts), kept in memory for a few seconds, so that
 * a signed-in request does not wait for the database every time (bench/README.md: the check was
 * the whole of what authentication cost per request).
 *
 * A cached answer is used only while all of these hold, otherwise the check goes to the database:
 * - the change feed (lib/db/change-feed.ts) has confirmed, less than `maxStalenessMs` ago, that it
 *   delivers every change committed in the database: a revocation anywhere (this instance, another
 *   one, a script) evicts the entry as soon as the database announces it, milliseconds after its
 *   commit, the same time a request already in flight would have passed anyway;
 * - no change was announced between reading the row and storing it (a revocation racing the read
 *   would otherwise be stored as "active");
 * - the read started while the feed was proven live, on the connection that is still proven: a
 *   change committed while no connection listened is never announced, so a read from before the
 *   first proof of a (re)connected feed is not stored, and that proof empties the cache;
 * - the row is younger than `maxAgeMs`, and its last-seen time younger than the registry's
 *   one-minute resolution, so the last-seen write, the idle timeout and the absolute lifetime
 *   are checked as before (the registry judges the cached row exactly as a fresh one).
 * A revocation made by this process also clears the cache synchronously (`forgetAllSessions`),
 * so a person's own "sign out" never depends on the notification's timing.
 *
 * Only active sessions are cached; a refusal always comes from the database.
 */

export interface CachedSessionRow {
  id: string;
  provider: string;
  createdAt: Date;
  lastSeenAt: Date;
  userId: string;
  name: string | null;
  email: string | null;
  image: string | null;
  linkedProviders: string[];
}

export interface SessionCache {
  /** The row for `sessionId`, if one is held and may be trusted now. */
  get(sessionId: string): CachedSessionRow | undefined;
  /**
   * Taken before reading the database; `put` stores only if nothing changed since. Void when taken
   * while the feed is not proven live (a revocation then may never be announced).
   */
  ticket(): number;
  put(ticket: number, row: CachedSessionRow): void;
  forget(sessionId: string): void;
  forgetAll(): void;
  /** Whether cached answers may be used now (the feed's delivery is confirmed recently enough). */
  live(): boolean;
  readonly size: number;
}

export interface SessionCacheOptions {
  /** How recent the feed's delivery confirmation must be. */
  maxStalenessMs?: number;
  maxAgeMs?: number;
  maxEntries?: number;
  /** The feed's clock (not the session policy's, which tests move by days). */
  clock?: () => number;
}

export const DEFAULT_MAX_STALENESS_MS = 5_000;
export const DEFAULT_MAX_AGE_MS = 30_000;
export const DEFAULT_MAX_ENTRIES = 10_000;
/** A ticket no generation matches: `put` never stores with it. */
const VOID_TICKET = -1;

// Every cache in this process, so that a revocation written here clears them all at once
// (the proxy and the app are separate bundles, with separate copies of this module).
function processCaches(): Set<SessionCache> {
  return processSingleton("session-caches", () => new Set<SessionCache>());
}

/** A revocation (or other session change) was written by this process: no cached answer survives it. */
export function forgetAllSessions(): void {
  for (const cache of processCaches()) cache.forgetAll();
}

export function createSessionCache(feed: ChangeFeed, options: SessionCacheOptions = {}): SessionCache {
  const maxStalenessMs = options.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const clock = options.clock ?? Date.now;
  const entries = new Map<string, { row: CachedSessionRow; storedAt: number }>();
  let generation = 0;

  const trusted = () => {
    const confirmed = feed.confirmedAt();
    return confirmed > 0 && clock() - confirmed < maxStalenessMs;
  };

  const onChange = (change: SessionChange) => {
    generation++;
    if (change.kind === "session") entries.delete(change.id);
    else if (change.kind === "user") {
      for (const [id, entry] of entries) if (entry.row.userId === change.id) entries.delete(id);
    } else entries.clear();
  };

  const cache: SessionCache = {
    get(sessionId) {
      const entry = entries.get(sessionId);
      if (!entry) return undefined;
      if (!trusted() || clock() - entry.storedAt >= maxAgeMs) {
        entries.delete(sessionId);
        return undefined;
      }
      return entry.row;
    },
    ticket: () => (trusted() ? generation : VOID_TICKET),
    put(ticket, row) {
      if (ticket !== generation || !trusted()) return;
      entries.delete(row.id);
      entries.set(row.id, { row, storedAt: clock() });
      // Oldest first in a Map: drop those beyond the bound.
      for (const id of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(id);
      }
    },
    forget(sessionId) {
      generation++;
      entries.delete(sessionId);
    },
    forgetAll() {
      generation++;
      entries.clear();
    },
    live: trusted,
    get size() {
      return entries.size;
    },
  };

  // A new connection's first proof voids every ticket taken and every entry stored before it: a
  // revocation committed while nothing listened is announced to no one.
  feed.subscribe({ onChange, onReset: () => cache.forgetAll(), onLive: () => cache.forgetAll() });
  processCaches().add(cache);
  return cache;
}
