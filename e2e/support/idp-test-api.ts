import { expect, request, type APIRequestContext } from "@playwright/test";

import { DEV_IDP_TEST_CLIENT_SECRET, IDP_URL } from "./stack";

/**
 * The Dev IdP's test API (DEV_IDP_TEST_API=1, see idp/README.md): what the provider saw, and
 * levers a real provider's admin would have (revoking a person's grants).
 */

export interface IdpStats {
  grants: { authorization_code: number; refresh_token: number };
  revocations: number;
}

export interface IssuedTokens {
  grantType: "authorization_code" | "refresh_token";
  sub: string;
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
}

async function withIdp<T>(use: (idp: APIRequestContext) => Promise<T>): Promise<T> {
  const idp = await request.newContext({ baseURL: IDP_URL });
  try {
    return await use(idp);
  } finally {
    await idp.dispose();
  }
}

export function idpStats(): Promise<IdpStats> {
  return withIdp(async (idp) => (await idp.get("/__test/stats")).json() as Promise<IdpStats>);
}

export function resetIdpStats(): Promise<void> {
  return withIdp(async (idp) => {
    expect((await idp.post("/__test/reset-stats")).status()).toBe(200);
  });
}

/** Every grant of this person at the IdP is revoked: the app's next refresh gets invalid_grant. */
export function revokeGrantsAtIdp(sub: string): Promise<void> {
  return withIdp(async (idp) => {
    expect((await idp.post(`/__test/revoke-grants?sub=${encodeURIComponent(sub)}`)).status()).toBe(200);
  });
}

/** Every token the IdP handed out for this person (latest last). */
export function issuedTokens(sub: string): Promise<IssuedTokens[]> {
  return withIdp(
    async (idp) =>
      ((await (await idp.get(`/__test/issued-tokens?sub=${encodeURIComponent(sub)}`)).json()) as { tokens: IssuedTokens[] }).tokens,
  );
}

/** Spends a refresh token at the IdP as the app's client would; answers the HTTP status and error code. */
export function refreshAtIdp(refreshToken: string): Promise<{ status: number; error: string | undefined }> {
  return withIdp(async (idp) => {
    const discovery = (await (await idp.get("/.well-known/openid-configuration")).json()) as { token_endpoint: string };
    // The Dev IdP's client the e2e app uses (e2e/support/stack.ts gives it a secret of its own).
    const basic = Buffer.from(`oauth-next-app:${DEV_IDP_TEST_CLIENT_SECRET}`).toString("base64");
    const response = await idp.post(discovery.token_endpoint, {
      headers: { authorization: `Basic ${basic}` },
      form: { grant_type: "refresh_token", refresh_token: refreshToken },
    });
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    return { status: response.status(), error: body.error };
  });
}
