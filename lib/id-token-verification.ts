import "server-only";

import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTVerifyGetKey } from "jose";

/**
 * Verifies the signature of the ID token from the token endpoint, against the provider's published
 * keys.
 *
 * Auth.js (through oauth4webapi) checks the ID token's claims (iss, aud, exp, nonce) but not its
 * signature, which OIDC Core §3.1.3.7 allows for a token received straight from the token
 * endpoint over TLS. We check it anyway, because that allowance rests on the token endpoint being
 * the provider's: a mis-set endpoint, a compromised proxy or a provider confused by a mix-up
 * attack would otherwise pass off any identity. Only asymmetric algorithms are accepted, so
 * `alg: none` and an HS256 token keyed with our own client secret are refused, and only keys from
 * the issuer's own jwks_uri count (nothing embedded in the token is ever fetched or trusted).
 */

export class IdTokenRejectedError extends Error {
  override name = "IdTokenRejectedError";
}

export const ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

export interface IdTokenIssuer {
  issuer: string;
  clientId: string;
}

type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Per issuer: its keys, fetched once and refreshed by jose when a new kid appears. */
const keySets = new Map<string, Promise<JWTVerifyGetKey>>();

async function discoverKeySet(issuer: string, fetchImpl: FetchLike): Promise<JWTVerifyGetKey> {
  const discoveryUrl = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  const response = await fetchImpl(discoveryUrl, { redirect: "manual", signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new IdTokenRejectedError(`discovery answered ${response.status}`);
  const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // OIDC Discovery §4.3: the document must name the issuer it was fetched from.
  if (metadata.issuer !== issuer) throw new IdTokenRejectedError("discovery names another issuer");
  if (typeof metadata.jwks_uri !== "string") throw new IdTokenRejectedError("discovery has no jwks_uri");
  return createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: 5_000, [customFetch]: fetchImpl });
}

function keySetFor(issuer: string, fetchImpl: FetchLike): Promise<JWTVerifyGetKey> {
  let keys = keySets.get(issuer);
  if (!keys) {
    keys = discoverKeySet(issuer, fetchImpl);
    keySets.set(issuer, keys);
    // A failed discovery is not remembered: the next sign-in tries again.
    keys.catch(() => keySets.delete(issuer));
  }
  return keys;
}

export async function verifyIdTokenSignature(idToken: string, expected: IdTokenIssuer, fetchImpl: FetchLike = fetch): Promise<void> {
  try {
    const keys = await keySetFor(expected.issuer, fetchImpl);
    await jwtVerify(idToken, keys, { issuer: expected.issuer, audience: expected.clientId, algorithms: ID_TOKEN_ALGORITHMS });
  } catch (error) {
    if (error instanceof IdTokenRejectedError) throw error;
    const reason = error instanceof errors.JOSEError ? error.code : (error as Error)?.name ?? "error";
    throw new IdTokenRejectedError(`ID token refused: ${reason}`, { cause: error });
  }
}

/** For tests: forget every issuer's keys. */
export function forgetIdTokenKeys(): void {
  keySets.clear();
}
