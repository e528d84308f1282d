import type { AdapterAccount } from "next-auth/adapters";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { createAuthAdapter } from "@/lib/auth-adapter";
import { ProviderAccountMismatchError } from "@/lib/auth-errors";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-database";
import { isEncryptedToken } from "@/lib/token-crypto";
import { createTokenKeyring } from "@/lib/token-keys";

let database: TestDatabase;
const keyring = () => createTokenKeyring(["adapter-test-secret-0123456789abcdefghijkl"]);

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());
beforeEach(async () => {
  await database.db.account.deleteMany();
  await database.db.user.deleteMany();
});

function account(userId: string, providerAccountId: string): AdapterAccount {
  return {
    userId,
    type: "oidc",
    provider: "dev-idp",
    providerAccountId,
    access_token: "at",
    refresh_token: "rt",
    expires_at: 2_000_000_000,
    token_type: "bearer",
  };
}

/** What Auth.js does for a first sign-in: createUser, then linkAccount. */
async function firstSignIn(email: string, sub: string) {
  const adapter = createAuthAdapter(database.db, keyring);
  const user = await adapter.createUser!({ id: crypto.randomUUID(), email, emailVerified: null, name: "N", image: null });
  await adapter.linkAccount!(account(user.id, sub));
  return user;
}

describe("createAuthAdapter", () => {
  it("writes the new user and their account together, under the id Auth.js puts in the session", async () => {
    const user = await firstSignIn("new@example.com", "sub-1");
    const stored = await database.db.user.findUniqueOrThrow({ where: { id: user.id }, include: { accounts: true } });
    expect(stored.email).toBe("new@example.com");
    expect(stored.accounts.map((a) => a.providerAccountId)).toEqual(["sub-1"]);
  });

  it("writes nothing for createUser alone: a sign-in that fails before linking leaves no orphan user", async () => {
    const adapter = createAuthAdapter(database.db, keyring);
    await adapter.createUser!({ id: crypto.randomUUID(), email: "orphan@example.com", emailVerified: null });
    expect(await database.db.user.count()).toBe(0);
  });

  it("leaves no user behind when the account cannot be written", async () => {
    await firstSignIn("first@example.com", "same-sub");
    // A second person racing for the same provider account: the account insert fails, and the
    // user row that would have come with it must not exist either.
    await expect(firstSignIn("second@example.com", "same-sub")).rejects.toThrow();
    expect(await database.db.user.count()).toBe(1);
    expect(await database.db.user.findUnique({ where: { email: "second@example.com" } })).toBeNull();
  });

  it("two concurrent first sign-ins of the same person produce exactly one user and one account", async () => {
    const results = await Promise.allSettled([
      firstSignIn("race@example.com", "race-sub"),
      firstSignIn("race@example.com", "race-sub"),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await database.db.user.count()).toBe(1);
    expect(await database.db.account.count()).toBe(1);
  });

  it("refuses to link an account to an existing user unless their session asked for it (lib/account-linking.test.ts covers the asked-for link)", async () => {
    const existing = await database.db.user.create({ data: { email: "linked@example.com" } });
    await expect(createAuthAdapter(database.db, keyring).linkAccount!(account(existing.id, "sub-linked"))).rejects.toMatchObject({
      name: "LinkNotRequestedError",
    });
    expect(await database.db.account.count({ where: { userId: existing.id } })).toBe(0);
  });

  it("never writes a provider token in plaintext, not even on the first sign-in", async () => {
    const user = await firstSignIn("secret@example.com", "sub-secret");
    const stored = await database.db.account.findFirstOrThrow({ where: { userId: user.id } });
    for (const value of [stored.access_token, stored.refresh_token]) {
      expect(value).not.toBe("at");
      expect(value).not.toBe("rt");
      expect(isEncryptedToken(value!)).toBe(true);
    }
    expect(stored.id_token).toBeNull();
  });

  it("refuses to link a second account at the same provider to one person (a reconnect as somebody else)", async () => {
    const user = await firstSignIn("one@example.com", "sub-one");
    await expect(createAuthAdapter(database.db, keyring).linkAccount!(account(user.id, "sub-other"))).rejects.toBeInstanceOf(
      ProviderAccountMismatchError,
    );
    expect((await database.db.account.findMany({ where: { userId: user.id } })).map((a) => a.providerAccountId)).toEqual([
      "sub-one",
    ]);
  });
});
