import "server-only";

import type { Database } from "@/lib/db";
import type { ReconnectReason } from "@/lib/providers/errors";
import { decryptToken, encryptToken, TokenDecryptionError, type TokenField } from "@/lib/encryption/ciphertext";
import type { TokenKeyring } from "@/lib/encryption/keyring";

/**
 * The provider tokens in the Account row: every read decrypts, every write encrypts, and every
 * write that changes them is a single UPDATE guarded by what the writer knows (the version it
 * read, or the refresh lease it holds), so concurrent writers from any number of app instances
 * can never interleave into a mix of two token sets.
 *
 * No function here holds a transaction open: each is one statement. That matters for the
 * embedded PGlite, which serialises every query behind one lock while a transaction is open,
 * and it is what lets a refresh call the provider between two statements without blocking the
 * database (lib/providers/tokens/refresh.ts).
 */

export interface AccountKey {
  provider: string;
  providerAccountId: string;
}

export interface AccountTokens {
  key: AccountKey;
  userId: string;
  accessToken: string | null;
  refreshToken: string | null;
  idToken: string | null;
  /** Epoch seconds (Auth.js's `expires_at`). */
  expiresAt: number | null;
  version: number;
  reconnectRequired: { at: Date; reason: string } | null;
  /** Some token is still plaintext or under an old key: it should be rewritten. */
  stale: boolean;
  /** A token could not be decrypted (key removed, or the row was tampered with). */
  undecryptable: TokenDecryptionError | null;
}

/** What a sign-in or a refresh hands us, in the clear. */
export interface PlainTokens {
  accessToken: string | null;
  refreshToken: string | null;
  idToken: string | null;
  expiresAt: number | null;
  tokenType: string | null;
  scope: string | null;
}

export interface LeaseState {
  version: number;
  owner: string | null;
  /** By the database's clock, so app instances with skewed clocks agree. */
  expired: boolean;
}

const FIELDS: TokenField[] = ["access_token", "refresh_token", "id_token"];

function where(key: AccountKey) {
  return { provider_providerAccountId: { provider: key.provider, providerAccountId: key.providerAccountId } };
}

/** The three token columns, encrypted for this account; null stays null. */
export async function encryptedTokenColumns(
  keyring: TokenKeyring,
  key: AccountKey,
  tokens: Partial<Record<TokenField, string | null | undefined>>,
): Promise<Partial<Record<TokenField, string | null>>> {
  // Encrypted side by side: each is a trip through Node's crypto thread pool (WebCrypto).
  const entries = await Promise.all(
    FIELDS.filter((field) => tokens[field] !== undefined).map(async (field) => {
      const value = tokens[field]!;
      return [field, value === null ? null : await encryptToken(keyring, value, { field, ...key })] as const;
    }),
  );
  return Object.fromEntries(entries);
}

export async function readAccountTokens(
  db: Database,
  keyring: TokenKeyring,
  userId: string,
  provider: string,
): Promise<AccountTokens | null> {
  const row = await db.account.findUnique({ where: { userId_provider: { userId, provider } } });
  if (!row) return null;
  const key = { provider: row.provider, providerAccountId: row.providerAccountId };
  const plain: Record<TokenField, string | null> = { access_token: null, refresh_token: null, id_token: null };
  let stale = false;
  let undecryptable: TokenDecryptionError | null = null;
  for (const field of FIELDS) {
    const stored = row[field];
    if (stored === null) continue;
    try {
      const decrypted = await decryptToken(keyring, stored, { field, ...key });
      plain[field] = decrypted.value;
      stale ||= decrypted.stale;
    } catch (error) {
      if (!(error instanceof TokenDecryptionError)) throw error;
      undecryptable ??= error;
    }
  }
  return {
    key,
    userId: row.userId,
    accessToken: undecryptable ? null : plain.access_token,
    refreshToken: undecryptable ? null : plain.refresh_token,
    idToken: undecryptable ? null : plain.id_token,
    expiresAt: row.expires_at,
    version: row.tokenVersion,
    reconnectRequired: row.reconnectRequiredAt ? { at: row.reconnectRequiredAt, reason: row.reconnectReason ?? "unknown" } : null,
    stale,
    undecryptable,
  };
}

/**
 * Fresh tokens from a sign-in or reconnect: they replace whatever was stored and clear the
 * reconnect mark. The version bump and the cleared lease make any refresh still in flight
 * (which started from the old tokens) discard its result instead of overwriting these.
 */
export async function storeSignInTokens(db: Database, keyring: TokenKeyring, key: AccountKey, tokens: PlainTokens): Promise<void> {
  const columns = await encryptedTokenColumns(keyring, key, {
    access_token: tokens.accessToken,
    // Providers that issue a refresh token only on first consent (or never) send none on later
    // sign-ins; the one we hold is then still the one to use.
    refresh_token: tokens.refreshToken ?? undefined,
    id_token: tokens.idToken ?? undefined,
  });
  await db.account.update({
    where: where(key),
    data: {
      ...columns,
      expires_at: tokens.expiresAt,
      token_type: tokens.tokenType,
      scope: tokens.scope,
      tokenVersion: { increment: 1 },
      refreshLeaseOwner: null,
      refreshLeaseUntil: null,
      reconnectRequiredAt: null,
      reconnectReason: null,
    },
  });
}

/**
 * Takes the right to spend the refresh token, for everyone everywhere, if and only if nobody else
 * holds it, and the tokens are still the ones read at `version`. One conditional UPDATE: the
 * database decides the race, whatever the number of instances.
 */
export async function claimRefreshLease(db: Database, key: AccountKey, version: number, owner: string, leaseMs: number): Promise<boolean> {
  const claimed = await db.$executeRaw`
    UPDATE "Account"
       SET "refreshLeaseOwner" = ${owner},
           "refreshLeaseUntil" = now() + ${leaseMs}::integer * interval '1 millisecond'
     WHERE "provider" = ${key.provider}
       AND "providerAccountId" = ${key.providerAccountId}
       AND "tokenVersion" = ${version}
       AND "reconnectRequiredAt" IS NULL
       AND ("refreshLeaseUntil" IS NULL OR "refreshLeaseUntil" <= now())`;
  return claimed === 1;
}

export async function readLeaseState(db: Database, key: AccountKey): Promise<LeaseState | null> {
  const rows = await db.$queryRaw<{ version: number; owner: string | null; expired: boolean | null }[]>`
    SELECT "tokenVersion" AS "version",
           "refreshLeaseOwner" AS "owner",
           ("refreshLeaseUntil" IS NOT NULL AND "refreshLeaseUntil" <= now()) AS "expired"
      FROM "Account"
     WHERE "provider" = ${key.provider} AND "providerAccountId" = ${key.providerAccountId}`;
  const row = rows[0];
  return row ? { version: Number(row.version), owner: row.owner, expired: row.expired === true } : null;
}

/**
 * The lease holder's result: new tokens, version bump and lease release in one UPDATE, which only
 * applies while `owner` still holds the lease. False: the lease was taken from us (it expired and
 * someone else claimed it, or a sign-in replaced the tokens), and our result must not be stored.
 */
export async function saveRefreshedTokens(
  db: Database,
  keyring: TokenKeyring,
  key: AccountKey,
  owner: string,
  tokens: PlainTokens,
): Promise<boolean> {
  const columns = await encryptedTokenColumns(keyring, key, {
    access_token: tokens.accessToken,
    // A provider that does not rotate (Google) sends no new refresh token: the old one stays.
    refresh_token: tokens.refreshToken ?? undefined,
    id_token: tokens.idToken ?? undefined,
  });
  const { count } = await db.account.updateMany({
    where: { ...key, refreshLeaseOwner: owner },
    data: {
      ...columns,
      expires_at: tokens.expiresAt,
      ...(tokens.tokenType ? { token_type: tokens.tokenType } : {}),
      ...(tokens.scope ? { scope: tokens.scope } : {}),
      tokenVersion: { increment: 1 },
      refreshLeaseOwner: null,
      refreshLeaseUntil: null,
    },
  });
  return count === 1;
}

/** The attempt failed without spending anything we know of: give the lease back, tokens untouched. */
export async function releaseRefreshLease(db: Database, key: AccountKey, owner: string): Promise<boolean> {
  const { count } = await db.account.updateMany({
    where: { ...key, refreshLeaseOwner: owner },
    data: { refreshLeaseOwner: null, refreshLeaseUntil: null },
  });
  return count === 1;
}

/**
 * The grant is gone (invalid_grant, or no refresh token to try): remember it, so that nothing calls
 * the provider again until the person reconnects. The dead tokens are dropped; the ID token stays
 * as the logout hint. Guarded like every write: by the lease we hold, or by the version we read.
 */
export async function markReconnectRequired(
  db: Database,
  key: AccountKey,
  guard: { leaseOwner: string } | { version: number },
  reason: ReconnectReason,
): Promise<boolean> {
  const { count } = await db.account.updateMany({
    where: { ...key, ...("leaseOwner" in guard ? { refreshLeaseOwner: guard.leaseOwner } : { tokenVersion: guard.version }) },
    data: {
      access_token: null,
      refresh_token: null,
      reconnectRequiredAt: new Date(),
      reconnectReason: reason,
      tokenVersion: { increment: 1 },
      refreshLeaseOwner: null,
      refreshLeaseUntil: null,
    },
  });
  return count === 1;
}

/**
 * Sign-out: forget every token (they are about to be revoked at the provider, or could not be),
 * if they are still the ones read at `version`.
 */
export async function forgetTokens(db: Database, key: AccountKey, version: number): Promise<boolean> {
  const { count } = await db.account.updateMany({
    where: { ...key, tokenVersion: version },
    data: {
      access_token: null,
      refresh_token: null,
      id_token: null,
      expires_at: null,
      reconnectRequiredAt: new Date(),
      reconnectReason: "signed_out" satisfies ReconnectReason,
      tokenVersion: { increment: 1 },
      refreshLeaseOwner: null,
      refreshLeaseUntil: null,
    },
  });
  return count === 1;
}

/**
 * Rewrites legacy plaintext or old-key tokens under the current key. Same values, so no version
 * bump; guarded by the version so that it never overwrites a refresh that landed in between.
 */
export async function reencryptTokens(db: Database, keyring: TokenKeyring, tokens: AccountTokens): Promise<boolean> {
  if (tokens.undecryptable) return false;
  const columns = await encryptedTokenColumns(keyring, tokens.key, {
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken,
    id_token: tokens.idToken,
  });
  const { count } = await db.account.updateMany({ where: { ...tokens.key, tokenVersion: tokens.version }, data: columns });
  return count === 1;
}

export interface AccountConnection {
  provider: string;
  providerAccountId: string;
  state: "connected" | "reconnect_required";
  reconnectReason: string | null;
  /** Epoch seconds. */
  expiresAt: number | null;
  canRefresh: boolean;
}

/** For the accounts page: state from the columns alone, no decryption and no provider call. */
export async function listAccountConnections(db: Database, userId: string): Promise<AccountConnection[]> {
  const rows = await db.account.findMany({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: {
      provider: true,
      providerAccountId: true,
      access_token: true,
      refresh_token: true,
      expires_at: true,
      reconnectRequiredAt: true,
      reconnectReason: true,
    },
  });
  return rows.map((row) => {
    const usable = row.refresh_token !== null || row.access_token !== null;
    return {
      provider: row.provider,
      providerAccountId: row.providerAccountId,
      state: row.reconnectRequiredAt || !usable ? "reconnect_required" : "connected",
      reconnectReason: row.reconnectReason ?? (usable ? null : "no_refresh_token"),
      expiresAt: row.expires_at,
      canRefresh: row.refresh_token !== null,
    };
  });
}
