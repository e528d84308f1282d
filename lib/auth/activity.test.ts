/** Sign-in activity on a real, migrated database (PGlite, or the server in TEST_DATABASE_URL). */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { ACTIVITY_RETENTION_MS, listSignInActivity, recordSignInEvent, sweepSignInActivity } from "@/lib/auth/activity";
import { forgetProcessSingleton } from "@/lib/process-singleton";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";

const NOW = new Date("2030-06-01T12:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const CLIENT = { ip: "203.0.113.7", userAgent: "Firefox on Linux" };

let database: TestDatabase;
let userId: string;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

beforeEach(async () => {
  forgetProcessSingleton("sweep.sign-in-activity");
  await database.db.signInEvent.deleteMany();
  await database.db.user.deleteMany();
  userId = (await database.db.user.create({ data: { email: "ada@example.com" }, select: { id: true } })).id;
});

describe("sign-in activity", () => {
  it("records a sign-in with its client and session, listed newest first", async () => {
    await recordSignInEvent(database.db, { userId, provider: "github", result: "access_denied", client: CLIENT }, ago(60_000));
    await recordSignInEvent(database.db, { userId, provider: "google", result: "success", client: CLIENT, sessionId: "s1" }, NOW);
    const listed = await listSignInActivity(database.db, userId);
    expect(listed.map((e) => [e.provider, e.result, e.ip, e.userAgent])).toEqual([
      ["google", "success", CLIENT.ip, CLIENT.userAgent],
      ["github", "access_denied", CLIENT.ip, CLIENT.userAgent],
    ]);
    expect(await database.db.signInEvent.count({ where: { sessionId: "s1" } })).toBe(1);
  });

  const seed = async (...times: Date[]) => {
    for (const createdAt of times)
      await database.db.signInEvent.create({ data: { userId, provider: "google", result: "success", createdAt } });
  };
  const kept = async () => (await listSignInActivity(database.db, userId)).map((e) => e.createdAt.getTime());

  it("deletes events past the retention period and keeps the rest", async () => {
    await seed(ago(ACTIVITY_RETENTION_MS + 60_000), ago(ACTIVITY_RETENTION_MS - 60_000), NOW);
    expect(await sweepSignInActivity(database.db, NOW)).toBe(1);
    expect(await kept()).toEqual([NOW.getTime(), ago(ACTIVITY_RETENTION_MS - 60_000).getTime()]);
  });

  it("deletes events past the retention period when a sign-in is recorded", async () => {
    await seed(ago(ACTIVITY_RETENTION_MS + 60_000), ago(ACTIVITY_RETENTION_MS - 60_000));
    await recordSignInEvent(database.db, { userId, provider: "google", result: "success", client: CLIENT }, NOW);
    await vi.waitFor(async () => expect(await kept()).toEqual([NOW.getTime(), ago(ACTIVITY_RETENTION_MS - 60_000).getTime()]));
  });
});
