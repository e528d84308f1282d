import { EncryptJWT, base64url, calculateJwkThumbprint, decodeProtectedHeader } from "jose";
import { decode as authjsDecode, encode as authjsEncode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";

import { decodeSessionToken, derivedSessionKey, encodeSessionToken, verifiedSessionPayload } from "@/lib/session/token";

const SECRET = "session-token-test-secret-0123456789abcdefgh";
const OLD_SECRET = "session-token-old-secret-0123456789abcdefghi";
const SALT = "authjs.session-token";
const CLAIMS = { sub: "user-1", sid: "sid-1", provider: "dev-idp" };

/** Replaces one character of one of the five parts with another base64url character. */
function alter(token: string, partIndex: number): string {
  const parts = token.split(".");
  const value = parts[partIndex] ?? "";
  const i = Math.floor(value.length / 2);
  parts[partIndex] = value.slice(0, i) + (value[i] === "A" ? "B" : "A") + value.slice(i + 1);
  return parts.join(".");
}

function headerWith(token: string, extra: Record<string, unknown>): string {
  const parts = token.split(".");
  parts[0] = base64url.encode(JSON.stringify({ ...decodeProtectedHeader(token), ...extra }));
  return parts.join(".");
}

describe("session token (Auth.js's format and jose's checks, keys derived once)", () => {
  it("reads Auth.js's tokens as Auth.js does, and Auth.js reads ours", async () => {
    const theirs = await authjsEncode({ token: CLAIMS, secret: SECRET, salt: SALT, maxAge: 3600 });
    expect(await decodeSessionToken({ token: theirs, secret: SECRET, salt: SALT })).toEqual(
      await authjsDecode({ token: theirs, secret: SECRET, salt: SALT }),
    );
    const ours = await encodeSessionToken({ token: CLAIMS, secret: SECRET, salt: SALT, maxAge: 3600 });
    const read = await authjsDecode({ token: ours, secret: SECRET, salt: SALT });
    expect(read).toMatchObject(CLAIMS);
    expect((read?.exp ?? 0) - (read?.iat ?? 0)).toBe(3600);
    expect(typeof read?.jti).toBe("string");
    expect(decodeProtectedHeader(ours)).toEqual(decodeProtectedHeader(theirs));
  });

  it("the key id is the derived key's RFC 7638 thumbprint, as jose computes it", async () => {
    const { key, kid } = await derivedSessionKey(SECRET, SALT);
    expect(key.byteLength).toBe(64);
    expect(kid).toBe(await calculateJwkThumbprint({ kty: "oct", k: base64url.encode(key) }, "sha512"));
    expect((await derivedSessionKey(SECRET, "__Secure-authjs.session-token")).kid).not.toBe(kid);
  });

  it("with several secrets, encrypts with the first and reads tokens of any (rotation)", async () => {
    const old = await authjsEncode({ token: CLAIMS, secret: OLD_SECRET, salt: SALT });
    expect(await decodeSessionToken({ token: old, secret: [SECRET, OLD_SECRET], salt: SALT })).toMatchObject(CLAIMS);
    const fresh = await encodeSessionToken({ token: CLAIMS, secret: [SECRET, OLD_SECRET], salt: SALT });
    expect(decodeProtectedHeader(fresh).kid).toBe((await derivedSessionKey(SECRET, SALT)).kid);
    await expect(decodeSessionToken({ token: old, secret: SECRET, salt: SALT })).rejects.toThrow(/no matching/);
  });

  it("refuses a token altered in any part, or made for another cookie name", async () => {
    const token = await authjsEncode({ token: CLAIMS, secret: SECRET, salt: SALT });
    for (const i of [2, 3, 4]) await expect(decodeSessionToken({ token: alter(token, i), secret: SECRET, salt: SALT })).rejects.toThrow();
    // The header is authenticated data: a changed (still valid JSON) header fails the tag.
    await expect(decodeSessionToken({ token: headerWith(token, { x: 1 }), secret: SECRET, salt: SALT })).rejects.toMatchObject({
      code: "ERR_JWE_DECRYPTION_FAILED",
    });
    await expect(decodeSessionToken({ token, secret: SECRET, salt: "__Secure-authjs.session-token" })).rejects.toThrow();
    await expect(decodeSessionToken({ token: `${token}x`, secret: SECRET, salt: SALT })).rejects.toThrow();
    await expect(decodeSessionToken({ token: token.replace(/\.([^.]*)$/, ".$1!"), secret: SECRET, salt: SALT })).rejects.toMatchObject({
      code: "ERR_JWE_INVALID",
    });
    await expect(decodeSessionToken({ token: token.split(".").slice(0, 4).join("."), secret: SECRET, salt: SALT })).rejects.toThrow();
  });

  it("refuses other key management, compression and critical extensions", async () => {
    const token = await authjsEncode({ token: CLAIMS, secret: SECRET, salt: SALT });
    await expect(decodeSessionToken({ token: headerWith(token, { alg: "A256KW" }), secret: SECRET, salt: SALT })).rejects.toMatchObject({
      code: "ERR_JOSE_ALG_NOT_ALLOWED",
    });
    await expect(decodeSessionToken({ token: headerWith(token, { zip: "DEF" }), secret: SECRET, salt: SALT })).rejects.toThrow();
    await expect(decodeSessionToken({ token: headerWith(token, { crit: ["exp"] }), secret: SECRET, salt: SALT })).rejects.toThrow();
    const parts = token.split(".");
    parts[1] = "AAAA";
    await expect(decodeSessionToken({ token: parts.join("."), secret: SECRET, salt: SALT })).rejects.toMatchObject({
      code: "ERR_JWE_INVALID",
    });
  });

  it("applies Auth.js's 15 s clock tolerance to exp and nbf", async () => {
    const token = await authjsEncode({ token: CLAIMS, secret: SECRET, salt: SALT, maxAge: 60 });
    const issued = Date.now();
    expect(await decodeSessionToken({ token, secret: SECRET, salt: SALT }, new Date(issued + 70_000))).toMatchObject(CLAIMS);
    await expect(decodeSessionToken({ token, secret: SECRET, salt: SALT }, new Date(issued + 77_000))).rejects.toThrow(/expired/);
    const later = await authjsEncode({ token: { ...CLAIMS, nbf: Math.floor(issued / 1000) + 60 }, secret: SECRET, salt: SALT });
    await expect(decodeSessionToken({ token: later, secret: SECRET, salt: SALT })).rejects.toMatchObject({
      code: "ERR_JWT_CLAIM_VALIDATION_FAILED",
      claim: "nbf",
    });
    const { key, kid } = await derivedSessionKey(SECRET, SALT);
    const textExp = await new EncryptJWT({ ...CLAIMS, exp: "never" as unknown as number })
      .setProtectedHeader({ alg: "dir", enc: "A256CBC-HS512", kid })
      .encrypt(key);
    await expect(decodeSessionToken({ token: textExp, secret: SECRET, salt: SALT })).rejects.toMatchObject({
      code: "ERR_JWT_CLAIM_VALIDATION_FAILED",
      claim: "exp",
    });
  });

  it("a token without kid is tried with the first secret only, as Auth.js does", async () => {
    const { key } = await derivedSessionKey(SECRET, SALT);
    const noKid = await new EncryptJWT(CLAIMS)
      .setProtectedHeader({ alg: "dir", enc: "A256CBC-HS512" })
      .setExpirationTime("1h")
      .encrypt(key);
    expect(await decodeSessionToken({ token: noKid, secret: [SECRET, OLD_SECRET], salt: SALT })).toMatchObject(CLAIMS);
    await expect(decodeSessionToken({ token: noKid, secret: [OLD_SECRET, SECRET], salt: SALT })).rejects.toMatchObject({
      code: "ERR_JWE_DECRYPTION_FAILED",
    });
  });

  it("reads A256GCM tokens too, as Auth.js does", async () => {
    const { key } = await derivedSessionKey(SECRET, SALT);
    // Auth.js derives a 32-byte key for A256GCM: HKDF's first 32 bytes.
    const gcm = await new EncryptJWT(CLAIMS)
      .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
      .setExpirationTime("1h")
      .encrypt(key.slice(0, 32));
    expect(await decodeSessionToken({ token: gcm, secret: SECRET, salt: SALT })).toMatchObject(CLAIMS);
    await expect(decodeSessionToken({ token: alter(gcm, 3), secret: SECRET, salt: SALT })).rejects.toThrow();
  });

  it("a token read before is not decrypted again, but its times are checked again, under the same secret and name only", async () => {
    const token = await authjsEncode({ token: CLAIMS, secret: SECRET, salt: SALT, maxAge: 60 });
    const issued = Date.now();
    const first = await decodeSessionToken({ token, secret: SECRET, salt: SALT }, new Date(issued));
    expect(first).toMatchObject(CLAIMS);
    // What a caller does with its copy does not change what the next caller reads.
    if (first) first.sub = "someone-else";
    expect(await decodeSessionToken({ token, secret: SECRET, salt: SALT }, new Date(issued))).toMatchObject(CLAIMS);
    await expect(decodeSessionToken({ token, secret: SECRET, salt: SALT }, new Date(issued + 80_000))).rejects.toThrow(/expired/);
    await expect(decodeSessionToken({ token, secret: OLD_SECRET, salt: SALT })).rejects.toThrow();
    await expect(decodeSessionToken({ token, secret: SECRET, salt: "__Secure-authjs.session-token" })).rejects.toThrow();
  });

  it("read-only callers share the remembered payload, frozen, and get the same refusals", async () => {
    const token = await authjsEncode({ token: { ...CLAIMS, nested: { a: 1 } }, secret: SECRET, salt: SALT, maxAge: 60 });
    const issued = Date.now();
    const first = await verifiedSessionPayload({ token, secret: SECRET, salt: SALT }, new Date(issued));
    expect(first).toMatchObject(CLAIMS);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first!.nested)).toBe(true);
    expect(await verifiedSessionPayload({ token, secret: SECRET, salt: SALT }, new Date(issued))).toBe(first);
    // Auth.js's decode still hands out a copy it may change.
    const copy = await decodeSessionToken({ token, secret: SECRET, salt: SALT }, new Date(issued));
    expect(copy).not.toBe(first);
    expect(Object.isFrozen(copy)).toBe(false);
    await expect(verifiedSessionPayload({ token, secret: SECRET, salt: SALT }, new Date(issued + 80_000))).rejects.toThrow(/expired/);
    await expect(verifiedSessionPayload({ token, secret: OLD_SECRET, salt: SALT })).rejects.toThrow();
    // A failed read under another secret does not evict or replace the entry.
    expect(await verifiedSessionPayload({ token, secret: SECRET, salt: SALT }, new Date(issued))).toBe(first);
  });

  it("no token: null", async () => {
    expect(await decodeSessionToken({ token: undefined, secret: SECRET, salt: SALT })).toBeNull();
    expect(await decodeSessionToken({ token: "", secret: SECRET, salt: SALT })).toBeNull();
  });
});
