/**
 * The session cache's rules, with a feed and a clock the test controls. (lib/db/change-feed.test.ts
 * proves the feed against real databases; lib/session/registry.test.ts the cache inside checkSession.)
 */
import { afterEach, describe, expect, it, vi } from "vitest";

import { openChangeFeed, type ChangeFeed, type ChangeListener, type OpenTransport, type SessionChange } from "@/lib/db/change-feed";
import { createSessionCache, forgetAllSessions, type CachedSessionRow } from "@/lib/session/cache";

class FakeFeed implements ChangeFeed {
  confirmed = 0;
  listeners = new Set<ChangeListener>();
  confirmedAt = () => this.confirmed;
  subscribe(listener: ChangeListener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async close() {}
  announce(change: SessionChange) {
    for (const l of this.listeners) {
      if (change.kind === "reset") l.onReset();
      else l.onChange(change);
    }
  }
  lose() {
    this.confirmed = 0;
    for (const l of this.listeners) l.onReset();
  }
  /** A new connection's first ping came back at `at` (as lib/db/change-feed.ts reports it). */
  prove(at: number) {
    for (const l of this.listeners) l.onLive();
    this.confirmed = at;
  }
}

function row(id: string, userId = "user-1"): CachedSessionRow {
  const t = new Date("2026-03-01T09:00:00Z");
  return {
    id,
    provider: "dev-idp",
    createdAt: t,
    lastSeenAt: t,
    userId,
    name: "Alice",
    email: "alice@example.com",
    image: null,
    linkedProviders: ["dev-idp"],
  };
}

function setup(options: { maxStalenessMs?: number; maxAgeMs?: number; maxEntries?: number } = {}) {
  let now = 1_000_000;
  const feed = new FakeFeed();
  feed.confirmed = now;
  const cache = createSessionCache(feed, { clock: () => now, ...options });
  return { feed, cache, advance: (ms: number) => (now += ms), now: () => now };
}

describe("session cache", () => {
  it("answers from memory while the feed's delivery is confirmed", () => {
    const { cache } = setup();
    cache.put(cache.ticket(), row("s1"));
    expect(cache.get("s1")).toEqual(row("s1"));
    expect(cache.get("s2")).toBeUndefined();
  });

  it("stores nothing and answers nothing before the feed has confirmed delivery once", () => {
    const { feed, cache } = setup();
    feed.confirmed = 0;
    cache.put(cache.ticket(), row("s1"));
    expect(cache.size).toBe(0);
    feed.confirmed = 1;
    expect(cache.get("s1")).toBeUndefined();
  });

  it("stops answering once the last confirmation is older than the allowed staleness (a frozen or silently dead feed)", () => {
    const { cache, advance } = setup({ maxStalenessMs: 5_000 });
    cache.put(cache.ticket(), row("s1"));
    advance(4_999);
    expect(cache.get("s1")).toBeDefined();
    advance(1);
    expect(cache.get("s1")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("evicts a session the database announces as changed, and only that one", () => {
    const { feed, cache } = setup();
    cache.put(cache.ticket(), row("s1"));
    cache.put(cache.ticket(), row("s2"));
    feed.announce({ kind: "session", id: "s1" });
    expect(cache.get("s1")).toBeUndefined();
    expect(cache.get("s2")).toBeDefined();
  });

  it("evicts every session of a user the database announces as changed", () => {
    const { feed, cache } = setup();
    cache.put(cache.ticket(), row("a1", "alice"));
    cache.put(cache.ticket(), row("a2", "alice"));
    cache.put(cache.ticket(), row("b1", "bob"));
    feed.announce({ kind: "user", id: "alice" });
    expect([cache.get("a1"), cache.get("a2")]).toEqual([undefined, undefined]);
    expect(cache.get("b1")).toBeDefined();
  });

  it("empties on a reset announcement (TRUNCATE) and when the feed loses its connection", () => {
    const { feed, cache } = setup();
    cache.put(cache.ticket(), row("s1"));
    feed.announce({ kind: "reset" });
    expect(cache.size).toBe(0);
    cache.put(cache.ticket(), row("s1"));
    feed.lose();
    expect(cache.size).toBe(0);
  });

  it("does not store a row read while a change was announced (a revocation racing the read)", () => {
    const { feed, cache } = setup();
    const ticket = cache.ticket();
    // The read is in flight; the revocation commits and is announced before the answer is stored.
    feed.announce({ kind: "session", id: "s1" });
    cache.put(ticket, row("s1"));
    expect(cache.get("s1")).toBeUndefined();
    // Any change counts, even another session's: the feed says what changed, not what a read saw.
    const next = cache.ticket();
    feed.announce({ kind: "session", id: "other" });
    cache.put(next, row("s1"));
    expect(cache.get("s1")).toBeUndefined();
  });

  it("is cleared at once by a revocation written in this process, whatever the feed does", () => {
    const { cache } = setup();
    const ticket = cache.ticket();
    cache.put(ticket, row("s1"));
    forgetAllSessions();
    expect(cache.get("s1")).toBeUndefined();
    cache.put(ticket, row("s1"));
    expect(cache.get("s1")).toBeUndefined();
  });

  it("does not store a read that started while the feed was down, even once the feed is back", () => {
    const { feed, cache, now } = setup();
    feed.lose();
    // The read starts during the outage; a revocation committed now is announced to no one.
    const ticket = cache.ticket();
    feed.confirmed = now();
    cache.put(ticket, row("s1"));
    expect(cache.size).toBe(0);
    expect(cache.get("s1")).toBeUndefined();
  });

  it("does not store a read that started while the last confirmation was too old", () => {
    const { feed, cache, advance, now } = setup({ maxStalenessMs: 5_000 });
    advance(5_000);
    const ticket = cache.ticket();
    feed.confirmed = now();
    cache.put(ticket, row("s1"));
    expect(cache.size).toBe(0);
  });

  it("the first proof of a new connection empties the cache and voids every ticket taken before it", () => {
    const { feed, cache, now } = setup();
    cache.put(cache.ticket(), row("s1"));
    const before = cache.ticket();
    feed.prove(now());
    expect(cache.size).toBe(0);
    expect(cache.get("s1")).toBeUndefined();
    cache.put(before, row("s2"));
    expect(cache.get("s2")).toBeUndefined();
    // A read that starts after the proof is stored as usual.
    cache.put(cache.ticket(), row("s3"));
    expect(cache.get("s3")).toBeDefined();
  });

  it("drops an entry after its maximum age even while the feed is live", () => {
    const { feed, cache, advance, now } = setup({ maxAgeMs: 30_000, maxStalenessMs: 5_000 });
    cache.put(cache.ticket(), row("s1"));
    advance(29_999);
    feed.confirmed = now();
    expect(cache.get("s1")).toBeDefined();
    advance(1);
    feed.confirmed = now();
    expect(cache.get("s1")).toBeUndefined();
  });

  it("holds at most maxEntries, dropping the oldest", () => {
    const { cache } = setup({ maxEntries: 2 });
    for (const id of ["s1", "s2", "s3"]) cache.put(cache.ticket(), row(id));
    expect(cache.size).toBe(2);
    expect(cache.get("s1")).toBeUndefined();
    expect(cache.get("s3")).toBeDefined();
  });
});

/** A transport that loops its notifications back, and whose connection the test can drop. */
function loopbackTransport() {
  const link = { lost: (_: unknown) => {}, opened: 0 };
  const open: OpenTransport = async (onPayload, onLost) => {
    link.opened++;
    link.lost = onLost;
    return {
      async notify(payload) {
        queueMicrotask(() => onPayload(payload));
      },
      async close() {},
    };
  };
  return { link, open };
}

describe("session cache on the real change feed", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a read that started while the connection was lost is not stored after the feed reconnects and proves itself", async () => {
    vi.useFakeTimers({ now: 100_000 });
    const { link, open } = loopbackTransport();
    const feed = openChangeFeed(open, { pingIntervalMs: 1_000, pingTimeoutMs: 500 });
    const cache = createSessionCache(feed);
    try {
      await vi.advanceTimersByTimeAsync(10);
      expect(cache.live()).toBe(true);
      cache.put(cache.ticket(), row("s1"));
      expect(cache.get("s1")).toBeDefined();

      link.lost(new Error("terminated"));
      expect(cache.size).toBe(0);
      // The read starts now; another instance revokes s1 before the new LISTEN, unheard.
      const ticket = cache.ticket();
      await vi.advanceTimersByTimeAsync(600);
      expect(link.opened).toBe(2);
      expect(cache.live()).toBe(true);
      cache.put(ticket, row("s1"));
      expect(cache.get("s1")).toBeUndefined();
    } finally {
      await feed.close();
    }
  });
});
