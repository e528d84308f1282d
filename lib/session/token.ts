import "server-only";

import { createDecipheriv, createHash, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

import { EncryptJWT } from "jose";
import type { JWT, JWTDecodeParams, JWTEncodeParams } from "next-auth/jwt";
import { decode as authjsDecode } from "next-auth/jwt";

/**
 * The session cookie's token, exactly as Auth.js makes it (a JWE: `dir`, A256CBC-HS512, a key
 * derived from AUTH_SECRET with HKDF-SHA256 and the cookie name as salt, `kid` = the key's RFC 7638
 * thumbprint), so either side reads the other's tokens. Installed as Auth.js's `jwt.encode/decode`
 * and used by lib/session/claims.ts.
 *
 * Why not Auth.js's own: it derives the key (HKDF) and its thumbprint again for every token, and
 * jose decrypts A256CBC-HS512 through WebCrypto with two key imports, two HMACs and a decrypt, each
 * a trip through Node's crypto thread pool. The proxy and the data-access layer each read the
 * cookie on every request, so that was a large part of what a signed-in request cost. Here keys
 * are derived once per (secret, cookie name) and decryption is the same RFC 7518 §5.2.2.2 steps
 * with node:crypto's synchronous primitives, and a token already verified is not decrypted again
 * (its times are). Every check jose makes on these tokens is made here too (header, key id, tag in
 * constant time, claims with the same 15 s clock tolerance); anything other than `dir` +
 * A256CBC-HS512 goes to Auth.js's own decoder, unchanged.
 */

const ALG = "dir";
const ENC = "A256CBC-HS512";
/** Auth.js's: a cookie a few seconds past `exp` on a skewed clock is still read. */
const CLOCK_TOLERANCE_SECONDS = 15;
const DEFAULT_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

interface DerivedKey {
  /** 64 bytes: the first half is the HMAC-SHA-512 key, the second the AES-256-CBC key (RFC 7518 §5.2.2.1). */
  key: Uint8Array;
  kid: string;
}

const keys = new Map<string, DerivedKey>();

/**
 * Payloads of tokens already decrypted and verified, by the whole token, with the secret and cookie
 * name they were verified under (a hit under any other is a miss): the proxy and the page
 * (separate bundles, so the cache lives on globalThis) read the same cookie, and an API client
 * sends it again with every call, and a token's payload never changes. Time is checked again on
 * every read; only the decryption is saved. Bounded: the oldest entry goes when it is full.
 */
const VERIFIED_KEY = Symbol.for("oauth-next-app.session-token.verified.v2");
const VERIFIED_MAX = 1000;
interface Verified {
  scope: string;
  payload: Readonly<Record<string, unknown>>;
}
const verifiedHolder = globalThis as typeof globalThis & { [VERIFIED_KEY]?: Map<string, Verified> };
const verified = (verifiedHolder[VERIFIED_KEY] ??= new Map());

function remember(token: string, entry: Verified): void {
  if (verified.size >= VERIFIED_MAX && !verified.has(token)) {
    const oldest = verified.keys().next();
    if (!oldest.done) verified.delete(oldest.value);
  }
  verified.set(token, entry);
}

/** HKDF-SHA256 as Auth.js derives it, and its RFC 7638 thumbprint (SHA-512 of {"k","kty"}). */
export function derivedSessionKey(secret: string, salt: string): DerivedKey {
  const cacheKey = `${salt}\0${secret}`;
  let derived = keys.get(cacheKey);
  if (!derived) {
    const key = new Uint8Array(hkdfSync("sha256", secret, salt, `Auth.js Generated Encryption Key (${salt})`, 64));
    const jwk = `{"k":"${Buffer.from(key).toString("base64url")}","kty":"oct"}`;
    derived = { key, kid: createHash("sha512").update(jwk).digest("base64url") };
    keys.set(cacheKey, derived);
  }
  return derived;
}

export class SessionTokenError extends Error {
  override name = "SessionTokenError";
}

const secretsOf = (secret: string | string[]) => (Array.isArray(secret) ? secret : [secret]);

/** Auth.js's `jwt.encode`: the same token, with the key derived once. */
export async function encodeSessionToken(params: JWTEncodeParams): Promise<string> {
  const { token = {}, secret, maxAge = DEFAULT_MAX_AGE_SECONDS, salt } = params;
  const first = secretsOf(secret)[0];
  if (!first) throw new SessionTokenError("no secret");
  const { key, kid } = derivedSessionKey(first, salt);
  const now = Math.floor(Date.now() / 1000);
  return new EncryptJWT(token)
    .setProtectedHeader({ alg: ALG, enc: ENC, kid })
    .setIssuedAt(now)
    .setExpirationTime(now + maxAge)
    .setJti(crypto.randomUUID())
    .encrypt(key);
}

function fail(reason: string): never {
  throw new SessionTokenError(reason);
}

function part(value: string, what: string): Buffer {
  if (!BASE64URL.test(value)) fail(`${what} is not base64url`);
  return Buffer.from(value, "base64url");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function numericDate(payload: Readonly<Record<string, unknown>>, claim: string): number | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) fail(`"${claim}" is not a number`);
  return value;
}

/**
 * Auth.js's `jwt.decode`: the payload, null for no token; throws for a token that is not ours, was
 * altered, or has expired (as Auth.js's does, so its callers react the same way).
 */
export async function decodeSessionToken(params: JWTDecodeParams, now?: Date): Promise<JWT | null> {
  const payload = await verifiedSessionPayload(params, now);
  // Auth.js's callers may change what they get; the remembered payload must not change with it.
  return payload && (structuredClone(payload) as JWT);
}

/**
 * The same checks as `decodeSessionToken`, for callers that only read the claims
 * (lib/session/claims.ts): the remembered payload itself, frozen, without a copy per request.
 */
export async function verifiedSessionPayload(params: JWTDecodeParams, at?: Date): Promise<Readonly<Record<string, unknown>> | null> {
  const { token, secret, salt } = params;
  if (!token) return null;
  const remembered = rememberedSessionPayload(params, at);
  if (remembered) return remembered;
  const payload = await decryptAndVerify(params, at?.getTime() ?? Date.now());
  if (!payload) return null;
  const frozen = deepFreeze(structuredClone(payload) as Record<string, unknown>);
  remember(token, { scope: scopeOf(secret, salt), payload: frozen });
  return frozen;
}

/**
 * Synchronously, the payload of a token verified before under this secret and cookie name, its
 * times checked again (throws when they fail); undefined when it has not been seen. Every
 * authenticated request takes this path, and an await less is measurable there (bench/README.md).
 */
export function rememberedSessionPayload(params: JWTDecodeParams, at?: Date): Readonly<Record<string, unknown>> | undefined {
  const { token, secret, salt } = params;
  if (!token) return undefined;
  const known = verified.get(token);
  if (!known || known.scope !== scopeOf(secret, salt)) return undefined;
  // Not `new Date()`: inside a Next.js request that is a wrapped constructor.
  checkTimes(known.payload, at?.getTime() ?? Date.now());
  return known.payload;
}

const scopeOf = (secret: string | string[], salt: string) => `${salt}\0${secretsOf(secret).join("\0")}`;

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function checkTimes(payload: Readonly<Record<string, unknown>>, nowMs: number): void {
  const seconds = Math.floor(nowMs / 1000);
  numericDate(payload, "iat");
  const nbf = numericDate(payload, "nbf");
  if (nbf !== undefined && nbf > seconds + CLOCK_TOLERANCE_SECONDS) fail("not yet valid");
  const exp = numericDate(payload, "exp");
  if (exp !== undefined && exp <= seconds - CLOCK_TOLERANCE_SECONDS) fail("expired");
}

async function decryptAndVerify(params: JWTDecodeParams, now: number): Promise<JWT | null> {
  const { secret, salt } = params;
  const token = params.token ?? "";
  const parts = token.split(".");
  if (parts.length !== 5) fail("not a compact JWE");
  const [headerPart = "", encryptedKey = "", ivPart = "", ciphertextPart = "", tagPart = ""] = parts;
  let header: unknown;
  try {
    header = JSON.parse(part(headerPart, "header").toString("utf8"));
  } catch (error) {
    if (error instanceof SessionTokenError) throw error;
    fail("unreadable header");
  }
  if (!isObject(header)) fail("header is not an object");
  // Another algorithm (A256GCM, which Auth.js also reads): its own decoder, unchanged.
  if (header.alg === ALG && header.enc !== ENC) return authjsDecode(params);
  if (header.alg !== ALG || encryptedKey !== "") fail("not a direct-key JWE");
  // jose refuses these too: no compression, no extensions anyone must understand.
  if (header.zip !== undefined || header.crit !== undefined) fail("unsupported header parameter");

  const candidates = secretsOf(secret).map((s) => derivedSessionKey(s, salt));
  const { kid } = header;
  const chosen = kid === undefined ? candidates[0] : candidates.find((c) => c.kid === kid);
  if (!chosen) fail("no matching decryption secret");

  const iv = part(ivPart, "iv");
  const ciphertext = part(ciphertextPart, "ciphertext");
  const tag = part(tagPart, "tag");
  if (iv.length !== 16 || tag.length !== 32 || ciphertext.length === 0 || ciphertext.length % 16 !== 0) fail("wrong lengths");
  const aad = Buffer.from(headerPart, "ascii");
  const aadBits = Buffer.alloc(8);
  aadBits.writeBigUInt64BE(BigInt(aad.length) * 8n);
  const expected = createHmac("sha512", chosen.key.subarray(0, 32)).update(aad).update(iv).update(ciphertext).update(aadBits).digest().subarray(0, 32);
  if (!timingSafeEqual(expected, tag)) fail("authentication tag mismatch");
  let payload: unknown;
  try {
    const decipher = createDecipheriv("aes-256-cbc", chosen.key.subarray(32), iv);
    payload = JSON.parse(Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8"));
  } catch {
    fail("unreadable payload");
  }
  if (!isObject(payload)) fail("payload is not an object");

  checkTimes(payload, now);
  for (const claim of ["iss", "sub", "aud"] as const) {
    if (header[claim] !== undefined && JSON.stringify(header[claim]) !== JSON.stringify(payload[claim])) fail(`replicated "${claim}" mismatch`);
  }
  return payload as JWT;
}
