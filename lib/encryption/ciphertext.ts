import "server-only";

import { createHash } from "node:crypto";

import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, type CompactJWEHeaderParameters } from "jose";

import type { TokenKeyring } from "@/lib/encryption/keyring";

/**
 * Provider tokens at rest: each one is a compact JWE (RFC 7516) with `alg: dir`, `enc: A256GCM`
 * and the key's `kid` in the protected header, so a database dump or backup holds no usable
 * access, refresh or ID token.
 *
 * The protected header also binds the ciphertext to where it is stored (`ctx`: which token of which
 * account). The header is authenticated, so someone who can write to the database cannot move
 * Alice's encrypted refresh token into Mallory's row and have the app use it on Mallory's behalf.
 *
 * Other secrets at rest (the API's private signing keys, lib/api-tokens/signing-keys.ts) use the same format
 * through `encryptSecret` / `decryptSecret`, bound to a context of their own; unlike provider
 * tokens they have no plaintext past, so anything that is not our ciphertext is refused.
 */

export type TokenField = "access_token" | "refresh_token" | "id_token";

export interface TokenSlot {
  field: TokenField;
  provider: string;
  providerAccountId: string;
}

export interface DecryptedToken {
  value: string;
  /** Stored in plaintext (before encryption existed) or under an older key: rewrite it. */
  stale: boolean;
}

export class TokenDecryptionError extends Error {
  override name = "TokenDecryptionError";
  constructor(
    readonly reason: "unknown_key" | "tampered" | "wrong_slot",
    message: string,
  ) {
    super(message);
  }
}

const ALG = "dir";
const ENC = "A256GCM";

/** A short, opaque tag for a context: the header names no provider or account in the clear. */
function contextTag(context: string): string {
  return createHash("sha256").update(context).digest("base64url").slice(0, 22);
}

function slotContext(slot: TokenSlot): string {
  return `${slot.field}\u0000${slot.provider}\u0000${slot.providerAccountId}`;
}

async function encryptFor(keyring: TokenKeyring, plaintext: string, context: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({ alg: ALG, enc: ENC, kid: keyring.current.kid, ctx: contextTag(context) })
    .encrypt(keyring.current.key);
}

export function encryptToken(keyring: TokenKeyring, plaintext: string, slot: TokenSlot): Promise<string> {
  return encryptFor(keyring, plaintext, slotContext(slot));
}

/**
 * Any other secret at rest. `context` says what it is and where it belongs (e.g.
 * `api-signing-key\u0000<kid>`) and must differ from every other secret's; it never starts with a
 * provider token field name.
 */
export function encryptSecret(keyring: TokenKeyring, plaintext: string, context: string): Promise<string> {
  return encryptFor(keyring, plaintext, context);
}

/** Ours: a five-part compact JWE whose header has our algorithms, a key id and a slot tag. */
function ownHeader(stored: string): CompactJWEHeaderParameters | null {
  if (stored.split(".").length !== 5) return null;
  try {
    const header = decodeProtectedHeader(stored) as CompactJWEHeaderParameters;
    return header.alg === ALG && header.enc === ENC && typeof header.kid === "string" && typeof header.ctx === "string" ? header : null;
  } catch {
    return null;
  }
}

export function isEncryptedToken(stored: string): boolean {
  return ownHeader(stored) !== null;
}

/**
 * Anything that is not one of our ciphertexts is a legacy plaintext token, written before
 * encryption existed: it is returned as is, marked stale, so the caller re-encrypts it
 * (`npm run tokens:encrypt` does all rows at once).
 */
export async function decryptToken(keyring: TokenKeyring, stored: string, slot: TokenSlot): Promise<DecryptedToken> {
  const header = ownHeader(stored);
  if (!header) return { value: stored, stale: true };
  return decryptOwn(keyring, stored, header, slotContext(slot), `A ${slot.field} ciphertext`);
}

/** The counterpart of `encryptSecret`: throws TokenDecryptionError for anything but our ciphertext for `context`. */
export async function decryptSecret(keyring: TokenKeyring, stored: string, context: string): Promise<DecryptedToken> {
  const header = ownHeader(stored);
  if (!header) throw new TokenDecryptionError("tampered", "A stored secret is not one of our ciphertexts.");
  return decryptOwn(keyring, stored, header, context, "A stored secret");
}

async function decryptOwn(
  keyring: TokenKeyring,
  stored: string,
  header: CompactJWEHeaderParameters,
  context: string,
  what: string,
): Promise<DecryptedToken> {
  const key = keyring.byKid.get(header.kid!);
  if (!key) {
    throw new TokenDecryptionError(
      "unknown_key",
      `${what} is encrypted with key id ${header.kid}, which is not configured (TOKEN_ENCRYPTION_KEYS / AUTH_SECRET).`,
    );
  }
  if (header.ctx !== contextTag(context)) {
    throw new TokenDecryptionError("wrong_slot", `${what} belongs to another account, field or key.`);
  }
  try {
    const { plaintext } = await compactDecrypt(stored, key.key, {
      keyManagementAlgorithms: [ALG],
      contentEncryptionAlgorithms: [ENC],
    });
    return { value: new TextDecoder().decode(plaintext), stale: key.kid !== keyring.current.kid };
  } catch {
    throw new TokenDecryptionError("tampered", `${what} failed authentication (altered, or a wrong key).`);
  }
}
