import "server-only";

import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";

import type { Database } from "@/lib/db";
import { decryptSecret, encryptSecret, TokenDecryptionError } from "@/lib/encryption/ciphertext";
import type { TokenKeyring } from "@/lib/encryption/keyring";

/**
 * The keys that sign the API's bearer tokens (lib/api-tokens/access-token.ts), shared by every instance and
 * kept across restarts: they live in the database (ApiSigningKey), the private half encrypted at
 * rest with the provider-token keys (lib/encryption/ciphertext.ts), so a database dump cannot mint tokens.
 *
 * Rotation by age, with no coordination between instances: time is cut into periods
 * (ROTATION_PERIOD_MS) and each period has exactly one key, created by whichever instance needs it
 * first (the period column is unique; an instance that loses the race reads the winner's key).
 * A key signs only during its period and stays published, and accepted, until the last token it
 * signed has expired. The next period's key is created an hour before it takes over, so
 * /.well-known/jwks.json lists it before any token signed with it exists (external verifiers that
 * cache the set are not surprised).
 *
 * In memory (per process) are only the current private key and the published public keys, which
 * never change once written (a key id is its thumbprint); the public set is re-read every minute,
 * at once when this instance creates a key, and at once (at most every 5 s) when a token names a
 * key id it does not hold yet. /.well-known/jwks.json is answered from that copy: an anonymous
 * request costs no query and no key import.
 */

export const SIGNING_ALG = "ES256";
export const ROTATION_PERIOD_MS = 7 * 24 * 60 * 60 * 1000;
/** Longest life of a token signed with these keys, plus the clock skew verifiers allow. */
export const MAX_SIGNED_TOKEN_LIFETIME_MS = 15 * 60 * 1000 + 60 * 1000;
const PREPUBLISH_MS = 60 * 60 * 1000;
const PUBLIC_SET_TTL_MS = 60 * 1000;
const UNKNOWN_KID_RELOAD_MS = 5 * 1000;

export interface SigningKey {
  kid: string;
  alg: typeof SIGNING_ALG;
  privateKey: CryptoKey;
}

export interface SigningKeyStore {
  /** The key that signs at `now`, created when the period has none yet. */
  signingKey(now: Date): Promise<SigningKey>;
  /** The public key for `kid` if it is published at `now`; null for anything else (no fallback). */
  verificationKey(kid: string, now: Date): Promise<CryptoKey | null>;
  /** The public JWKs published at `now`, for /.well-known/jwks.json (the same array while nothing changes). */
  publishedKeys(now: Date): Promise<readonly JWK[]>;
}

export interface SigningKeyStoreDeps {
  db: Database;
  keyring: () => Promise<TokenKeyring>;
}

interface PublishedKey {
  key: CryptoKey;
  jwk: JWK;
  publishedUntil: number;
}

/** What the encrypted private key is bound to: this key, of this store. */
function secretContext(kid: string): string {
  return `api-signing-key\u0000${kid}`;
}

export function periodOf(now: Date): number {
  return Math.floor(now.getTime() / ROTATION_PERIOD_MS);
}

export function createSigningKeyStore(deps: SigningKeyStoreDeps): SigningKeyStore {
  const { db } = deps;
  let current: { period: number; key: SigningKey } | undefined;
  let published: { loadedAt: number; keys: Map<string, PublishedKey> } | undefined;
  let lastReload = 0;
  /** The period whose successor's key is known to exist. */
  let nextCreatedFor: number | undefined;
  /** The period whose own key is known to exist. */
  let currentCreatedFor: number | undefined;
  /** The last JWKS answer, kept while the published set and every key's publication hold. */
  let listed: { from: Map<string, PublishedKey>; until: number; keys: readonly JWK[] } | undefined;

  async function createKeyFor(period: number): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk, "sha256");
    const privateJwk = await exportJWK(privateKey);
    const signsFrom = period * ROTATION_PERIOD_MS;
    const signsUntil = signsFrom + ROTATION_PERIOD_MS;
    await db.apiSigningKey.createMany({
      data: [
        {
          kid,
          period,
          alg: SIGNING_ALG,
          publicJwk: JSON.stringify({ ...publicJwk, kid, alg: SIGNING_ALG, use: "sig" }),
          privateJwk: await encryptSecret(await deps.keyring(), JSON.stringify(privateJwk), secretContext(kid)),
          signsFrom: new Date(signsFrom),
          signsUntil: new Date(signsUntil),
          publishedUntil: new Date(signsUntil + MAX_SIGNED_TOKEN_LIFETIME_MS),
        },
      ],
      // Another instance created this period's key first: theirs is the one.
      skipDuplicates: true,
    });
    // The set to publish has changed: read it again at the next request.
    published = undefined;
  }

  async function keyRowFor(period: number) {
    const select = { kid: true, privateJwk: true } as const;
    const existing = await db.apiSigningKey.findUnique({ where: { period }, select });
    if (existing) return existing;
    await createKeyFor(period);
    return db.apiSigningKey.findUniqueOrThrow({ where: { period }, select });
  }

  async function loadPublished(now: number): Promise<Map<string, PublishedKey>> {
    const rows = await db.apiSigningKey.findMany({
      where: { publishedUntil: { gt: new Date(now) } },
      select: { kid: true, publicJwk: true, publishedUntil: true },
    });
    const keys = new Map<string, PublishedKey>();
    for (const row of rows) {
      const jwk = JSON.parse(row.publicJwk) as JWK;
      keys.set(row.kid, { jwk, key: (await importJWK(jwk, SIGNING_ALG)) as CryptoKey, publishedUntil: row.publishedUntil.getTime() });
    }
    published = { loadedAt: now, keys };
    lastReload = now;
    return keys;
  }

  /**
   * In the last hour of a period, make sure the next period's key exists, so that every JWKS served
   * from then on lists it before it signs anything. Checked on every call, not only when the period
   * changes: an instance that signed early in the period holds its key in memory all week.
   */
  async function createNextKeyWhenDue(period: number, now: number): Promise<void> {
    if (nextCreatedFor === period || now < (period + 1) * ROTATION_PERIOD_MS - PREPUBLISH_MS) return;
    await keyRowFor(period + 1);
    nextCreatedFor = period;
    // Perhaps another instance created it: publish what the database holds now.
    published = undefined;
  }

  async function publishedAt(now: number, reloadFor?: string): Promise<Map<string, PublishedKey>> {
    if (!published || now - published.loadedAt >= PUBLIC_SET_TTL_MS || now < published.loadedAt) return loadPublished(now);
    if (reloadFor !== undefined && !published.keys.has(reloadFor) && now - lastReload >= UNKNOWN_KID_RELOAD_MS) {
      return loadPublished(now);
    }
    return published.keys;
  }

  return {
    async signingKey(now) {
      const period = periodOf(now);
      if (current?.period === period) {
        await createNextKeyWhenDue(period, now.getTime());
        return current.key;
      }
      const row = await keyRowFor(period);
      await createNextKeyWhenDue(period, now.getTime());
      const { value } = await decryptSecret(await deps.keyring(), row.privateJwk, secretContext(row.kid));
      const privateKey = (await importJWK(JSON.parse(value) as JWK, SIGNING_ALG)) as CryptoKey;
      const key: SigningKey = { kid: row.kid, alg: SIGNING_ALG, privateKey };
      current = { period, key };
      return key;
    },

    async verificationKey(kid, now) {
      const t = now.getTime();
      const found = (await publishedAt(t, kid)).get(kid);
      return found && found.publishedUntil > t ? found.key : null;
    },

    async publishedKeys(now) {
      const t = now.getTime();
      const period = periodOf(now);
      // Make sure the current key exists, so a verifier fetching the set first finds it.
      if (currentCreatedFor !== period) {
        await keyRowFor(period);
        currentCreatedFor = period;
        published = undefined;
      }
      await createNextKeyWhenDue(period, t);
      const keys = await publishedAt(t);
      if (listed?.from === keys && t < listed.until) return listed.keys;
      const live = [...keys.values()].filter((k) => k.publishedUntil > t);
      const until = Math.min(...live.map((k) => k.publishedUntil));
      listed = { from: keys, until, keys: Object.freeze(live.map((k) => k.jwk)) };
      return listed.keys;
    },
  };
}

export interface SigningKeyRewriteReport {
  keys: number;
  rewritten: number;
  /** Encrypted under a key that is not configured any more (or tampered with): left alone. */
  unreadable: number;
}

/**
 * `npm run tokens:encrypt`: every stored private key (retired ones too: a dump must not hold one
 * under a key that is about to be dropped) rewritten under the keyring's current key, so that
 * dropping the old TOKEN_ENCRYPTION_KEYS entry does not leave POST /api/token unable to sign.
 * Idempotent. Safe while the app runs: the UPDATE applies only to the ciphertext that was read, and
 * a key's plaintext never changes, so a concurrent rewrite is simply the one that counts.
 */
export async function reencryptSigningKeys(
  db: Database,
  keyring: TokenKeyring,
  log: (line: string) => void = () => {},
): Promise<SigningKeyRewriteReport> {
  const report: SigningKeyRewriteReport = { keys: 0, rewritten: 0, unreadable: 0 };
  // One row per week of rotation: a handful, no paging needed.
  const rows = await db.apiSigningKey.findMany({ select: { kid: true, privateJwk: true }, orderBy: { period: "asc" } });
  for (const row of rows) {
    report.keys += 1;
    const decrypted = await decryptSecret(keyring, row.privateJwk, secretContext(row.kid)).catch((error: unknown) => {
      if (error instanceof TokenDecryptionError) return error;
      throw error;
    });
    if (decrypted instanceof TokenDecryptionError) {
      report.unreadable += 1;
      log(`API signing key ${row.kid}: cannot decrypt (${decrypted.reason}); left as is`);
      continue;
    }
    if (!decrypted.stale) continue;
    const privateJwk = await encryptSecret(keyring, decrypted.value, secretContext(row.kid));
    const { count } = await db.apiSigningKey.updateMany({ where: { kid: row.kid, privateJwk: row.privateJwk }, data: { privateJwk } });
    report.rewritten += count;
  }
  return report;
}
