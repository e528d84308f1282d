/**
 * The API's signing keys on a real database, with a fake clock (every call takes `now`): created
 * on first use, one per rotation period whichever instance asks first, published ahead of use and
 * for as long as a token they signed can be valid, and never with a private part outside the
 * encrypted column.
 */
import { compactDecrypt, decodeProtectedHeader, jwtVerify, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import {
  createSigningKeyStore,
  MAX_SIGNED_TOKEN_LIFETIME_MS,
  periodOf,
  ROTATION_PERIOD_MS,
  SIGNING_ALG,
  type SigningKeyStore,
} from "@/lib/api-tokens/signing-keys";
import { createTokenKeyring, type TokenKeyring } from "@/lib/encryption/keyring";

const SECRET = "signing-keys-test-secret-0123456789abcdefghij";
const HOUR = 60 * 60 * 1000;
const MINUTE = 60 * 1000;

let database: TestDatabase;
let keyring: TokenKeyring;

/** The start of some rotation period, and times measured from it. */
const PERIOD = periodOf(new Date("2026-03-02T12:00:00.000Z"));
const periodStart = (period = PERIOD) => period * ROTATION_PERIOD_MS;
const at = (ms: number) => new Date(periodStart() + ms);

function newStore(): SigningKeyStore {
  return createSigningKeyStore({ db: database.db, keyring: async () => keyring });
}

const kids = (keys: readonly JWK[]) => keys.map((k) => k.kid).sort();

beforeAll(async () => {
  database = await createTestDatabase();
  keyring = await createTokenKeyring([SECRET]);
});
afterAll(() => database?.close());
beforeEach(async () => {
  await database.db.apiSigningKey.deleteMany();
});

async function sign(store: SigningKeyStore, now: Date): Promise<string> {
  const key = await store.signingKey(now);
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ sub: "user" })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setIssuedAt(iat)
    .setExpirationTime(iat + 900)
    .sign(key.privateKey);
}

/** Verifies as lib/api-tokens/access-token.ts does: the key named by kid, if published at `now`, else nothing. */
async function verifies(store: SigningKeyStore, token: string, now: Date): Promise<boolean> {
  const { kid } = decodeProtectedHeader(token);
  const key = await store.verificationKey(kid!, now);
  if (!key) return false;
  await jwtVerify(token, key, { algorithms: [SIGNING_ALG], currentDate: now });
  return true;
}

describe("key creation", () => {
  it("creates the period's ES256 key on first use and keeps using it for the whole period", async () => {
    const store = newStore();
    expect(await database.db.apiSigningKey.count()).toBe(0);
    const first = await store.signingKey(at(MINUTE));
    const later = await store.signingKey(at(ROTATION_PERIOD_MS - 2 * HOUR));
    expect(later.kid).toBe(first.kid);
    expect(first.alg).toBe("ES256");
    const rows = await database.db.apiSigningKey.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kid: first.kid,
      period: PERIOD,
      signsFrom: at(0),
      signsUntil: at(ROTATION_PERIOD_MS),
      publishedUntil: at(ROTATION_PERIOD_MS + MAX_SIGNED_TOKEN_LIFETIME_MS),
    });
  });

  it("a restarted instance signs with the key already in the database, not a new one", async () => {
    const before = await newStore().signingKey(at(MINUTE));
    const after = await newStore().signingKey(at(2 * MINUTE));
    expect(after.kid).toBe(before.kid);
    expect(await database.db.apiSigningKey.count()).toBe(1);
  });

  it("the JWKS creates the current key when nothing has signed yet, so a verifier fetching first finds it", async () => {
    const published = await newStore().publishedKeys(at(MINUTE));
    expect(published).toHaveLength(1);
    expect((await newStore().signingKey(at(2 * MINUTE))).kid).toBe(published[0]!.kid);
  });
});

describe("one current key, however many callers", () => {
  it("concurrent callers in one instance all get the same key and create one row", async () => {
    const store = newStore();
    const keys = await Promise.all(Array.from({ length: 10 }, () => store.signingKey(at(MINUTE))));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    expect(await database.db.apiSigningKey.count()).toBe(1);
  });

  it("five instances racing to create the period's key all end up signing with the winner's", async () => {
    const stores = Array.from({ length: 5 }, newStore);
    const keys = await Promise.all(stores.map((s) => s.signingKey(at(MINUTE))));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    expect(await database.db.apiSigningKey.count()).toBe(1);
    // And each can verify what any other signed.
    const token = await sign(stores[0]!, at(MINUTE));
    for (const store of stores) expect(await verifies(store, token, at(2 * MINUTE))).toBe(true);
  });
});

describe("rotation", () => {
  it("publishes the next period's key an hour ahead, even in an instance that has been signing all period", async () => {
    const store = newStore();
    const current = await store.signingKey(at(MINUTE));
    // The last hour of the period: the same key still signs, and the next one is already listed.
    expect((await store.signingKey(at(ROTATION_PERIOD_MS - 30 * MINUTE))).kid).toBe(current.kid);
    const listed = await newStore().publishedKeys(at(ROTATION_PERIOD_MS - 29 * MINUTE));
    expect(listed).toHaveLength(2);
    const next = await store.signingKey(at(ROTATION_PERIOD_MS));
    expect(next.kid).not.toBe(current.kid);
    expect(kids(listed)).toEqual([current.kid, next.kid].sort());
  });

  it("a JWKS fetch in the last hour lists the next key even when nothing signed in that hour", async () => {
    await newStore().signingKey(at(MINUTE));
    const listed = await newStore().publishedKeys(at(ROTATION_PERIOD_MS - 10 * MINUTE));
    const next = await newStore().signingKey(at(ROTATION_PERIOD_MS + MINUTE));
    expect(kids(listed)).toContain(next.kid);
  });

  it("keeps the previous key published and accepted until its last token has expired, then drops it", async () => {
    const store = newStore();
    const old = await store.signingKey(at(MINUTE));
    // The last token the old key signs, one second before the period ends.
    const lastOldToken = await sign(store, at(ROTATION_PERIOD_MS - 1000));
    const fresh = await store.signingKey(at(ROTATION_PERIOD_MS));
    expect(fresh.kid).not.toBe(old.kid);

    const stillValid = at(ROTATION_PERIOD_MS + 14 * MINUTE);
    expect(kids(await store.publishedKeys(stillValid))).toEqual([old.kid, fresh.kid].sort());
    expect(await verifies(store, lastOldToken, stillValid)).toBe(true);

    const afterLastExpiry = at(ROTATION_PERIOD_MS + MAX_SIGNED_TOKEN_LIFETIME_MS + 1000);
    expect(kids(await store.publishedKeys(afterLastExpiry))).toEqual([fresh.kid]);
    expect(await store.verificationKey(old.kid, afterLastExpiry)).toBeNull();
  });

  it("a key two periods old is neither published nor accepted", async () => {
    const store = newStore();
    const ancient = await store.signingKey(at(MINUTE));
    await store.signingKey(at(ROTATION_PERIOD_MS + MINUTE));
    const now = at(2 * ROTATION_PERIOD_MS + MINUTE);
    const current = await store.signingKey(now);
    const listed = kids(await store.publishedKeys(now));
    expect(listed).not.toContain(ancient.kid);
    expect(listed).toContain(current.kid);
    expect(await store.verificationKey(ancient.kid, now)).toBeNull();
  });

  it("an instance that cached the published set still accepts a key another instance created since (reload on unknown kid)", async () => {
    const verifier = newStore();
    const signer = newStore();
    await verifier.publishedKeys(at(MINUTE));
    // The next period: another instance creates and signs with the new key.
    const token = await sign(signer, at(ROTATION_PERIOD_MS + MINUTE));
    expect(await verifies(verifier, token, at(ROTATION_PERIOD_MS + MINUTE + 10_000))).toBe(true);
  });

  it("answers the JWKS from memory: a stream of anonymous requests costs no query until the set is due again", async () => {
    let queries = 0;
    const counted = database.db.$extends({
      query: {
        $allOperations({ args, query }) {
          queries += 1;
          return query(args);
        },
      },
    }) as unknown as typeof database.db;
    const store = createSigningKeyStore({ db: counted, keyring: async () => keyring });
    const first = await store.publishedKeys(at(MINUTE));
    const afterFirst = queries;
    expect(afterFirst).toBeGreaterThan(0);
    for (let i = 0; i < 100; i++) expect(await store.publishedKeys(at(MINUTE + i * 100))).toBe(first);
    expect(queries).toBe(afterFirst);
    // A minute later the set is read again (another instance may have created a key).
    await store.publishedKeys(at(3 * MINUTE));
    expect(queries).toBeGreaterThan(afterFirst);
  });

  it("lists a key this instance creates at once, without waiting for the set to be due", async () => {
    const store = newStore();
    const before = kids(await store.publishedKeys(at(ROTATION_PERIOD_MS - 2 * HOUR)));
    expect(before).toHaveLength(1);
    // The last hour of the period: the next key is created and listed by the next request.
    const after = kids(await store.publishedKeys(at(ROTATION_PERIOD_MS - 59 * MINUTE)));
    expect(after).toHaveLength(2);
    expect(after).toEqual(expect.arrayContaining(before));
  });

  it("an unknown kid is refused, never answered with some other key", async () => {
    const store = newStore();
    await store.signingKey(at(MINUTE));
    expect(await store.verificationKey("no-such-kid", at(2 * MINUTE))).toBeNull();
  });
});

describe("no private parts outside the encrypted column", () => {
  it("published keys are public EC P-256 signing keys with their kid, and nothing private", async () => {
    const store = newStore();
    await store.signingKey(at(ROTATION_PERIOD_MS - 30 * MINUTE)); // also creates the next period's key
    const listed = await store.publishedKeys(at(ROTATION_PERIOD_MS - 29 * MINUTE));
    expect(listed).toHaveLength(2);
    for (const jwk of listed) {
      expect(Object.keys(jwk).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
      expect(jwk).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
      expect(jwk).not.toHaveProperty("d");
    }
  });

  it("the stored private key is a JWE that only the token keyring opens, bound to its kid", async () => {
    const { kid } = await newStore().signingKey(at(MINUTE));
    const row = await database.db.apiSigningKey.findUniqueOrThrow({ where: { kid } });
    expect(row.publicJwk).not.toContain('"d"');
    expect(row.privateJwk.split(".")).toHaveLength(5);
    expect(row.privateJwk).not.toContain('"d"');
    // Another deployment's keys cannot open it.
    const otherKeyring = await createTokenKeyring(["another-deployment-secret-0123456789abcdef"]);
    const other = createSigningKeyStore({ db: database.db, keyring: async () => otherKeyring });
    await expect(other.signingKey(at(2 * MINUTE))).rejects.toThrow();
    await expect(compactDecrypt(row.privateJwk, new Uint8Array(32))).rejects.toThrow();
  });
});
