/**
 * The change feed: its delivery proof (pings) with a scripted transport, then the migration's
 * triggers and both transports on real databases (in-memory PGlite, and PostgreSQL when
 * TEST_DATABASE_URL is set).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import { openChangeFeed, parseChange, type ChangeFeed, type OpenTransport, type SessionChange } from "./change-feed";
import { createTestDatabase, type TestDatabase } from "../../test/support/database";
import { integrationTargets, POSTGRES_TODO, postgresNotConfigured } from "../../test/support/database-targets";

/** A transport that loops notifications back (like a database would) unless told to drop them. */
function scriptedTransport() {
  const state = {
    opened: 0,
    closed: 0,
    deliver: true,
    failOpen: false,
    sent: [] as string[],
    onPayload: (_: string) => {},
    onLost: (_: unknown) => {},
  };
  const open: OpenTransport = async (onPayload, onLost) => {
    if (state.failOpen) throw Object.assign(new Error("refused"), { code: "ECONNREFUSED" });
    state.opened++;
    state.onPayload = onPayload;
    state.onLost = onLost;
    return {
      async notify(payload) {
        state.sent.push(payload);
        if (state.deliver) queueMicrotask(() => onPayload(payload));
      },
      async close() {
        state.closed++;
      },
    };
  };
  return { state, open };
}

type Seen = SessionChange | "reset" | "live";

function recorder(feed: ChangeFeed) {
  const seen: Seen[] = [];
  feed.subscribe({ onChange: (c) => seen.push(c), onReset: () => seen.push("reset"), onLive: () => seen.push("live") });
  return seen;
}

/**
 * A feed on a scripted transport under fake timers. The clock starts at T0, not 0: a ping sent at
 * time 0 would be confirmed "at 0", which reads the same as never confirmed.
 */
const T0 = 100_000;

function startFeed(setup: (state: ReturnType<typeof scriptedTransport>["state"]) => void = () => {}) {
  vi.useFakeTimers({ now: T0 });
  const { state, open } = scriptedTransport();
  setup(state);
  const trouble: string[] = [];
  const feed = openChangeFeed(open, { pingIntervalMs: 1_000, pingTimeoutMs: 500, onTrouble: (m) => trouble.push(m) });
  return { state, feed, seen: recorder(feed), trouble };
}

describe("change feed: delivery proof", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("parses the triggers' payloads and ignores anything else", () => {
    expect(parseChange("session:abc")).toEqual({ kind: "session", id: "abc" });
    expect(parseChange("user:u:1")).toEqual({ kind: "user", id: "u:1" });
    expect(parseChange("reset")).toEqual({ kind: "reset" });
    for (const junk of ["", "session:", ":abc", "account:1", "sessionabc"]) expect(parseChange(junk)).toBeNull();
  });

  it("is confirmed only once its own ping has come back, as of the time the ping was sent", async () => {
    const { state, feed } = startFeed((s) => (s.deliver = false));
    await vi.advanceTimersByTimeAsync(0);
    expect(state.opened).toBe(1);
    expect(feed.confirmedAt()).toBe(0);
    // The ping sent at T0 comes back late: still counts from when it was sent.
    vi.setSystemTime(T0 + 300);
    expect(state.sent).toEqual([expect.stringMatching(/^ping:/)]);
    state.onPayload(state.sent[0]!);
    expect(feed.confirmedAt()).toBe(T0);
    await feed.close();
  });

  it("keeps pinging and moves the confirmation forward while pings come back", async () => {
    const { feed } = startFeed();
    await vi.advanceTimersByTimeAsync(0);
    expect(feed.confirmedAt()).toBe(T0);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(feed.confirmedAt()).toBe(T0 + 3_000);
    await feed.close();
  });

  it("treats an overdue ping as a lost connection: unconfirmed, listeners reset, reconnects", async () => {
    const { state, feed, seen, trouble } = startFeed();
    await vi.advanceTimersByTimeAsync(1_500);
    expect(feed.confirmedAt()).toBe(T0 + 1_000);
    state.deliver = false;
    // The ping sent at T0 + 2 000 is overdue at T0 + 2 500; the reconnection is due 500 ms later.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(feed.confirmedAt()).toBe(0);
    expect(seen).toEqual(["live", "reset"]);
    expect(state.closed).toBe(1);
    expect(trouble).toEqual([expect.stringMatching(/did not come back/)]);
    state.deliver = true;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(state.opened).toBe(2);
    expect(feed.confirmedAt()).toBe(T0 + 3_000);
    expect(seen).toEqual(["live", "reset", "live"]);
    await feed.close();
  });

  it("tells listeners when a connection is first proven live, once per connection, before it counts as confirmed", async () => {
    const { state, feed, seen } = startFeed((s) => (s.deliver = false));
    const confirmedWhenLive: number[] = [];
    feed.subscribe({ onChange() {}, onReset() {}, onLive: () => confirmedWhenLive.push(feed.confirmedAt()) });
    await vi.advanceTimersByTimeAsync(10);
    // Listening, ping sent, not back yet: not proven.
    expect(seen).toEqual([]);
    state.onPayload(state.sent[0]!);
    expect(seen).toEqual(["live"]);
    // Later pings on the same connection prove nothing new.
    state.deliver = true;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(feed.confirmedAt()).toBe(T0 + 3_010);
    expect(seen).toEqual(["live"]);
    // A new connection: a change committed while nothing listened may be lost, so it is proven afresh.
    state.onLost(new Error("terminated"));
    await vi.advanceTimersByTimeAsync(500);
    expect(state.opened).toBe(2);
    expect(seen).toEqual(["live", "reset", "live"]);
    // Listeners hear of it while the feed still reads as unconfirmed: they act before anyone trusts it.
    expect(confirmedWhenLive).toEqual([0, 0]);
    await feed.close();
  });

  it("treats a connection error as lost, and nothing from the old connection counts afterwards", async () => {
    const { state, feed, seen } = startFeed();
    await vi.advanceTimersByTimeAsync(10);
    expect(feed.confirmedAt()).toBe(T0);
    const oldPayload = state.onPayload;
    state.onLost(new Error("socket closed"));
    expect(feed.confirmedAt()).toBe(0);
    expect(seen).toEqual(["live", "reset"]);
    oldPayload("session:s1");
    expect(seen).toEqual(["live", "reset"]);
    await feed.close();
  });

  it("passes changes on, and a ping from another instance never confirms this one", async () => {
    const { state, feed, seen } = startFeed((s) => (s.deliver = false));
    await vi.advanceTimersByTimeAsync(10);
    // This feed's first ping (number 1) is pending; another instance's ping number 1 arrives.
    expect(state.sent).toEqual([expect.stringMatching(/^ping:[^:]+:1$/)]);
    state.onPayload("ping:someone-else:1");
    expect(feed.confirmedAt()).toBe(0);
    state.onPayload("session:s1");
    state.onPayload("user:u1");
    state.onPayload("reset");
    expect(seen).toEqual([{ kind: "session", id: "s1" }, { kind: "user", id: "u1" }, "reset"]);
    state.onPayload(state.sent[0]!);
    expect(feed.confirmedAt()).toBe(T0);
    expect(seen.at(-1)).toBe("live");
    await feed.close();
  });

  it("retries when it cannot listen at all, and never confirms meanwhile", async () => {
    const { state, feed, trouble } = startFeed((s) => (s.failOpen = true));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(feed.confirmedAt()).toBe(0);
    expect(trouble).toEqual([expect.stringMatching(/could not listen \(ECONNREFUSED\)/)]);
    state.failOpen = false;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(state.opened).toBe(1);
    expect(feed.confirmedAt()).toBeGreaterThan(0);
    await feed.close();
    expect(state.closed).toBe(1);
    expect(feed.confirmedAt()).toBe(0);
  });
});

describe.each(integrationTargets())("change feed on $name", ({ url }) => {
  let database: TestDatabase;
  let feed: ChangeFeed;
  let seen: Seen[];

  beforeAll(async () => {
    database = await createTestDatabase({ url });
    feed = openChangeFeed(database.changeTransport, { pingIntervalMs: 200, pingTimeoutMs: 2_000 });
    seen = recorder(feed);
    await confirmedAfter(0);
  });
  afterAll(async () => {
    await feed?.close();
    await database?.close();
  });

  /** Waits for a ping round trip: every change committed before it has been delivered by then. */
  async function settled(): Promise<Seen[]> {
    await confirmedAfter(Date.now());
    return seen.splice(0);
  }

  async function confirmedAfter(t: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (feed.confirmedAt() <= t) {
      if (Date.now() > deadline) throw new Error("the change feed did not confirm delivery within 10 s");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function newUser(email: string): Promise<string> {
    const { db } = database;
    const user = await db.user.create({
      data: { email, name: "Someone", accounts: { create: { type: "oidc", provider: "dev-idp", providerAccountId: `sub-${email}` } } },
    });
    return user.id;
  }

  async function newSession(userId: string): Promise<string> {
    const id = `s-${Math.random().toString(36).slice(2)}`;
    await database.db.userSession.create({ data: { id, userId, provider: "dev-idp" } });
    return id;
  }

  // Only this test's ids: on PostgreSQL other test files' schemas announce on the same channel.
  const mine = (ids: string[]) => (c: Seen) => typeof c !== "string" && "id" in c && ids.includes(c.id);

  it("announces a revoked session, and not its once-a-minute last-seen write", async () => {
    const userId = await newUser("revoked@example.com");
    const sid = await newSession(userId);
    await settled();
    await database.db.userSession.update({ where: { id: sid }, data: { lastSeenAt: new Date(Date.now() + 60_000) } });
    expect((await settled()).filter(mine([sid, userId]))).toEqual([]);
    await database.db.userSession.update({ where: { id: sid }, data: { revokedAt: new Date(), revokedReason: "signed_out" } });
    expect((await settled()).filter(mine([sid, userId]))).toEqual([{ kind: "session", id: sid }]);
  });

  it("announces a session moved back in time and a deleted session", async () => {
    const userId = await newUser("moved@example.com");
    const sid = await newSession(userId);
    await settled();
    await database.db.userSession.update({ where: { id: sid }, data: { lastSeenAt: new Date(0) } });
    expect((await settled()).filter(mine([sid]))).toEqual([{ kind: "session", id: sid }]);
    await database.db.userSession.delete({ where: { id: sid } });
    expect((await settled()).filter(mine([sid]))).toEqual([{ kind: "session", id: sid }]);
  });

  it("announces a user's edits and deletion (with their sessions), and a provider linked or unlinked", async () => {
    const { db } = database;
    const userId = await newUser("edited@example.com");
    const sid = await newSession(userId);
    await settled();
    await db.user.update({ where: { id: userId }, data: { name: "Renamed" } });
    expect((await settled()).filter(mine([sid, userId]))).toEqual([{ kind: "user", id: userId }]);
    await db.account.create({ data: { userId, type: "oauth", provider: "github", providerAccountId: "gh-1" } });
    expect((await settled()).filter(mine([sid, userId]))).toEqual([{ kind: "user", id: userId }]);
    // A token write (every refresh) changes nothing a session check reads.
    await db.account.update({
      where: { provider_providerAccountId: { provider: "github", providerAccountId: "gh-1" } },
      data: { access_token: "x", tokenVersion: { increment: 1 } },
    });
    expect((await settled()).filter(mine([sid, userId]))).toEqual([]);
    await db.account.delete({ where: { provider_providerAccountId: { provider: "github", providerAccountId: "gh-1" } } });
    expect((await settled()).filter(mine([sid, userId]))).toEqual([{ kind: "user", id: userId }]);
    await db.user.delete({ where: { id: userId } });
    const deleted = (await settled()).filter(mine([sid, userId]));
    expect(deleted).toEqual(
      expect.arrayContaining([
        { kind: "session", id: sid },
        { kind: "user", id: userId },
      ]),
    );
  });

  it("announces a reset when the sessions table is truncated", async () => {
    await settled();
    await database.db.$executeRawUnsafe(`TRUNCATE "UserSession"`);
    expect(await settled()).toContain("reset");
  });
});

describe.skipIf(!postgresNotConfigured())("change feed on PostgreSQL", () => {
  it.todo(POSTGRES_TODO);
});
