import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { encryptedTokenColumns, readAccountTokens } from "@/lib/providers/tokens/store";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import { createSigningKeyStore } from "@/lib/api-tokens/signing-keys";
import { isEncryptedToken } from "@/lib/encryption/ciphertext";
import { createTokenKeyring, type TokenKeyring } from "@/lib/encryption/keyring";
import { encryptAllProviderTokens, encryptAllSecrets } from "@/lib/encryption/rewrite";

const OLD = "old-token-secret-0123456789abcdefghijklmnop";
const NEW = "new-token-secret-0123456789abcdefghijklmnop";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());
beforeEach(async () => {
  await database.db.account.deleteMany();
  await database.db.user.deleteMany();
  await database.db.apiSigningKey.deleteMany();
});

async function userWithAccount(
  provider: string,
  sub: string,
  tokens: { access_token: string | null; refresh_token: string | null; id_token: string | null },
) {
  const user = await database.db.user.create({ data: {} });
  await database.db.account.create({ data: { userId: user.id, type: "oidc", provider, providerAccountId: sub, ...tokens } });
  return user.id;
}

describe("npm run tokens:encrypt", () => {
  it("encrypts plaintext rows, moves old-key rows to the current key, leaves current ones, and is idempotent", async () => {
    const oldKeyring = await createTokenKeyring([OLD]);
    const keyring = await createTokenKeyring([NEW, OLD]);
    const plain = { access_token: "at-plain", refresh_token: "rt-plain", id_token: null };
    const legacyUser = await userWithAccount("dev-idp", "legacy", plain);
    const oldKeyUser = await userWithAccount(
      "dev-idp",
      "old-key",
      (await encryptedTokenColumns(
        oldKeyring,
        { provider: "dev-idp", providerAccountId: "old-key" },
        { access_token: "at-old", refresh_token: "rt-old", id_token: null },
      )) as typeof plain,
    );
    const currentColumns = await encryptedTokenColumns(
      keyring,
      { provider: "google", providerAccountId: "current" },
      { access_token: "at-now", refresh_token: null, id_token: null },
    );
    await userWithAccount("google", "current", currentColumns as typeof plain);

    expect(await encryptAllProviderTokens(database.db, keyring)).toEqual({ accounts: 3, rewritten: 2, unreadable: 0 });

    const newOnly = await createTokenKeyring([NEW]);
    for (const [userId, access, refresh] of [
      [legacyUser, "at-plain", "rt-plain"],
      [oldKeyUser, "at-old", "rt-old"],
    ] as const) {
      expect(await readAccountTokens(database.db, newOnly, userId, "dev-idp")).toMatchObject({
        accessToken: access,
        refreshToken: refresh,
        stale: false,
      });
    }
    const untouched = await database.db.account.findFirstOrThrow({ where: { provider: "google" } });
    expect(untouched.access_token).toBe(currentColumns.access_token);
    for (const row of await database.db.account.findMany()) {
      if (row.access_token) expect(isEncryptedToken(row.access_token)).toBe(true);
      if (row.refresh_token) expect(isEncryptedToken(row.refresh_token)).toBe(true);
    }

    expect(await encryptAllProviderTokens(database.db, keyring)).toEqual({ accounts: 3, rewritten: 0, unreadable: 0 });
  });

  it("leaves rows it cannot decrypt alone and says so", async () => {
    const gone = await createTokenKeyring(["removed-token-secret-0123456789abcdefghij"]);
    const columns = await encryptedTokenColumns(
      gone,
      { provider: "dev-idp", providerAccountId: "lost" },
      { access_token: "at", refresh_token: "rt", id_token: null },
    );
    await userWithAccount("dev-idp", "lost", columns as { access_token: string; refresh_token: string; id_token: null });
    const lines: string[] = [];
    expect(await encryptAllProviderTokens(database.db, await createTokenKeyring([NEW]), (l) => lines.push(l))).toEqual({
      accounts: 1,
      rewritten: 0,
      unreadable: 1,
    });
    expect(lines.join("\n")).toContain("unknown_key");
    expect((await database.db.account.findFirstOrThrow()).refresh_token).toBe(columns.refresh_token);
  });

  it("walks past one batch", async () => {
    for (let i = 0; i < 105; i++)
      await userWithAccount("dev-idp", `sub-${String(i).padStart(3, "0")}`, {
        access_token: `at-${i}`,
        refresh_token: null,
        id_token: null,
      });
    expect(await encryptAllProviderTokens(database.db, await createTokenKeyring([NEW]))).toEqual({
      accounts: 105,
      rewritten: 105,
      unreadable: 0,
    });
  });
});

describe("npm run tokens:encrypt: the API signing keys", () => {
  const NOW = new Date("2026-03-04T12:00:00Z");
  /** A store as an app instance runs it with this keyring (a fresh one holds no key in memory). */
  const storeWith = (keyring: TokenKeyring) => createSigningKeyStore({ db: database.db, keyring: async () => keyring });
  const kidOf = (ciphertext: string) => JSON.parse(Buffer.from(ciphertext.split(".")[0]!, "base64url").toString()).kid as string;

  it("moves every private key (retired ones too) to the current key, so the store still signs once the old key is dropped", async () => {
    const oldKeyring = await createTokenKeyring([OLD]);
    const lastWeek = await storeWith(oldKeyring).signingKey(new Date(NOW.getTime() - 7 * 24 * 3600_000));
    const current = await storeWith(oldKeyring).signingKey(NOW);
    const rotated = await createTokenKeyring([NEW, OLD]);

    expect((await encryptAllSecrets(database.db, rotated)).signingKeys).toEqual({ keys: 2, rewritten: 2, unreadable: 0 });

    const rows = await database.db.apiSigningKey.findMany();
    expect(rows.map((r) => kidOf(r.privateJwk))).toEqual([rotated.current.kid, rotated.current.kid]);
    const newOnly = await createTokenKeyring([NEW]);
    expect((await storeWith(newOnly).signingKey(NOW)).kid).toBe(current.kid);
    expect((await storeWith(newOnly).signingKey(new Date(NOW.getTime() - 7 * 24 * 3600_000))).kid).toBe(lastWeek.kid);

    // Idempotent: nothing left to do.
    expect((await encryptAllSecrets(database.db, rotated)).signingKeys).toEqual({ keys: 2, rewritten: 0, unreadable: 0 });
  });

  it("reports both kinds of secret in one run", async () => {
    const oldKeyring = await createTokenKeyring([OLD]);
    await storeWith(oldKeyring).signingKey(NOW);
    await userWithAccount("dev-idp", "plain", { access_token: "at", refresh_token: null, id_token: null });
    expect(await encryptAllSecrets(database.db, await createTokenKeyring([NEW, OLD]))).toEqual({
      providerTokens: { accounts: 1, rewritten: 1, unreadable: 0 },
      signingKeys: { keys: 1, rewritten: 1, unreadable: 0 },
    });
  });

  it("leaves a private key it cannot decrypt alone and says so", async () => {
    await storeWith(await createTokenKeyring(["removed-token-secret-0123456789abcdefghij"])).signingKey(NOW);
    const before = await database.db.apiSigningKey.findFirstOrThrow();
    const lines: string[] = [];
    const report = await encryptAllSecrets(database.db, await createTokenKeyring([NEW]), (l) => lines.push(l));
    expect(report.signingKeys).toEqual({ keys: 1, rewritten: 0, unreadable: 1 });
    expect(lines.join("\n")).toContain(`API signing key ${before.kid}: cannot decrypt (unknown_key)`);
    expect((await database.db.apiSigningKey.findFirstOrThrow()).privateJwk).toBe(before.privateJwk);
  });

  it("never overwrites a private key that changed after it was read (a concurrent run's rewrite stands)", async () => {
    await storeWith(await createTokenKeyring([OLD])).signingKey(NOW);
    const rotated = await createTokenKeyring([NEW, OLD]);
    let rivals = "";
    // Another run rewrites the row between this run's read and its write.
    const racing = new Proxy(database.db, {
      get(target, property) {
        if (property !== "apiSigningKey") return Reflect.get(target, property);
        return {
          findMany: async (args: Parameters<typeof target.apiSigningKey.findMany>[0]) => {
            const rows = await target.apiSigningKey.findMany(args);
            await encryptAllSecrets(target, rotated);
            rivals = (await target.apiSigningKey.findFirstOrThrow()).privateJwk;
            return rows;
          },
          updateMany: (args: Parameters<typeof target.apiSigningKey.updateMany>[0]) => target.apiSigningKey.updateMany(args),
        };
      },
    });
    expect((await encryptAllSecrets(racing, rotated)).signingKeys).toEqual({ keys: 1, rewritten: 0, unreadable: 0 });
    expect((await database.db.apiSigningKey.findFirstOrThrow()).privateJwk).toBe(rivals);
  });
});
