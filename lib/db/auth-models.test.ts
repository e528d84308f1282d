// The Auth.js models on a real database (in-memory PGlite, and the
// PostgreSQL server in TEST_DATABASE_URL when set): what the app and
// @auth/prisma-adapter rely on.
import { PrismaAdapter } from "@auth/prisma-adapter";
import type { AdapterAccount } from "next-auth/adapters";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "../../prisma/generated/client";
import { createTestDatabase, type TestDatabase } from "../../test/support/database";
import { integrationTargets, POSTGRES_TODO, postgresNotConfigured } from "../../test/support/database-targets";

const account = (userId: string, providerAccountId = "sub-1"): AdapterAccount => ({
  userId,
  type: "oidc",
  provider: "dev-idp",
  providerAccountId,
  access_token: "at",
  refresh_token: "rt",
  id_token: "idt",
  expires_at: 1_900_000_000,
  token_type: "bearer",
  scope: "openid email profile",
  session_state: "state",
});

/** The same fields, for `accounts: { create: … }` under a user (no userId). */
const nestedAccount = (providerAccountId = "sub-1") => {
  const { userId: _userId, ...rest } = account("", providerAccountId);
  return rest;
};

describe.each(integrationTargets())("Auth.js models on $name", ({ url }) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ url });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("creates a User with a nested Account in one statement, with defaults filled in", async () => {
    const user = await t.db.user.create({
      data: {
        email: "ada@example.com",
        name: "Ada",
        accounts: { create: nestedAccount() },
      },
      include: { accounts: true },
    });
    expect(user.id).toMatch(/^c[a-z0-9]{20,}$/); // cuid()
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(user.updatedAt).toBeInstanceOf(Date);
    expect(user.emailVerified).toBeNull();
    expect(user.accounts).toHaveLength(1);
    expect(user.accounts[0]).toMatchObject({ provider: "dev-idp", providerAccountId: "sub-1", expires_at: 1_900_000_000 });
  });

  it("rolls back the User when the nested Account cannot be created", async () => {
    const existing = await t.db.user.findUniqueOrThrow({ where: { email: "ada@example.com" } });
    expect(existing).toBeTruthy();
    await expect(
      t.db.user.create({
        data: { email: "eve@example.com", accounts: { create: nestedAccount() } },
      }),
    ).rejects.toMatchObject({ code: "P2002" });
    expect(await t.db.user.findUnique({ where: { email: "eve@example.com" } })).toBeNull();
  });

  it("enforces one account per (provider, providerAccountId) and unique emails", async () => {
    const other = await t.db.user.create({ data: { email: "bob@example.com" } });
    const error = await t.db.account.create({ data: account(other.id) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((error as Prisma.PrismaClientKnownRequestError).code).toBe("P2002");
    await expect(t.db.user.create({ data: { email: "bob@example.com" } })).rejects.toMatchObject({ code: "P2002" });
    // Same subject at another provider is a different account.
    await t.db.account.create({ data: { ...account(other.id), provider: "other-idp" } });
  });

  it("commits and rolls back interactive transactions", async () => {
    await t.db.$transaction(async (tx) => {
      const u = await tx.user.create({ data: { email: "tx@example.com" } });
      await tx.userSession.create({ data: { id: "tx-session", userId: u.id, provider: "dev-idp" } });
    });
    expect(await t.db.userSession.count({ where: { id: "tx-session" } })).toBe(1);

    await expect(
      t.db.$transaction(async (tx) => {
        await tx.user.create({ data: { email: "rolled-back@example.com" } });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await t.db.user.count({ where: { email: "rolled-back@example.com" } })).toBe(0);
  });

  it("deleting a User deletes its Accounts and session records (cascade)", async () => {
    const u = await t.db.user.create({
      data: {
        email: "gone@example.com",
        accounts: { create: nestedAccount("sub-gone") },
        userSessions: { create: { id: "gone-session", provider: "dev-idp" } },
      },
    });
    await t.db.user.delete({ where: { id: u.id } });
    expect(await t.db.account.count({ where: { userId: u.id } })).toBe(0);
    expect(await t.db.userSession.count({ where: { userId: u.id } })).toBe(0);
  });

  it("works with @auth/prisma-adapter end to end", async () => {
    const adapter = PrismaAdapter(t.db as unknown as Parameters<typeof PrismaAdapter>[0]);
    const user = await adapter.createUser!({
      id: "ignored-by-the-adapter",
      email: "grace@example.com",
      emailVerified: new Date("2025-01-01T00:00:00Z"),
      name: "Grace",
      image: null,
    });
    expect(user.email).toBe("grace@example.com");
    expect(user.emailVerified?.toISOString()).toBe("2025-01-01T00:00:00.000Z");

    await adapter.linkAccount!(account(user.id, "sub-grace"));
    expect((await adapter.getUserByAccount!({ provider: "dev-idp", providerAccountId: "sub-grace" }))?.id).toBe(user.id);
    expect(await adapter.getUserByEmail!("grace@example.com")).toMatchObject({ id: user.id });

    // Sessions are JWT cookies with records of our own (UserSession); Auth.js's database sessions are not used.
    const expires = new Date(Date.now() + 3_600_000);
    await adapter.createVerificationToken!({ identifier: "grace@example.com", token: "tok", expires });
    expect(await adapter.useVerificationToken!({ identifier: "grace@example.com", token: "tok" })).toMatchObject({
      identifier: "grace@example.com",
      token: "tok",
    });
    // A token works once.
    expect(await adapter.useVerificationToken!({ identifier: "grace@example.com", token: "tok" })).toBeNull();

    await adapter.unlinkAccount!({ provider: "dev-idp", providerAccountId: "sub-grace" });
    expect(await adapter.getUserByAccount!({ provider: "dev-idp", providerAccountId: "sub-grace" })).toBeNull();
    await adapter.deleteUser!(user.id);
    expect(await adapter.getUser!(user.id)).toBeNull();
  });
});

if (postgresNotConfigured()) it.todo(POSTGRES_TODO);
