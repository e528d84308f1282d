import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import { startSession } from "@/lib/session/registry";

/**
 * The /settings/sessions server actions on a real database. Server actions are public endpoints:
 * anyone signed in can post any session id, so ownership must be checked by the action itself.
 * The session layer (lib/dal) is a switch we control; the browser path is covered by e2e/.
 */
let database: TestDatabase;
const session = vi.hoisted(() => ({ user: null as null | { id: string; sessionId: string } }));

vi.mock("@/lib/db", () => ({
  get db() {
    return database.db;
  },
}));
vi.mock("@/lib/dal", () => ({
  requireUser: vi.fn(async () => {
    if (!session.user) throw new Error("NEXT_REDIRECT:/login");
    return { ...session.user, name: null, email: null, image: null, provider: "dev-idp" };
  }),
}));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));

const { signOutEverywhereElse, signOutSession } = await import("./actions");

const CLIENT = { ip: "192.0.2.10", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36" };

let alice: { id: string; here: string; laptop: string; phone: string };
let bob: { id: string; session: string };

function form(sessionId: string | null): FormData {
  const data = new FormData();
  if (sessionId !== null) data.set("sessionId", sessionId);
  return data;
}

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());
beforeEach(async () => {
  const { db } = database;
  await db.user.deleteMany();
  const now = new Date();
  const start = (userId: string) => startSession(db, { userId, provider: "dev-idp", providerSid: null, client: CLIENT }, now);
  const aliceId = (await db.user.create({ data: { email: "alice@example.com" } })).id;
  const bobId = (await db.user.create({ data: { email: "bob@example.com" } })).id;
  alice = { id: aliceId, here: await start(aliceId), laptop: await start(aliceId), phone: await start(aliceId) };
  bob = { id: bobId, session: await start(bobId) };
  session.user = { id: alice.id, sessionId: alice.here };
});

async function revoked(): Promise<string[]> {
  const rows = await database.db.userSession.findMany({ where: { revokedAt: { not: null } }, select: { id: true } });
  return rows.map((r) => r.id).sort();
}

describe("signOutSession ('Sign out' next to one session)", () => {
  it("revokes the chosen session of the signed-in user, and only that one", async () => {
    await signOutSession(form(alice.laptop));
    expect(await revoked()).toEqual([alice.laptop]);
    const row = await database.db.userSession.findUniqueOrThrow({ where: { id: alice.laptop } });
    expect(row.revokedReason).toBe("revoked");
  });

  it("never revokes another user's session, even given its exact id", async () => {
    await signOutSession(form(bob.session));
    expect(await revoked()).toEqual([]);
  });

  it.each([
    ["missing", null],
    ["empty", ""],
    ["over-long", "x".repeat(129)],
  ])("ignores a %s session id", async (_label, value) => {
    await signOutSession(form(value));
    expect(await revoked()).toEqual([]);
  });

  it("refuses without a session (redirect to /login) and revokes nothing", async () => {
    session.user = null;
    await expect(signOutSession(form(alice.laptop))).rejects.toThrow(/NEXT_REDIRECT/);
    expect(await revoked()).toEqual([]);
  });
});

describe("signOutEverywhereElse", () => {
  it("revokes every other session of the user and keeps the one making the request", async () => {
    await signOutEverywhereElse();
    expect(await revoked()).toEqual([alice.laptop, alice.phone].sort());
    const kept = await database.db.userSession.findUniqueOrThrow({ where: { id: alice.here } });
    expect(kept.revokedAt).toBeNull();
  });

  it("leaves other users' sessions alone", async () => {
    await signOutEverywhereElse();
    const bobs = await database.db.userSession.findUniqueOrThrow({ where: { id: bob.session } });
    expect(bobs.revokedAt).toBeNull();
  });

  it("refuses without a session (redirect to /login) and revokes nothing", async () => {
    session.user = null;
    await expect(signOutEverywhereElse()).rejects.toThrow(/NEXT_REDIRECT/);
    expect(await revoked()).toEqual([]);
  });
});
