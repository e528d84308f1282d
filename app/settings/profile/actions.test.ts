import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { createTestDatabase, type TestDatabase } from "@/test/support/database";

/**
 * The profile server action on a real database. The session layer (lib/dal) is replaced by a
 * switch we control: the browser path through the real session is covered by e2e/.
 */
let database: TestDatabase;
const session = vi.hoisted(() => ({ user: null as null | { id: string } }));

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

const { updateDisplayName } = await import("./actions");

function form(name: string | null): FormData {
  const data = new FormData();
  if (name !== null) data.set("name", name);
  return data;
}

let userId: string;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());
beforeEach(async () => {
  await database.db.user.deleteMany();
  userId = (await database.db.user.create({ data: { name: "Alice Example", email: "alice@example.com" } })).id;
  session.user = { id: userId };
});

async function storedName(): Promise<string | null> {
  return (await database.db.user.findUniqueOrThrow({ where: { id: userId } })).name;
}

describe("updateDisplayName", () => {
  it("saves the trimmed name for the signed-in user", async () => {
    expect(await updateDisplayName({ status: "idle" }, form("  Alice B.  "))).toEqual({ status: "saved", name: "Alice B." });
    expect(await storedName()).toBe("Alice B.");
  });

  it.each([
    ["empty", ""],
    ["whitespace", "   "],
    ["81 characters", "x".repeat(81)],
    ["a control character", "Alice\u0007"],
    ["missing", null],
  ])("refuses a %s name and leaves the stored one alone", async (_label, value) => {
    const result = await updateDisplayName({ status: "idle" }, form(value));
    expect(result.status).toBe("error");
    expect(await storedName()).toBe("Alice Example");
  });

  it("accepts exactly 80 characters", async () => {
    expect((await updateDisplayName({ status: "idle" }, form("y".repeat(80)))).status).toBe("saved");
    expect(await storedName()).toBe("y".repeat(80));
  });

  it("checks the session before anything else and writes nothing without one", async () => {
    session.user = null;
    await expect(updateDisplayName({ status: "idle" }, form("Mallory"))).rejects.toThrow(/NEXT_REDIRECT/);
    expect(await storedName()).toBe("Alice Example");
  });

  it("only ever changes the signed-in user's own row", async () => {
    const other = await database.db.user.create({ data: { name: "Bob Example", email: "bob@example.com" } });
    const data = form("Renamed");
    data.set("id", other.id);
    await updateDisplayName({ status: "idle" }, data);
    expect((await database.db.user.findUniqueOrThrow({ where: { id: other.id } })).name).toBe("Bob Example");
    expect(await storedName()).toBe("Renamed");
  });
});
