import "server-only";

import { hkdfSync } from "node:crypto";

import { base64url, calculateJwkThumbprint, EncryptJWT, jwtDecrypt, type JWTDecryptGetKey } from "jose";
import type { JWT, JWTDecodeParams, JWTEncodeParams } from "next-auth/jwt";

import { processSingleton } from "@/lib/process-singleton";

/**
 * The session cookie's token, exactly as Auth.js makes it (a JWE: `dir`, A256CBC-HS512, a key
 * derived from AUTH_SECRET with HKDF-SHA256 and the cookie name as salt, `kid` = the key's RFC 7638
 * thumbprint), so either side reads the other's tokens. Installed as Auth.js's `jwt.encode/decode`
 * and read by lib/session/claims.ts.
 *
 * Two things differ from Auth.js's own: keys (and their thumbprints) are derived once per secret
 * and cookie name instead of for every token, and a token already decrypted is not decrypted again
 * (its times are checked again on every read). The proxy and the data-access layer both read the
 * cookie on every request, and an API client sends the same one with every call, so that saves a
 * key derivation and a WebCrypto decryption on nearly every request. Decryption itself is jose's
 * `jwtDecrypt` with Auth.js's options.
 */

/** Auth.js's: a cookie a few seconds past `exp` on a skewed clock is still read. */
const CLOCK_TOLERANCE_SECONDS = 15;
const DEFAULT_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;
const ENC = "A256CBC-HS512";

interface DerivedKey {
  key: Uint8Array;
  kid: string;
}

const keys = processSingleton("session-token.keys", () => new Map<string, Promise<DerivedKey>>());

/** HKDF-SHA256 as Auth.js derives it (64 bytes for A256CBC-HS512, 32 for A256GCM), and its RFC 7638 thumbprint. */
export function derivedSessionKey(secret: string, salt: string, enc: string = ENC): Promise<DerivedKey> {
  const cacheKey = `${enc}\0${salt}\0${secret}`;
  let derived = keys.get(cacheKey);
  if (!derived) {
    const length = enc === ENC ? 64 : 32;
    const key = new Uint8Array(hkdfSync("sha256", secret, salt, `Auth.js Generated Encryption Key (${salt})`, length));
    derived = calculateJwkThumbprint({ kty: "oct", k: base64url.encode(key) }, "sha512").then((kid) => ({ key, kid }));
    keys.set(cacheKey, derived);
  }
  return derived;
}

/**
 * Payloads of tokens already decrypted and verified, by the whole token, with the secret and cookie
 * name they were verified under (a hit under any other is a miss). Time is checked again on every
 * read; only the decryption is saved. Bounded: the oldest entry goes when it is full.
 */
interface Verified {
  scope: string;
  payload: Readonly<Record<string, unknown>>;
}
const VERIFIED_MAX = 1000;
const verified = processSingleton("session-token.verified", () => new Map<string, Verified>());

function remember(token: string, entry: Verified): void {
  if (verified.size >= VERIFIED_MAX && !verified.has(token)) {
    const oldest = verified.keys().next();
    if (!oldest.done) verified.delete(oldest.value);
  }
  verified.set(token, entry);
}

export class SessionTokenError extends Error {
  override name = "SessionTokenError";
}

const secretsOf = (secret: string | string[]) => (Array.isArray(secret) ? secret : [secret]);
const scopeOf = (secret: string | string[], salt: string) => `${salt}\0${secretsOf(secret).join("\0")}`;

/** Auth.js's `jwt.encode`: the same token, with the key derived once. */
export async function encodeSessionToken(params: JWTEncodeParams): Promise<string> {
  const { token = {}, secret, maxAge = DEFAULT_MAX_AGE_SECONDS, salt } = params;
  const first = secretsOf(secret)[0];
  if (!first) throw new SessionTokenError("no secret");
  const { key, kid } = await derivedSessionKey(first, salt);
  const now = Math.floor(Date.now() / 1000);
  return new EncryptJWT(token)
    .setProtectedHeader({ alg: "dir", enc: ENC, kid })
    .setIssuedAt(now)
    .setExpirationTime(now + maxAge)
    .setJti(crypto.randomUUID())
    .encrypt(key);
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
  const candidates = secretsOf(secret);
  // The key named by the token's `kid`, among the configured secrets' (rotation); the first without one.
  const getKey: JWTDecryptGetKey = async ({ kid, enc }) => {
    for (const candidate of candidates) {
      const derived = await derivedSessionKey(candidate, salt, enc);
      if (kid === undefined || derived.kid === kid) return derived.key;
    }
    throw new SessionTokenError("no matching decryption secret");
  };
  const { payload } = await jwtDecrypt(token, getKey, {
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    keyManagementAlgorithms: ["dir"],
    contentEncryptionAlgorithms: [ENC, "A256GCM"],
    currentDate: at,
  });
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

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** jose's time checks, again, for a remembered payload (same tolerance). */
function checkTimes(payload: Readonly<Record<string, unknown>>, nowMs: number): void {
  const seconds = Math.floor(nowMs / 1000);
  const { nbf, exp } = payload;
  if (typeof nbf === "number" && nbf > seconds + CLOCK_TOLERANCE_SECONDS) throw new SessionTokenError("not yet valid");
  if (typeof exp === "number" && exp <= seconds - CLOCK_TOLERANCE_SECONDS) throw new SessionTokenError("expired");
}
