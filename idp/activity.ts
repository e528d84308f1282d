/**
 * What the Dev IdP keeps count of: successful grants and revocations, and (test API only) every
 * token it handed out, so tests can look for token values where none may appear.
 */
import type { KoaContextWithOIDC } from "oidc-provider";

export interface DevIdpStats {
  /** Successful token endpoint responses, by grant_type. */
  grants: { authorization_code: number; refresh_token: number };
  /** Revocation endpoint requests answered with 200 (RFC 7009 also answers 200 for unknown tokens). */
  revocations: number;
}

/** One successful token response, as the client received it (test API only). */
export interface IssuedTokens {
  grantType: "authorization_code" | "refresh_token";
  /** The user the tokens were issued for. */
  sub: string | undefined;
  accessToken: string;
  refreshToken: string | undefined;
  idToken: string | undefined;
}

/** Bounds the memory a long-running IdP (the bench's) spends on the record. */
const MAX_ISSUED_TOKENS = 500;

export interface Activity {
  /** The live counters: the test API sends and resets this very object. */
  readonly stats: DevIdpStats;
  /** For oidc-provider's grant.success event (the token response is already the body). */
  grantSucceeded(ctx: KoaContextWithOIDC): void;
  revocationAnswered(): void;
  resetStats(): void;
  /** A copy of the record (latest last), optionally for one user. */
  issuedTokens(sub?: string): IssuedTokens[];
}

export function createActivity(options: { recordTokens: boolean }): Activity {
  const stats: DevIdpStats = { grants: { authorization_code: 0, refresh_token: 0 }, revocations: 0 };
  const issued: IssuedTokens[] = [];

  return {
    stats,
    grantSucceeded(ctx) {
      const grantType = ctx.oidc.params?.grant_type;
      if (grantType === "authorization_code" || grantType === "refresh_token") {
        stats.grants[grantType] += 1;
        if (options.recordTokens) recordIssued(issued, ctx, grantType);
      }
    },
    revocationAnswered() {
      stats.revocations += 1;
    },
    resetStats() {
      stats.grants.authorization_code = 0;
      stats.grants.refresh_token = 0;
      stats.revocations = 0;
    },
    issuedTokens: (sub) => structuredClone(sub ? issued.filter((t) => t.sub === sub) : issued),
  };
}

/** The token response the client just got (the handler has set it as the body). */
function recordIssued(issued: IssuedTokens[], ctx: KoaContextWithOIDC, grantType: IssuedTokens["grantType"]): void {
  const body = ctx.body as Record<string, unknown> | undefined;
  if (typeof body?.access_token !== "string") return;
  const optional = (value: unknown) => (typeof value === "string" ? value : undefined);
  issued.push({
    grantType,
    sub: ctx.oidc.account?.accountId,
    accessToken: body.access_token,
    refreshToken: optional(body.refresh_token),
    idToken: optional(body.id_token),
  });
  if (issued.length > MAX_ISSUED_TOKENS) issued.splice(0, issued.length - MAX_ISSUED_TOKENS);
}
