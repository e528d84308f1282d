import type { AdapterAccount } from "next-auth/adapters";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { createAuthAdapter } from "@/lib/auth/adapter";
import { ProviderAccountMismatchError } from "@/lib/auth/errors";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import { withAuthContext } from "@/lib/auth/request-context";

let database: TestDatabase;

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
  const adapter = createAuthAdapter(database.db);
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
    const adapter = createAuthAdapter(database.db);
    await adapter.createUser!({ id: crypto.randomUUID(), email: "orphan@example.com", emailVerified: null });
    expect(await database.db.user.count()).toBe(0);
  });

  it("leaves no user behind when the account cannot be written", async () => {
    const adapter = createAuthAdapter(database.db);
    const user = await adapter.createUser!({ id: crypto.randomUUID(), email: "broken@example.com", emailVerified: null });
    // A NUL character, which PostgreSQL text cannot hold: the account insert fails, and the user row
    // that would have come with it must not exist either.
    await expect(adapter.linkAccount!(account(user.id, "sub-\u0000-broken"))).rejects.toThrow();
    expect(await database.db.user.count()).toBe(0);
  });

  it("a later first sign-in of a provider account already stored continues as its user (the provider subject is the person)", async () => {
    const first = await firstSignIn("first@example.com", "same-sub");
    const second = await firstSignIn("changed@example.com", "same-sub");
    expect(second.id).toBe(first.id);
    expect(await database.db.user.count()).toBe(1);
    expect(await database.db.user.findUnique({ where: { email: "changed@example.com" } })).toBeNull();
  });

  it("two concurrent first sign-ins of the same person both succeed, as one user with one account", async () => {
    const results = await Promise.all([firstSignIn("race@example.com", "race-sub"), firstSignIn("race@example.com", "race-sub")]);
    const stored = await database.db.user.findMany({ include: { accounts: true } });
    expect(stored).toHaveLength(1);
    expect(stored[0]!.accounts).toHaveLength(1);
    // Both sign-ins carry the stored user's id (what Auth.js puts in the session), not a reservation that was never written.
    expect(results.map((user) => user.id)).toEqual([stored[0]!.id, stored[0]!.id]);
    expect(results[1]).toMatchObject({ email: "race@example.com", name: "N" });
  });

  it("an address taken a moment ago by a concurrent first sign-in of the same provider account is not a reason to refuse", async () => {
    const adapter = createAuthAdapter(database.db);
    // What Auth.js does in one callback request: no user for the provider account yet, then (the
    // other sign-in has committed meanwhile) a look-up of the address.
    const lookUps = await withAuthContext(async () => {
      const byAccount = await adapter.getUserByAccount!({ provider: "dev-idp", providerAccountId: "raced-sub" });
      await firstSignIn("raced@example.com", "raced-sub");
      const byEmail = await adapter.getUserByEmail!("raced@example.com");
      return Response.json({ byAccount, byEmail });
    })(new Request("http://localhost/api/auth/callback/dev-idp"));
    expect(await lookUps.json()).toEqual({ byAccount: null, byEmail: null });
    // The address of somebody else's account (another provider subject) is still reported.
    await firstSignIn("other@example.com", "other-sub");
    const other = await withAuthContext(async () => {
      await adapter.getUserByAccount!({ provider: "dev-idp", providerAccountId: "new-sub" });
      return Response.json(await adapter.getUserByEmail!("other@example.com"));
    })(new Request("http://localhost/api/auth/callback/dev-idp"));
    expect(await other.json()).toMatchObject({ email: "other@example.com" });
    // Outside a request (no look-up to relate it to), the stock answer.
    expect(await adapter.getUserByEmail!("raced@example.com")).toMatchObject({ email: "raced@example.com" });
  });

  it("answers Auth.js's second question about the same provider account in one callback without asking the database again", async () => {
    const user = await firstSignIn("twice@example.com", "twice-sub");
    let lookUps = 0;
    // The database, counting every query made through its user and account models.
    const counting = new Proxy(database.db, {
      get(target, property, receiver) {
        const model = Reflect.get(target, property, receiver);
        if (property !== "account" && property !== "user") return model;
        return new Proxy(model, {
          get(delegate, method, r) {
            const fn = Reflect.get(delegate, method, r);
            if (typeof fn !== "function") return fn;
            return (...args: unknown[]) => {
              lookUps += 1;
              return fn.apply(delegate, args);
            };
          },
        });
      },
    });
    const adapter = createAuthAdapter(counting);
    const key = { provider: "dev-idp", providerAccountId: "twice-sub" };
    const answers = await withAuthContext(async () => {
      const first = await adapter.getUserByAccount!(key);
      const second = await adapter.getUserByAccount!(key);
      const other = await adapter.getUserByAccount!({ provider: "dev-idp", providerAccountId: "someone-else" });
      return Response.json({ first: first?.id, second: second?.id, other });
    })(new Request("http://localhost/api/auth/callback/dev-idp"));
    expect(await answers.json()).toEqual({ first: user.id, second: user.id, other: null });
    expect(lookUps).toBe(2);
    // Each request asks afresh: nothing is remembered beyond the callback.
    await withAuthContext(async () => Response.json(await adapter.getUserByAccount!(key)))(
      new Request("http://localhost/api/auth/callback/dev-idp"),
    );
    expect(lookUps).toBe(3);
  });

  it("a first sign-in losing the race for an address to another provider account still fails (no account is joined by email)", async () => {
    const results = await Promise.allSettled([firstSignIn("taken@example.com", "sub-a"), firstSignIn("taken@example.com", "sub-b")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
    const stored = await database.db.user.findMany({ include: { accounts: true } });
    expect(stored).toHaveLength(1);
    expect(stored[0]!.accounts).toHaveLength(1);
  });

  it("refuses to link an account to an existing user unless their session asked for it (lib/auth/linking.test.ts covers the asked-for link)", async () => {
    const existing = await database.db.user.create({ data: { email: "linked@example.com" } });
    await expect(createAuthAdapter(database.db).linkAccount!(account(existing.id, "sub-linked"))).rejects.toMatchObject({
      name: "LinkNotRequestedError",
    });
    expect(await database.db.account.count({ where: { userId: existing.id } })).toBe(0);
  });

  it("writes who the account is and none of the tokens: a sign-in's tokens are stored in one place, encrypted, by its jwt callback", async () => {
    const user = await firstSignIn("secret@example.com", "sub-secret");
    const stored = await database.db.account.findFirstOrThrow({ where: { userId: user.id } });
    expect(stored).toMatchObject({
      provider: "dev-idp",
      providerAccountId: "sub-secret",
      access_token: null,
      refresh_token: null,
      id_token: null,
    });
  });

  it("refuses to link a second account at the same provider to one person (a reconnect as somebody else)", async () => {
    const user = await firstSignIn("one@example.com", "sub-one");
    await expect(createAuthAdapter(database.db).linkAccount!(account(user.id, "sub-other"))).rejects.toBeInstanceOf(
      ProviderAccountMismatchError,
    );
    expect((await database.db.account.findMany({ where: { userId: user.id } })).map((a) => a.providerAccountId)).toEqual(["sub-one"]);
  });
});
