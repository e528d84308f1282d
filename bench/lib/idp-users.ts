/**
 * The bench's many users for the Dev IdP (scenario 5), and the messages between the bench and its
 * IdP process (bench/idp.ts).
 */
import type { DevUser } from "../../idp/users";

/** The Dev IdP's client id (its default), which the app and the peers use. */
export const BENCH_DEV_IDP_CLIENT_ID = "oauth-next-app";

/** The bench's Dev IdP client secret: production builds refuse the published development one (lib/config/env.ts). */
export const BENCH_DEV_IDP_CLIENT_SECRET = "bench-dev-idp-client-secret-not-the-published-one";

export interface IdpSettings {
  /** The snapshot of the sources whose idp/ to run (the app build's). */
  sourceRoot: string;
  port: number;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUris: string[];
  accessTokenTtlSeconds: number;
  /** How many bench users to ask the IdP for (scenario 5). */
  extraUsers: number;
}

export interface IdpCounters {
  /** Successful token responses by grant type (the IdP's /__test/stats). */
  grants: { authorization_code: number; refresh_token: number };
  revocations: number;
  /** refresh_token requests the token endpoint refused (oidc-provider's grant.error). */
  refreshRefused: number;
}

export type IdpMessage =
  { type: "ready"; issuer: string; extraUsersSupported: boolean; extraUsers: number } | { type: "counters"; counters?: IdpCounters };

/** Letters only: the Dev IdP serves avatars at /avatars/<[a-z]+>.svg. */
function letters(n: number): string {
  let out = "";
  let rest = n;
  for (let i = 0; i < 4; i++) {
    out = String.fromCharCode(97 + (rest % 26)) + out;
    rest = Math.floor(rest / 26);
  }
  return out;
}

/** bench-user-0001@bench.example / bench-password-0001, and so on: new people, verified emails. */
export function benchUsers(count: number): DevUser[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(4, "0");
    return {
      sub: `bench-user-${n}`,
      email: `bench-user-${n}@bench.example`,
      password: `bench-password-${n}`,
      name: `Bench User ${n}`,
      givenName: "Bench",
      familyName: `User ${n}`,
      emailVerified: true,
      avatar: `bench${letters(i)}.svg`,
      color: "#475569",
    };
  });
}
