/**
 * The session registry on a real database, with a fake clock (every function takes `now`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { openChangeFeed, type ChangeFeed, type ChangeListener } from "@/lib/db/change-feed";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import { createSessionCache, type SessionCache } from "@/lib/session/cache";
import {
  checkSession,
  LAST_SEEN_RESOLUTION_MS,
  listActiveSessions,
  revokeOtherSessions,
  revokeOwnSession,
  revokeProviderSessions,
  revokeSession,
  startSession,
} from "@/lib/session/registry";
import type { SessionPolicy } from "@/lib/config/session-policy";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const POLICY: SessionPolicy = { idleTimeoutMs: 7 * DAY, absoluteLifetimeMs: 30 * DAY };
const T0 = new Date("2026-03-01T09:00:00.000Z");
const CLIENT = { ip: "192.0.2.10", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36" };

let database: TestDatabase;
let alice: string;
let bob: string;

const at = (ms: number) => new Date(T0.getTime() + ms);

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());
beforeEach(async () => {
  const { db } = database;
  await db.user.deleteMany();
  alice = (
    await db.user.create({
      data: {
        email: "alice@example.com",
        name: "Alice",
        accounts: { create: { type: "oidc", provider: "dev-idp", providerAccountId: "sub-alice" } },
      },
    })
  ).id;
  bob = (
    await db.user.create({
      data: {
        email: "bob@example.com",
        name: "Bob",
        accounts: { create: { type: "oidc", provider: "dev-idp", providerAccountId: "sub-bob" } },
      },
    })
  ).id;
});

function start(userId: string, now = T0, extra: { providerSid?: string; provider?: string; replacing?: string } = {}) {
  return startSession(
    database.db,
    { userId, provider: extra.provider ?? "dev-idp", providerSid: extra.providerSid ?? null, client: CLIENT, replacing: extra.replacing },
    now,
  );
}

const check = (sessionId: string, userId: string, now: Date) => checkSession(database.db, { sessionId, userId }, POLICY, now);

async function lastSeen(sessionId: string): Promise<Date> {
  return (await database.db.userSession.findUniqueOrThrow({ where: { id: sessionId } })).lastSeenAt;
}

describe("starting a session", () => {
  it("records who, how, where and when, under a new unguessable id every time", async () => {
    const first = await start(alice);
    const second = await start(alice);
    expect(first).not.toBe(second);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await database.db.userSession.findUniqueOrThrow({ where: { id: first } })).toMatchObject({
      userId: alice,
      provider: "dev-idp",
      createdAt: T0,
      lastSeenAt: T0,
      ip: CLIENT.ip,
      userAgent: CLIENT.userAgent,
      revokedAt: null,
    });
  });

  it("revokes the session the browser held before (a sign-in never keeps the old id alive)", async () => {
    const before = await start(alice);
    const after = await start(alice, at(MINUTE), { replacing: before });
    expect(await check(before, alice, at(2 * MINUTE))).toBeNull();
    expect(await check(after, alice, at(2 * MINUTE))).not.toBeNull();
    expect((await database.db.userSession.findUniqueOrThrow({ where: { id: before } })).revokedReason).toBe("replaced");
  });
});

describe("checking a session", () => {
  it("answers the user for a usable session", async () => {
    const sid = await start(alice);
    expect(await check(sid, alice, at(MINUTE))).toMatchObject({
      id: sid,
      provider: "dev-idp",
      user: { id: alice, email: "alice@example.com" },
    });
  });

  it("refuses a revoked session on the very next check", async () => {
    const sid = await start(alice);
    expect(await check(sid, alice, at(1000))).not.toBeNull();
    await revokeSession(database.db, sid, "signed_out", at(2000));
    expect(await check(sid, alice, at(3000))).toBeNull();
  });

  it("refuses a session id presented for another user", async () => {
    const sid = await start(alice);
    expect(await check(sid, bob, at(1000))).toBeNull();
  });

  it("refuses an unknown session id, and a session whose user was deleted", async () => {
    expect(await check("no-such-session", alice, at(1000))).toBeNull();
    const sid = await start(alice);
    await database.db.user.delete({ where: { id: alice } });
    expect(await check(sid, alice, at(1000))).toBeNull();
  });

  it("ends after the idle timeout without use", async () => {
    const sid = await start(alice);
    expect(await check(sid, alice, at(POLICY.idleTimeoutMs - 1))).not.toBeNull();
    // That use restarted the clock: idle is measured from the last use.
    expect(await check(sid, alice, at(2 * POLICY.idleTimeoutMs - 2))).not.toBeNull();
    const idleSince = await lastSeen(sid);
    expect(await check(sid, alice, new Date(idleSince.getTime() + POLICY.idleTimeoutMs))).toBeNull();
  });

  it("ends at the absolute lifetime however busy it is", async () => {
    const sid = await start(alice);
    for (let day = 1; day < 30; day++) expect(await check(sid, alice, at(day * DAY))).not.toBeNull();
    expect(await check(sid, alice, at(POLICY.absoluteLifetimeMs - 1))).not.toBeNull();
    expect(await check(sid, alice, at(POLICY.absoluteLifetimeMs))).toBeNull();
  });

  it("writes last-seen at most once a minute", async () => {
    const sid = await start(alice);
    await check(sid, alice, at(10_000));
    await check(sid, alice, at(LAST_SEEN_RESOLUTION_MS - 1));
    expect(await lastSeen(sid)).toEqual(T0);
    await check(sid, alice, at(LAST_SEEN_RESOLUTION_MS));
    expect(await lastSeen(sid)).toEqual(at(LAST_SEEN_RESOLUTION_MS));
    await check(sid, alice, at(LAST_SEEN_RESOLUTION_MS + 30_000));
    await check(sid, alice, at(2 * LAST_SEEN_RESOLUTION_MS - 1));
    expect(await lastSeen(sid)).toEqual(at(LAST_SEEN_RESOLUTION_MS));
    await check(sid, alice, at(2 * LAST_SEEN_RESOLUTION_MS));
    expect(await lastSeen(sid)).toEqual(at(2 * LAST_SEEN_RESOLUTION_MS));
  });

  it("writes last-seen once when many requests (or instances) check the same session at once", async () => {
    const sid = await start(alice);
    const now = at(5 * MINUTE);
    const results = await Promise.all(Array.from({ length: 10 }, () => check(sid, alice, now)));
    expect(results.every((r) => r !== null)).toBe(true);
    expect(await lastSeen(sid)).toEqual(now);
  });
});

describe("the person's own sessions", () => {
  it("lists only their usable sessions, most recently used first", async () => {
    const old = await start(alice, at(-20 * DAY));
    const recent = await start(alice, at(-1 * DAY));
    const current = await start(alice, at(-MINUTE));
    const revoked = await start(alice);
    await revokeSession(database.db, revoked, "signed_out", T0);
    const idle = await start(alice, at(-8 * DAY));
    const tooOld = await start(alice, at(-31 * DAY));
    await database.db.userSession.update({ where: { id: tooOld }, data: { lastSeenAt: at(-MINUTE) } });
    await database.db.userSession.update({ where: { id: old }, data: { lastSeenAt: at(-2 * DAY) } });
    await start(bob);

    const listed = await listActiveSessions(database.db, alice, POLICY, T0);
    expect(listed.map((s) => s.id)).toEqual([current, recent, old]);
    expect(listed.map((s) => s.id)).not.toContain(idle);
    expect(listed[0]).toEqual({ id: current, provider: "dev-idp", createdAt: at(-MINUTE), lastSeenAt: at(-MINUTE), ...CLIENT });
  });

  it("a user can revoke their own session but never someone else's", async () => {
    const bobs = await start(bob);
    const alices = await start(alice);
    expect(await revokeOwnSession(database.db, alice, bobs, at(1000))).toBe(false);
    expect(await check(bobs, bob, at(2000))).not.toBeNull();
    expect(await revokeOwnSession(database.db, alice, alices, at(1000))).toBe(true);
    expect(await check(alices, alice, at(2000))).toBeNull();
  });

  it("'everywhere else' revokes every other session of theirs, and nobody else's", async () => {
    const here = await start(alice);
    const laptop = await start(alice);
    const phone = await start(alice);
    const bobs = await start(bob);
    expect(await revokeOtherSessions(database.db, alice, here, at(1000))).toBe(2);
    expect(await check(here, alice, at(2000))).not.toBeNull();
    expect(await check(laptop, alice, at(2000))).toBeNull();
    expect(await check(phone, alice, at(2000))).toBeNull();
    expect(await check(bobs, bob, at(2000))).not.toBeNull();
  });
});

describe("revocation by the provider (back-channel logout)", () => {
  it("by the provider's session id: only that session", async () => {
    const ended = await start(alice, T0, { providerSid: "idp-sid-1" });
    const other = await start(alice, T0, { providerSid: "idp-sid-2" });
    expect(await revokeProviderSessions(database.db, { provider: "dev-idp", providerSid: "idp-sid-1" }, at(1000))).toBe(1);
    expect(await check(ended, alice, at(2000))).toBeNull();
    expect(await check(other, alice, at(2000))).not.toBeNull();
  });

  it("by subject: every session of that provider's user signed in with that provider", async () => {
    const one = await start(alice, T0, { providerSid: "idp-sid-1" });
    const two = await start(alice, T0, { providerSid: "idp-sid-2" });
    const viaGitHub = await start(alice, T0, { provider: "github" });
    const bobs = await start(bob, T0, { providerSid: "idp-sid-3" });
    expect(await revokeProviderSessions(database.db, { provider: "dev-idp", subject: "sub-alice" }, at(1000))).toBe(2);
    expect(await check(one, alice, at(2000))).toBeNull();
    expect(await check(two, alice, at(2000))).toBeNull();
    expect(await check(viaGitHub, alice, at(2000))).not.toBeNull();
    expect(await check(bobs, bob, at(2000))).not.toBeNull();
  });

  it("with both, only a session matching both", async () => {
    const alices = await start(alice, T0, { providerSid: "idp-sid-1" });
    expect(await revokeProviderSessions(database.db, { provider: "dev-idp", providerSid: "idp-sid-1", subject: "sub-bob" }, at(1000))).toBe(
      0,
    );
    expect(await check(alices, alice, at(2000))).not.toBeNull();
    expect(
      await revokeProviderSessions(database.db, { provider: "dev-idp", providerSid: "idp-sid-1", subject: "sub-alice" }, at(1000)),
    ).toBe(1);
    expect(await check(alices, alice, at(2000))).toBeNull();
  });

  it("another provider's session id matches nothing", async () => {
    const sid = await start(alice, T0, { providerSid: "idp-sid-1" });
    expect(await revokeProviderSessions(database.db, { provider: "oidc", providerSid: "idp-sid-1" }, at(1000))).toBe(0);
    expect(await check(sid, alice, at(2000))).not.toBeNull();
  });
});

/** A feed that always claims delivery and never delivers: what the cache does with no announcement at all. */
class SilentFeed implements ChangeFeed {
  confirmedAt = () => Date.now();
  subscribe(_: ChangeListener) {
    return () => {};
  }
  async close() {}
}

describe("checking a session through the cache", () => {
  const cachedCheck = (cache: SessionCache, sessionId: string, userId: string, now: Date, policy = POLICY) =>
    checkSession(database.db, { sessionId, userId }, policy, now, cache);

  async function liveFeed(): Promise<ChangeFeed> {
    const feed = openChangeFeed(database.changeTransport, { pingIntervalMs: 200 });
    await expect.poll(() => feed.confirmedAt(), { timeout: 10_000 }).toBeGreaterThan(0);
    return feed;
  }

  it("answers a repeated check from memory (a change the database never announced is not seen)", async () => {
    const cache = createSessionCache(new SilentFeed());
    const sid = await start(alice);
    expect(await cachedCheck(cache, sid, alice, at(1000))).not.toBeNull();
    // Behind the registry's back, like another instance would (the silent feed hears nothing).
    await database.db.$executeRaw`UPDATE "UserSession" SET "revokedAt" = ${at(1500)} WHERE "id" = ${sid}`;
    expect(await cachedCheck(cache, sid, alice, at(2000))).not.toBeNull();
    expect(await check(sid, alice, at(2000))).toBeNull();
  });

  it("refuses a session revoked by another writer as soon as the database announces it", async () => {
    const feed = await liveFeed();
    try {
      const cache = createSessionCache(feed);
      const sid = await start(alice);
      expect(await cachedCheck(cache, sid, alice, at(1000))).not.toBeNull();
      expect(cache.size).toBe(1);
      await database.db.$executeRaw`UPDATE "UserSession" SET "revokedAt" = ${at(1500)}, "revokedReason" = 'revoked' WHERE "id" = ${sid}`;
      // Well inside the entry's 30 s lifetime: only the announcement can have evicted it.
      await expect.poll(() => cachedCheck(cache, sid, alice, at(2000)), { timeout: 2_000, interval: 20 }).toBeNull();
    } finally {
      await feed.close();
    }
  });

  it("shows a provider linked and a name changed by another writer as soon as the database announces it", async () => {
    const feed = await liveFeed();
    try {
      const cache = createSessionCache(feed);
      const sid = await start(alice);
      expect((await cachedCheck(cache, sid, alice, at(1000)))?.user).toMatchObject({ name: "Alice", linkedProviders: ["dev-idp"] });
      await database.db
        .$executeRaw`INSERT INTO "Account" ("userId", "type", "provider", "providerAccountId", "updatedAt") VALUES (${alice}, 'oauth', 'github', 'gh-alice', now())`;
      await expect
        .poll(async () => (await cachedCheck(cache, sid, alice, at(2000)))?.user.linkedProviders, { timeout: 2_000, interval: 20 })
        .toEqual(["dev-idp", "github"]);
      await database.db.$executeRaw`UPDATE "User" SET "name" = 'Alice Liddell' WHERE "id" = ${alice}`;
      await expect
        .poll(async () => (await cachedCheck(cache, sid, alice, at(3000)))?.user.name, { timeout: 2_000, interval: 20 })
        .toBe("Alice Liddell");
    } finally {
      await feed.close();
    }
  });

  it("sees a revocation made by this process on the very next check, without waiting for an announcement", async () => {
    const cache = createSessionCache(new SilentFeed());
    const sid = await start(alice);
    const other = await start(alice);
    expect(await cachedCheck(cache, sid, alice, at(1000))).not.toBeNull();
    expect(await cachedCheck(cache, other, alice, at(1000))).not.toBeNull();
    await revokeSession(database.db, sid, "signed_out", at(1500));
    expect(await cachedCheck(cache, sid, alice, at(2000))).toBeNull();
    await revokeOtherSessions(database.db, alice, "none-kept", at(2500));
    expect(await cachedCheck(cache, other, alice, at(3000))).toBeNull();
  });

  it("refuses a cached session id presented for another user", async () => {
    const cache = createSessionCache(new SilentFeed());
    const sid = await start(alice);
    expect(await cachedCheck(cache, sid, alice, at(1000))).not.toBeNull();
    expect(await cachedCheck(cache, sid, bob, at(1000))).toBeNull();
  });

  it("still writes last-seen once a minute and ends the session at its absolute lifetime", async () => {
    const cache = createSessionCache(new SilentFeed());
    const policy: SessionPolicy = { idleTimeoutMs: 2 * DAY, absoluteLifetimeMs: DAY };
    const sid = await start(alice);
    expect(await cachedCheck(cache, sid, alice, at(59_000), policy)).not.toBeNull();
    expect(await cachedCheck(cache, sid, alice, at(61_000), policy)).not.toBeNull();
    expect(await lastSeen(sid)).toEqual(at(61_000));
    expect(await cachedCheck(cache, sid, alice, at(DAY - 30_000), policy)).not.toBeNull();
    expect(await lastSeen(sid)).toEqual(at(DAY - 30_000));
    // Answered from memory (last seen 30 s ago), and still refused: the lifetime is over.
    expect(await cachedCheck(cache, sid, alice, at(DAY), policy)).toBeNull();
  });
});
