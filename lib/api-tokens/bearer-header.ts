import { MAX_ACCESS_TOKEN_LENGTH } from "@/lib/api-tokens/access-token";

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), or null for anything
 * else: another scheme (Basic), `Bearer` with nothing, two tokens, a list of credentials (two
 * Authorization headers arrive joined by a comma), characters outside the b64token syntax, or a
 * header far longer than any token of ours (checked before the pattern runs).
 */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export function bearerToken(authorization: string): string | null {
  if (authorization.length > MAX_ACCESS_TOKEN_LENGTH + 16) return null;
  return BEARER.exec(authorization.trim())?.[1] ?? null;
}
