import "server-only";

import { hkdfSync } from "node:crypto";

import { base64url, calculateJwkThumbprint } from "jose";

/**
 * The keys that encrypt provider tokens at rest (lib/encryption/ciphertext.ts).
 *
 * Each configured secret becomes a 256-bit AES-GCM key through HKDF-SHA256 (RFC 5869), with a
 * salt and info of our own: the same AUTH_SECRET that Auth.js stretches into the session cookie's
 * key gives an unrelated key here, so neither ciphertext helps attack the other.
 *
 * Every key has a key id (the start of its RFC 7638 JWK thumbprint) that goes into each
 * ciphertext's protected header. That is what makes rotation possible: new writes use the first
 * (current) key, and a ciphertext is decrypted with whichever configured key its `kid` names.
 */

export interface TokenKey {
  kid: string;
  key: Uint8Array;
}

export interface TokenKeyring {
  /** Encrypts every new write. */
  current: TokenKey;
  /** Every key that may decrypt, by kid (the current one included). */
  byKid: ReadonlyMap<string, TokenKey>;
}

export class TokenKeyConfigError extends Error {
  override name = "TokenKeyConfigError";
}

const MIN_SECRET_LENGTH = 32;
const KID_LENGTH = 16;
const HKDF_SALT = "oauth-next-app/provider-tokens";
const HKDF_INFO = "A256GCM content encryption key v1";

/**
 * TOKEN_ENCRYPTION_KEYS: comma-separated secrets, the first one current, the others kept only to
 * read what they encrypted. Unset: the key is derived from AUTH_SECRET.
 *
 * AUTH_SECRET always stays readable (last), so moving from the fallback to dedicated keys needs no
 * extra step: set TOKEN_ENCRYPTION_KEYS, run `npm run tokens:encrypt`, and every row is rewritten
 * under the new key.
 */
export function parseTokenEncryptionKeys(raw: string | undefined, authSecret: string): string[] {
  const configured = (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const problems: string[] = [];
  configured.forEach((secret, i) => {
    if (secret.length < MIN_SECRET_LENGTH) {
      problems.push(
        `TOKEN_ENCRYPTION_KEYS: key ${i + 1} is too short (${secret.length} characters; at least ${MIN_SECRET_LENGTH}). ` +
          "Generate one with `openssl rand -base64 33`.",
      );
    }
    if (configured.indexOf(secret) !== i)
      problems.push(`TOKEN_ENCRYPTION_KEYS: key ${i + 1} repeats key ${configured.indexOf(secret) + 1}.`);
  });
  if (problems.length > 0) throw new TokenKeyConfigError(problems.join("\n"));
  return configured.includes(authSecret) ? configured : [...configured, authSecret];
}

function deriveKey(secret: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", secret, HKDF_SALT, HKDF_INFO, 32));
}

async function kidOf(key: Uint8Array): Promise<string> {
  return (await calculateJwkThumbprint({ kty: "oct", k: base64url.encode(key) }, "sha256")).slice(0, KID_LENGTH);
}

/** The first secret is current; the rest only decrypt. */
export async function createTokenKeyring(secrets: readonly string[]): Promise<TokenKeyring> {
  if (secrets.length === 0) throw new TokenKeyConfigError("At least one token encryption secret is needed.");
  const keys: TokenKey[] = [];
  for (const secret of secrets) {
    const key = deriveKey(secret);
    keys.push({ kid: await kidOf(key), key });
  }
  const byKid = new Map<string, TokenKey>();
  for (const k of keys) if (!byKid.has(k.kid)) byKid.set(k.kid, k);
  return { current: keys[0]!, byKid };
}
