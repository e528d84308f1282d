import "server-only";

import { readAccountTokens, reencryptTokens } from "@/lib/providers/tokens/store";
import type { Database } from "@/lib/db";
import { reencryptSigningKeys, type SigningKeyRewriteReport } from "@/lib/api-tokens/signing-keys";
import type { TokenKeyring } from "@/lib/encryption/keyring";

/**
 * `npm run tokens:encrypt`: rewrites every secret kept at rest under the keyring's current key, so
 * that the old key can then be dropped from TOKEN_ENCRYPTION_KEYS. Those secrets are the provider
 * tokens (Account: access, refresh and ID token, lib/providers/tokens/store.ts) and the API signing keys'
 * private halves (ApiSigningKey.privateJwk, lib/api-tokens/signing-keys.ts); nothing else is encrypted with
 * this keyring. Idempotent: a second run finds nothing to do. Safe while the app runs (on
 * PostgreSQL): every rewrite is a guarded UPDATE. Rows it cannot decrypt are left alone and counted.
 */

export interface SecretsReencryptionReport {
  providerTokens: ReencryptionReport;
  signingKeys: SigningKeyRewriteReport;
}

export async function encryptAllSecrets(
  db: Database,
  keyring: TokenKeyring,
  log: (line: string) => void = () => {},
): Promise<SecretsReencryptionReport> {
  const providerTokens = await encryptAllProviderTokens(db, keyring, log);
  const signingKeys = await reencryptSigningKeys(db, keyring, log);
  return { providerTokens, signingKeys };
}

/**
 * Every stored provider token that is still plaintext (rows from before encryption) or under an
 * older key (after a rotation), rewritten with the current key. Each rewrite is guarded by the
 * row's version, so a refresh landing at the same moment wins and the row is read again. Reads
 * tolerate both forms anyway: this is about not keeping plaintext or an old key's ciphertexts.
 */

export interface ReencryptionReport {
  accounts: number;
  rewritten: number;
  /** Encrypted under a key that is not configured any more (or tampered with): left alone. */
  unreadable: number;
}

const BATCH = 100;

export async function encryptAllProviderTokens(
  db: Database,
  keyring: TokenKeyring,
  log: (line: string) => void = () => {},
): Promise<ReencryptionReport> {
  const report: ReencryptionReport = { accounts: 0, rewritten: 0, unreadable: 0 };
  let cursor: { provider: string; providerAccountId: string } | undefined;
  for (;;) {
    const page = await db.account.findMany({
      select: { userId: true, provider: true, providerAccountId: true },
      orderBy: [{ provider: "asc" }, { providerAccountId: "asc" }],
      take: BATCH,
      ...(cursor ? { cursor: { provider_providerAccountId: cursor }, skip: 1 } : {}),
    });
    for (const account of page) {
      report.accounts += 1;
      for (let attempt = 0; attempt < 3; attempt++) {
        const tokens = await readAccountTokens(db, keyring, account.userId, account.provider);
        if (!tokens) break;
        if (tokens.undecryptable) {
          report.unreadable += 1;
          log(`${account.provider} account of user ${account.userId}: cannot decrypt (${tokens.undecryptable.reason}); left as is`);
          break;
        }
        if (!tokens.stale) break;
        if (await reencryptTokens(db, keyring, tokens)) {
          report.rewritten += 1;
          break;
        }
      }
    }
    const last = page.at(-1);
    if (!last || page.length < BATCH) return report;
    cursor = { provider: last.provider, providerAccountId: last.providerAccountId };
  }
}
