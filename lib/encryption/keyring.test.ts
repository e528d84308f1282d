import { describe, expect, it } from "vitest";

import { createTokenKeyring, parseTokenEncryptionKeys, TokenKeyConfigError } from "@/lib/encryption/keyring";

const AUTH_SECRET = "auth-secret-0123456789abcdefghijklmnopqrstuv";
const KEY_A = "token-key-a-0123456789abcdefghijklmnopqrstuv";
const KEY_B = "token-key-b-0123456789abcdefghijklmnopqrstuv";

describe("TOKEN_ENCRYPTION_KEYS", () => {
  it("unset or blank: the key comes from AUTH_SECRET", () => {
    expect(parseTokenEncryptionKeys(undefined, AUTH_SECRET)).toEqual([AUTH_SECRET]);
    expect(parseTokenEncryptionKeys(" , ", AUTH_SECRET)).toEqual([AUTH_SECRET]);
  });

  it("set: first is current, the rest and AUTH_SECRET stay readable", () => {
    expect(parseTokenEncryptionKeys(` ${KEY_A} , ${KEY_B} `, AUTH_SECRET)).toEqual([KEY_A, KEY_B, AUTH_SECRET]);
    expect(parseTokenEncryptionKeys(`${KEY_A},${AUTH_SECRET}`, AUTH_SECRET)).toEqual([KEY_A, AUTH_SECRET]);
  });

  it("names every short or repeated key", () => {
    expect(() => parseTokenEncryptionKeys(`${KEY_A},short,${KEY_A}`, AUTH_SECRET)).toThrow(TokenKeyConfigError);
    try {
      parseTokenEncryptionKeys(`${KEY_A},short,${KEY_A}`, AUTH_SECRET);
    } catch (error) {
      expect((error as Error).message).toContain("key 2 is too short (5 characters; at least 32)");
      expect((error as Error).message).toContain("key 3 repeats key 1");
    }
  });
});

describe("createTokenKeyring", () => {
  it("derives one 256-bit key and a stable key id per secret; the first is current", async () => {
    const keyring = await createTokenKeyring([KEY_A, KEY_B]);
    const again = await createTokenKeyring([KEY_A]);
    expect(keyring.current.key).toHaveLength(32);
    expect(keyring.current.kid).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(keyring.current.kid).toBe(again.current.kid);
    expect([...keyring.byKid.keys()]).toHaveLength(2);
  });

  it("never uses the secret itself as the key (AUTH_SECRET also keys the session cookie)", async () => {
    const keyring = await createTokenKeyring([KEY_A]);
    expect(Buffer.from(keyring.current.key).toString()).not.toContain(KEY_A.slice(0, 16));
  });
});
