/**
 * The database rate limiter on a real, migrated database: in-memory PGlite always, and the
 * PostgreSQL server in TEST_DATABASE_URL when set (npm run test:pg).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { pgliteAdapterFactoryFor } from "@/lib/db/pglite/adapter";
import { createPrismaClient, createPrismaClientWithAdapter } from "@/lib/db/client";
import { parseDatabaseUrl } from "@/lib/db/database-url";
import { applyMigrations } from "@/lib/db/migrations";
import { createEmptyMemoryPGlite } from "@/lib/db/pglite/memory";
import { createTestDatabase } from "@/test/support/database";
import { integrationTargets } from "@/test/support/database-targets";
import type { Database } from "@/lib/db";
import {
  bucketKey,
  DEFAULT_RATE_LIMITS,
  hitRateLimit,
  parseRateLimitRule,
  parseRateLimits,
  sweepRateLimits,
} from "@/lib/security/rate-limits/counters";

const RULE = { limit: 3, windowSeconds: 60 };
const T0 = new Date("2030-01-01T00:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe("RATE_LIMIT_* configuration", () => {
  it("reads <attempts>/<seconds>, with or without an s, and off", () => {
    expect(parseRateLimitRule("X", "5/60")).toEqual({ limit: 5, windowSeconds: 60 });
    expect(parseRateLimitRule("X", " 5 / 90s ")).toEqual({ limit: 5, windowSeconds: 90 });
    expect(parseRateLimitRule("X", "off")).toBeNull();
  });

  it("names the variable and the expected form for anything else", () => {
    for (const bad of ["5", "five/60", "0/60", "5/0", "-1/60", "5/60m", "5/999999"]) {
      expect(parseRateLimitRule("RATE_LIMIT_SIGN_IN_IP", bad)).toMatch(/^RATE_LIMIT_SIGN_IN_IP must be "<attempts>\/<seconds>"/);
    }
  });

  it("keeps the defaults for unset variables and overrides the set ones", () => {
    const { limits, errors } = parseRateLimits({ RATE_LIMIT_CALLBACK_IP: "2/10", RATE_LIMIT_BEARER_ACCOUNT: "off" });
    expect(errors).toEqual([]);
    expect(limits).toEqual({ ...DEFAULT_RATE_LIMITS, callbackIp: { limit: 2, windowSeconds: 10 }, bearerAccount: null });
  });
});

it("stores a hash of the subject, never the IP address itself", () => {
  const key = bucketKey("signInIp", "203.0.113.9");
  expect(key).toMatch(/^signInIp:[\w-]{43}$/);
  expect(key).not.toContain("203.0.113.9");
  expect(bucketKey("callbackIp", "203.0.113.9")).not.toBe(key.replace("signInIp", "callbackIp"));
});

/** Two Prisma clients (two "instances") on one database. */
async function twoClients(url: string): Promise<{ a: Database; b: Database; close(): Promise<void> }> {
  if (url === "pglite:memory") {
    const pglite = await createEmptyMemoryPGlite();
    await applyMigrations(pgliteAdapterFactoryFor(pglite));
    const a = createPrismaClientWithAdapter(pgliteAdapterFactoryFor(pglite));
    const b = createPrismaClientWithAdapter(pgliteAdapterFactoryFor(pglite));
    return { a, b, close: async () => void (await Promise.all([a.$disconnect(), b.$disconnect()]), await pglite.close()) };
  }
  const database = await createTestDatabase({ url });
  const [current] = await database.db.$queryRaw<{ schema: string }[]>`SELECT current_schema() AS "schema"`;
  const second = new URL(url);
  second.searchParams.set("schema", current!.schema);
  const b = createPrismaClient(parseDatabaseUrl(second.href));
  return { a: database.db, b, close: async () => void (await b.$disconnect(), await database.close()) };
}

describe.each(integrationTargets())("the rate limiter on $name", ({ url }) => {
  let clients: Awaited<ReturnType<typeof twoClients>>;
  let db: Database;
  beforeAll(async () => {
    clients = await twoClients(url);
    db = clients.a;
  }, 60_000);
  afterAll(async () => {
    await clients?.close();
  });
  afterEach(async () => {
    await db.$executeRaw`DELETE FROM "RateLimit"`;
  });

  it("allows `limit` attempts in a window and refuses the next, with the seconds left until it ends", async () => {
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await hitRateLimit(db, "signInIp", RULE, "198.51.100.1", at(i * 10)));
    expect(seen.map((d) => [d.count, d.allowed])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, false],
    ]);
    // The window started at the first attempt (t=0) and lasts 60 s; the fourth came at t=30.
    expect(seen[3]).toMatchObject({ limit: 3, retryAfterSeconds: 30, resetAt: at(60) });
  });

  it("starts a new window once the old one is over", async () => {
    for (let i = 0; i < 5; i++) await hitRateLimit(db, "signInIp", RULE, "198.51.100.2", at(1));
    expect((await hitRateLimit(db, "signInIp", RULE, "198.51.100.2", at(59))).allowed).toBe(false);
    const fresh = await hitRateLimit(db, "signInIp", RULE, "198.51.100.2", at(61));
    expect(fresh).toMatchObject({ allowed: true, count: 1, resetAt: at(121), retryAfterSeconds: 60 });
  });

  it("counts each subject and each rule in its own bucket", async () => {
    for (let i = 0; i < 4; i++) await hitRateLimit(db, "signInIp", RULE, "198.51.100.3", T0);
    expect((await hitRateLimit(db, "signInIp", RULE, "198.51.100.4", T0)).allowed).toBe(true);
    expect((await hitRateLimit(db, "callbackIp", RULE, "198.51.100.3", T0)).allowed).toBe(true);
  });

  it("two instances (two clients on one database) share the same count", async () => {
    await hitRateLimit(clients.a, "callbackIp", RULE, "198.51.100.6", T0);
    await hitRateLimit(clients.b, "callbackIp", RULE, "198.51.100.6", T0);
    await hitRateLimit(clients.a, "callbackIp", RULE, "198.51.100.6", T0);
    const onB = await hitRateLimit(clients.b, "callbackIp", RULE, "198.51.100.6", T0);
    expect(onB).toMatchObject({ count: 4, allowed: false });
  });

  it("counts 40 concurrent attempts from both instances exactly: 1..40, no duplicates, exactly `limit` allowed", async () => {
    const rule = { limit: 25, windowSeconds: 60 };
    const decisions = await Promise.all(
      Array.from({ length: 40 }, (_, i) => hitRateLimit(i % 2 ? clients.a : clients.b, "signInIp", rule, "198.51.100.7", T0)),
    );
    expect(decisions.map((d) => d.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(25);
  });

  it("the sweep deletes only buckets whose window is over", async () => {
    await hitRateLimit(db, "signInIp", RULE, "198.51.100.8", T0);
    await hitRateLimit(db, "signInIp", RULE, "198.51.100.9", at(30));
    expect(await sweepRateLimits(db, at(70))).toBe(1);
    const left = await db.rateLimit.findMany();
    expect(left.map((r) => r.key)).toEqual([bucketKey("signInIp", "198.51.100.9")]);
  });
});

describe("rate limits in the app's configuration (lib/config/env.ts)", () => {
  it("stops start-up on a malformed RATE_LIMIT_* value, naming it", async () => {
    const { parseEnv } = await import("@/lib/config/env");
    const { env, errors } = parseEnv({ NODE_ENV: "test", AUTH_SECRET: "s".repeat(40), RATE_LIMIT_SIGN_IN_IP: "lots" });
    expect(env).toBeNull();
    expect(errors).toEqual([expect.stringMatching(/^RATE_LIMIT_SIGN_IN_IP must be "<attempts>\/<seconds>"/)]);
  });

  it("uses the defaults when nothing is set", async () => {
    const { parseEnv } = await import("@/lib/config/env");
    expect(parseEnv({ NODE_ENV: "test", AUTH_SECRET: "s".repeat(40) }).env?.rateLimits).toEqual(DEFAULT_RATE_LIMITS);
  });
});
