import { CompactEncrypt, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";

import { decryptToken, encryptToken, isEncryptedToken, TokenDecryptionError, type TokenSlot } from "@/lib/encryption/ciphertext";
import { createTokenKeyring } from "@/lib/encryption/keyring";

const OLD_SECRET = "old-token-secret-0123456789abcdefghijklmnop";
const NEW_SECRET = "new-token-secret-0123456789abcdefghijklmnop";
const SLOT: TokenSlot = { field: "refresh_token", provider: "dev-idp", providerAccountId: "dev-alice-5f0c2a91" };
const TOKEN = "rt_9f8e7d6c5b4a39281706f5e4d3c2b1a0";

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenDecryptionError);
  return (error as TokenDecryptionError).reason;
}

describe("provider token encryption", () => {
  it("round-trips, and what is stored is a dir/A256GCM compact JWE naming the key, not the token", async () => {
    const keyring = await createTokenKeyring([NEW_SECRET]);
    const stored = await encryptToken(keyring, TOKEN, SLOT);
    expect(stored).not.toContain(TOKEN);
    expect(stored.split(".")).toHaveLength(5);
    expect(decodeProtectedHeader(stored)).toMatchObject({ alg: "dir", enc: "A256GCM", kid: keyring.current.kid });
    expect(isEncryptedToken(stored)).toBe(true);
    expect(await decryptToken(keyring, stored, SLOT)).toEqual({ value: TOKEN, stale: false });
  });

  it("uses a fresh IV every time: the same token never encrypts to the same text", async () => {
    const keyring = await createTokenKeyring([NEW_SECRET]);
    expect(await encryptToken(keyring, TOKEN, SLOT)).not.toBe(await encryptToken(keyring, TOKEN, SLOT));
  });

  it("after rotation, old-key ciphertexts still decrypt (marked stale) and new writes use the new key", async () => {
    const before = await createTokenKeyring([OLD_SECRET]);
    const rotated = await createTokenKeyring([NEW_SECRET, OLD_SECRET]);
    expect(rotated.current.kid).not.toBe(before.current.kid);

    const old = await encryptToken(before, TOKEN, SLOT);
    expect(await decryptToken(rotated, old, SLOT)).toEqual({ value: TOKEN, stale: true });

    const fresh = await encryptToken(rotated, TOKEN, SLOT);
    expect(decodeProtectedHeader(fresh).kid).toBe(rotated.current.kid);
    expect(await decryptToken(rotated, fresh, SLOT)).toEqual({ value: TOKEN, stale: false });
  });

  it("refuses a ciphertext under a key id that is no longer configured", async () => {
    const old = await encryptToken(await createTokenKeyring([OLD_SECRET]), TOKEN, SLOT);
    expect(await reasonOf(decryptToken(await createTokenKeyring([NEW_SECRET]), old, SLOT))).toBe("unknown_key");
  });

  it("refuses a ciphertext whose kid names a configured key it was not encrypted with", async () => {
    const keyring = await createTokenKeyring([NEW_SECRET]);
    const other = await createTokenKeyring([OLD_SECRET]);
    const forged = await new CompactEncrypt(new TextEncoder().encode("attacker-token"))
      .setProtectedHeader({
        alg: "dir",
        enc: "A256GCM",
        kid: keyring.current.kid,
        ctx: decodeProtectedHeader(await encryptToken(keyring, TOKEN, SLOT)).ctx as string,
      })
      .encrypt(other.current.key);
    expect(await reasonOf(decryptToken(keyring, forged, SLOT))).toBe("tampered");
  });

  it("refuses a tampered ciphertext, tag or header", async () => {
    const keyring = await createTokenKeyring([NEW_SECRET]);
    const stored = await encryptToken(keyring, TOKEN, SLOT);
    const [header, key, iv, ciphertext, tag] = stored.split(".") as [string, string, string, string, string];
    const flip = (part: string) => (part[0] === "A" ? "B" : "A") + part.slice(1);
    for (const tampered of [
      [header, key, iv, flip(ciphertext), tag].join("."),
      [header, key, iv, ciphertext, flip(tag)].join("."),
      [header, key, flip(iv), ciphertext, tag].join("."),
    ]) {
      expect(await reasonOf(decryptToken(keyring, tampered, SLOT))).toBe("tampered");
    }
  });

  it("refuses a ciphertext moved to another account or another token column", async () => {
    const keyring = await createTokenKeyring([NEW_SECRET]);
    const alices = await encryptToken(keyring, TOKEN, SLOT);
    expect(await reasonOf(decryptToken(keyring, alices, { ...SLOT, providerAccountId: "dev-mallory" }))).toBe("wrong_slot");
    expect(await reasonOf(decryptToken(keyring, alices, { ...SLOT, field: "access_token" }))).toBe("wrong_slot");
  });

  it("reads a legacy plaintext token as is, marked stale so it gets encrypted", async () => {
    const keyring = await createTokenKeyring([NEW_SECRET]);
    for (const legacy of [TOKEN, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"]) {
      expect(isEncryptedToken(legacy)).toBe(false);
      expect(await decryptToken(keyring, legacy, SLOT)).toEqual({ value: legacy, stale: true });
    }
  });
});
