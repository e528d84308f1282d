import "server-only";

import { decodeJwt, errors, jwtVerify, type JWTPayload } from "jose";

import { discover, expectedTokenIssuer } from "@/lib/providers/discovery";
import { isProviderUnavailable } from "@/lib/providers/errors";
import { providerKeySet } from "@/lib/providers/keys";

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
  /** The issuer as configured; the token must carry the one the provider publishes (lib/providers/discovery.ts). */
  issuer: string;
  clientId: string;
}

export interface IdTokenVerifyOptions {
  fetch?: typeof fetch;
  requireHttps?: boolean;
}

/** The token's claims once its signature, issuer and audience check out. */
export async function verifyIdTokenSignature(
  idToken: string,
  expected: IdTokenIssuer,
  options: IdTokenVerifyOptions = {},
): Promise<JWTPayload> {
  const fetchImpl = options.fetch ?? fetch;
  try {
    const metadata = await discover(expected.issuer, { fetch: fetchImpl, requireHttps: options.requireHttps });
    if (!metadata.jwks_uri) throw new IdTokenRejectedError("discovery has no jwks_uri");
    const keys = providerKeySet(metadata.jwks_uri, fetchImpl);
    // The claims are read before the signature is checked only to pick the issuer a template names;
    // jwtVerify then checks that very `iss` (and `tid` with it) under the signature.
    const issuer = expectedTokenIssuer(metadata.issuer, decodeJwt(idToken));
    if (!issuer) throw new IdTokenRejectedError("ID token refused: no tenant for the issuer template");
    const { payload } = await jwtVerify(idToken, keys, { issuer, audience: expected.clientId, algorithms: ID_TOKEN_ALGORITHMS });
    return payload;
  } catch (error) {
    // A provider that does not answer is not a forged token: the person is told to try again.
    if (error instanceof IdTokenRejectedError || isProviderUnavailable(error)) throw error;
    const reason = error instanceof errors.JOSEError ? error.code : ((error as Error)?.message ?? "error");
    throw new IdTokenRejectedError(`ID token refused: ${reason}`, { cause: error });
  }
}
