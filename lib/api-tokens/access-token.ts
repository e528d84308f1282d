import "server-only";

import { randomUUID } from "node:crypto";

import { decodeProtectedHeader, jwtVerify, SignJWT, type CryptoKey } from "jose";

import { SIGNING_ALG, type SigningKey } from "@/lib/api-tokens/signing-keys";

/**
 * Bearer tokens for the API's non-browser clients: short-lived JWT access tokens in the RFC 9068
 * profile (`typ: at+jwt`; iss, aud, sub, client_id, iat, exp, jti), signed ES256 with a key of
 * lib/api-tokens/signing-keys.ts, and carrying the session record's id (`sid`), so signing out, or revoking
 * that session, ends the token too (lib/dal.ts checks the record on every call).
 *
 * Verification accepts exactly what `issueAccessToken` makes and nothing near it: one algorithm
 * (no `none`, no HS256 made with our public key), one `typ` (a provider's ID token, or any other
 * JWT of ours, is not an access token), a key id we published (no fallback to another key), and no
 * key material carried in the token itself (`jwk`, `jku`, `x5u`, `x5c`: never trusted, never
 * fetched).
 */

export const ACCESS_TOKEN_TYPE = "at+jwt";
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Ours are about 600 characters; anything much longer is refused before any parsing. */
export const MAX_ACCESS_TOKEN_LENGTH = 4096;
/** RFC 9068 §2.2 requires client_id: the app itself, which issues tokens for its own API. */
export const FIRST_PARTY_CLIENT_ID = "oauth-next-app";
const CLOCK_TOLERANCE_SECONDS = 30;
const EMBEDDED_KEY_HEADERS = ["jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"];

export interface AccessTokenAudience {
  /** The app's origin (lib/security/origin.ts). */
  issuer: string;
  /** The API (`<origin>/api`). */
  audience: string;
}

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
}

export async function issueAccessToken(
  key: SigningKey,
  target: AccessTokenAudience,
  subject: { userId: string; sessionId: string },
  now: Date,
): Promise<IssuedAccessToken> {
  const iat = Math.floor(now.getTime() / 1000);
  const token = await new SignJWT({ sid: subject.sessionId, client_id: FIRST_PARTY_CLIENT_ID })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
    .setIssuer(target.issuer)
    .setAudience(target.audience)
    .setSubject(subject.userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_TTL_SECONDS)
    .setJti(randomUUID())
    .sign(key.privateKey);
  return { token, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}

export type AccessTokenRefusal =
  | "too_long"
  | "malformed"
  | "algorithm"
  | "type"
  | "embedded_key"
  | "unknown_key"
  | "signature"
  | "expired"
  | "not_yet_valid"
  | "issuer"
  | "audience"
  | "claims";

export type AccessTokenVerification = { ok: true; userId: string; sessionId: string } | { ok: false; reason: AccessTokenRefusal };

export interface VerifyAccessTokenOptions extends AccessTokenAudience {
  /** The published key for a key id, or null (lib/api-tokens/signing-keys.ts). */
  key: (kid: string) => Promise<CryptoKey | null>;
  now: Date;
}

function refuse(reason: AccessTokenRefusal): AccessTokenVerification {
  return { ok: false, reason };
}

/** jose's claim errors, by the claim they name (jose's error classes differ between bundles: compare codes and names). */
function refusalFor(error: unknown): AccessTokenRefusal {
  const { code, claim } = (error ?? {}) as { code?: string; claim?: string };
  if (code === "ERR_JWT_EXPIRED") return "expired";
  if (code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") return "signature";
  if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") {
    if (claim === "nbf") return "not_yet_valid";
    if (claim === "iss") return "issuer";
    if (claim === "aud") return "audience";
    if (claim === "typ") return "type";
    return "claims";
  }
  if (code === "ERR_JOSE_ALG_NOT_ALLOWED") return "algorithm";
  return "malformed";
}

export async function verifyAccessToken(token: string, options: VerifyAccessTokenOptions): Promise<AccessTokenVerification> {
  if (token.length > MAX_ACCESS_TOKEN_LENGTH) return refuse("too_long");
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return refuse("malformed");
  }
  if (token.split(".").length !== 3) return refuse("malformed");
  if (header.alg !== SIGNING_ALG) return refuse("algorithm");
  if (EMBEDDED_KEY_HEADERS.some((name) => name in header)) return refuse("embedded_key");
  const typ = typeof header.typ === "string" ? header.typ.toLowerCase().replace(/^application\//, "") : undefined;
  if (typ !== ACCESS_TOKEN_TYPE) return refuse("type");
  if (typeof header.kid !== "string" || header.kid.length === 0 || header.kid.length > 128) return refuse("unknown_key");
  const key = await options.key(header.kid);
  if (!key) return refuse("unknown_key");
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [SIGNING_ALG],
      typ: ACCESS_TOKEN_TYPE,
      issuer: options.issuer,
      audience: options.audience,
      currentDate: options.now,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      maxTokenAge: ACCESS_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ["sub", "sid", "jti", "iat", "exp"],
    });
    const { sub, sid } = payload;
    if (typeof sub !== "string" || !sub || typeof sid !== "string" || !sid) return refuse("claims");
    return { ok: true, userId: sub, sessionId: sid };
  } catch (error) {
    return refuse(refusalFor(error));
  }
}
