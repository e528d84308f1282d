import "server-only";

import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from "jose";

import { NO_STORE } from "@/lib/http/responses";
import { payloadTooLarge, readBodyWithin } from "@/lib/security/request-body";
import type { Database } from "@/lib/db";
import { revokeProviderSessions } from "@/lib/session/registry";

/**
 * OIDC Back-Channel Logout 1.0 (RP side): the provider POSTs a logout token when a person's session
 * there ends, and we revoke the sessions it names, so they are signed out of the app on their next
 * request even though their browser never came back to us.
 *
 * The token is verified as §2.6 asks: signature with the provider's published keys (the issuer is
 * one we are configured for), `iss`, `aud` (our client id), `iat` recent and `exp` not passed
 * (with some clock skew), the back-channel-logout `events` member, no `nonce` (so an ID token can
 * never pass for a logout token), and `sid` and/or `sub`. Its `jti` is remembered until it would
 * have expired, so a captured token cannot be replayed to sign the person out again and again.
 */

export const LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";
/** How old (by `iat`) a logout token may be: they are sent at once, and live 2 minutes at oidc-provider. */
export const MAX_LOGOUT_TOKEN_AGE_SECONDS = 5 * 60;
const CLOCK_TOLERANCE_SECONDS = 60;
export const MAX_BODY_BYTES = 64 * 1024;
const MAX_TOKEN_LENGTH = 16 * 1024;
// Asymmetric only: a logout token "signed" with our client secret, or not at all, is refused.
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

export interface LogoutTokenIssuer {
  /** Our id for the provider (lib/providers/authjs.ts). */
  provider: string;
  issuer: string;
  clientId: string;
  /** The provider's published keys (a jose remote JWKS in the app, a local one in tests). */
  keys: JWTVerifyGetKey;
}

export type LogoutTokenRefusal =
  | "malformed"
  | "unknown_issuer"
  | "algorithm"
  | "type"
  | "signature"
  | "issuer"
  | "audience"
  | "expired"
  | "stale"
  | "claims"
  | "events"
  | "nonce"
  | "no_subject"
  | "replayed";

export interface VerifiedLogoutToken {
  provider: string;
  issuer: string;
  jti: string;
  sid: string | undefined;
  sub: string | undefined;
  /** Until when the token could be presented: its jti is remembered that long. */
  rememberUntil: Date;
}

export type LogoutTokenVerification = ({ ok: true } & VerifiedLogoutToken) | { ok: false; reason: LogoutTokenRefusal };

const DESCRIPTIONS: Record<LogoutTokenRefusal, string> = {
  malformed: "logout_token is missing or is not a JWT",
  unknown_issuer: "the logout token's issuer is not a provider of this app",
  algorithm: "the logout token's algorithm is not accepted",
  type: "the token is not a logout token",
  signature: "the logout token's signature does not verify",
  issuer: "the logout token's issuer does not match",
  audience: "the logout token is not for this client",
  expired: "the logout token has expired",
  stale: "the logout token was issued too long ago, or in the future",
  claims: "the logout token lacks a required claim (iat, jti, events) or has an unusable sid or sub",
  events: "the logout token lacks the back-channel logout event",
  nonce: "a logout token must not contain a nonce",
  no_subject: "the logout token names neither sid nor sub",
  replayed: "this logout token was already used",
};

function refuse(reason: LogoutTokenRefusal): LogoutTokenVerification {
  return { ok: false, reason };
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 && value.length <= 255 ? value : undefined;
}

/**
 * jose's errors about the token, by code and claim (its classes differ between bundles, so never
 * instanceof); null for anything else (the provider's key set could not be fetched, ...), which is
 * not the token's fault and is thrown on.
 */
function refusalFor(error: unknown): LogoutTokenRefusal | null {
  const { code, claim, reason } = (error ?? {}) as { code?: string; claim?: string; reason?: string };
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return claim === "iat" ? "stale" : "expired";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
    case "ERR_JOSE_NOT_SUPPORTED":
      return "algorithm";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
    case "ERR_JWKS_NO_MATCHING_KEY":
    case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
      return "signature";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      if (claim === "iss") return "issuer";
      if (claim === "aud") return "audience";
      if ((claim === "iat" && reason === "check_failed") || claim === "nbf") return "stale";
      return "claims";
    case "ERR_JWS_INVALID":
    case "ERR_JWT_INVALID":
      return "malformed";
    default:
      return null;
  }
}

export async function verifyLogoutToken(
  token: string,
  issuerFor: (iss: string) => Promise<LogoutTokenIssuer | null>,
  now: Date,
): Promise<LogoutTokenVerification> {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || token.split(".").length !== 3) return refuse("malformed");
  let iss: unknown;
  let header: Record<string, unknown>;
  try {
    iss = decodeJwt(token).iss;
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return refuse("malformed");
  }
  if (typeof iss !== "string") return refuse("malformed");
  const issuer = await issuerFor(iss);
  if (!issuer) return refuse("unknown_issuer");
  if (typeof header.alg !== "string" || !ALGORITHMS.includes(header.alg)) return refuse("algorithm");
  // §2.4: explicit typing is recommended; a typed JWT of any other kind is not a logout token.
  const typ = typeof header.typ === "string" ? header.typ.toLowerCase().replace(/^application\//, "") : undefined;
  if (typ !== undefined && typ !== "logout+jwt" && typ !== "jwt") return refuse("type");

  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, issuer.keys, {
      algorithms: ALGORITHMS,
      issuer: issuer.issuer,
      audience: issuer.clientId,
      currentDate: now,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      maxTokenAge: MAX_LOGOUT_TOKEN_AGE_SECONDS,
      requiredClaims: ["iat", "jti", "events"],
    }));
  } catch (error) {
    const reason = refusalFor(error);
    if (!reason) throw error;
    return refuse(reason);
  }

  const events = payload.events;
  const event =
    events && typeof events === "object" && !Array.isArray(events) ? (events as Record<string, unknown>)[LOGOUT_EVENT] : undefined;
  if (!event || typeof event !== "object" || Array.isArray(event)) return refuse("events");
  if ("nonce" in payload) return refuse("nonce");
  const jti = optionalString(payload.jti);
  if (!jti) return refuse("claims");
  const sid = optionalString(payload.sid);
  const sub = optionalString(payload.sub);
  // A sid that is present but unusable must not be ignored: with a sub beside it, dropping it would
  // widen "end this one session" into "end every session of this person".
  if (("sid" in payload && !sid) || ("sub" in payload && !sub)) return refuse("claims");
  if (!sid && !sub) return refuse("no_subject");

  const iat = payload.iat as number;
  const lastValid = Math.min(typeof payload.exp === "number" ? payload.exp : Infinity, iat + MAX_LOGOUT_TOKEN_AGE_SECONDS);
  return {
    ok: true,
    provider: issuer.provider,
    issuer: issuer.issuer,
    jti,
    sid,
    sub,
    rememberUntil: new Date((lastValid + CLOCK_TOLERANCE_SECONDS) * 1000),
  };
}

/**
 * Remembers the jti; false when it was already there (a replay). Atomic, so two instances given the
 * same token at the same moment accept it once. Forgotten ones are cleared as new ones arrive.
 */
export async function rememberLogoutToken(db: Database, token: VerifiedLogoutToken, now: Date): Promise<boolean> {
  const { count } = await db.seenLogoutToken.createMany({
    data: [{ issuer: token.issuer, jti: token.jti, expiresAt: token.rememberUntil }],
    skipDuplicates: true,
  });
  if (count > 0) await db.seenLogoutToken.deleteMany({ where: { expiresAt: { lt: now } } });
  return count > 0;
}

export interface BackchannelLogoutDeps {
  db: Database;
  issuerFor: (iss: string) => Promise<LogoutTokenIssuer | null>;
  now: () => Date;
  log?: Pick<Console, "info" | "warn">;
}

function badRequest(reason: LogoutTokenRefusal): Response {
  // §2.8: 400 with error and error_description; ours are fixed sentences, never echoing the token.
  return Response.json({ error: "invalid_request", error_description: DESCRIPTIONS[reason] }, { status: 400, headers: NO_STORE });
}

function isForm(request: Request): boolean {
  return request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() === "application/x-www-form-urlencoded";
}

/** The one `logout_token` of a form body (§2.5), or null. */
function logoutTokenOf(body: Buffer): string | null {
  const values = new URLSearchParams(body.toString("utf8")).getAll("logout_token");
  return values.length === 1 ? values[0]! : null;
}

/** POST /api/auth/backchannel-logout. */
export async function handleBackchannelLogout(request: Request, deps: BackchannelLogoutDeps): Promise<Response> {
  const log = deps.log ?? console;
  if (!isForm(request)) return badRequest("malformed");
  // This endpoint is public: a body is counted while it is read (a chunked one has no length to
  // check first), and the limit is far smaller than the app's (a logout token is a few KB).
  const body = await readBodyWithin(request, MAX_BODY_BYTES);
  if (body === null) return payloadTooLarge();
  const token = logoutTokenOf(body);
  if (!token) return badRequest("malformed");
  const now = deps.now();
  const verified = await verifyLogoutToken(token, deps.issuerFor, now);
  if (!verified.ok) {
    log.warn(`[backchannel-logout] refused: ${verified.reason}`);
    return badRequest(verified.reason);
  }
  if (!(await rememberLogoutToken(deps.db, verified, now))) {
    log.warn(`[backchannel-logout] refused: replayed (${verified.provider})`);
    return badRequest("replayed");
  }
  let revoked: number;
  try {
    revoked = await revokeProviderSessions(deps.db, { provider: verified.provider, providerSid: verified.sid, subject: verified.sub }, now);
  } catch (error) {
    // Let the provider send it again: forget the jti we could not act on.
    await deps.db.seenLogoutToken.deleteMany({ where: { issuer: verified.issuer, jti: verified.jti } }).catch(() => {});
    throw error;
  }
  log.info(`[backchannel-logout] ${verified.provider}: ${revoked} session(s) revoked`);
  return new Response(null, { status: 200, headers: NO_STORE });
}
