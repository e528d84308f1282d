import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

import { USERS, signIn } from "./support/dev-idp";
import { signOutFromHeader } from "./support/sign-out";
import { APP_URL } from "./support/stack";

/**
 * An API client (no browser, no cookies) calling /api/* with a bearer token that a signed-in page
 * obtained from POST /api/token, on the real app and database. The token is only as good as the
 * session it came from: after sign-out it is refused, though its signature and expiry are fine.
 */

interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
}

/** What a page of ours does: a same-origin fetch, so the browser itself sends Origin and Sec-Fetch-Site. */
async function tokenFromPage(page: Page): Promise<{ status: number; body: TokenResponse }> {
  return page.evaluate(async () => {
    const response = await fetch("/api/token", { method: "POST" });
    return { status: response.status, body: (await response.json()) as TokenResponse };
  });
}

test.describe("bearer tokens for API clients", () => {
  test.describe.configure({ timeout: 60_000 });
  let client: APIRequestContext;

  test.beforeEach(async ({ playwright }) => {
    // A separate client with no cookie jar shared with any page: only the Authorization header counts.
    client = await playwright.request.newContext({ baseURL: APP_URL });
  });
  test.afterEach(async () => {
    await client.dispose();
  });

  test("a token from POST /api/token lets a cookieless client call /api/me, until the session signs out", async ({ page }) => {
    await signIn(page, USERS.alice, "/dashboard");
    const { status, body } = await tokenFromPage(page);
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 900 });

    const authorization = { Authorization: `Bearer ${body.access_token}` };
    const me = await client.get("/api/me", { headers: authorization });
    expect(me.status()).toBe(200);
    expect(me.headers()["cache-control"]).toBe("no-store");
    expect(await me.json()).toMatchObject({ email: USERS.alice.email, name: USERS.alice.name, providers: ["dev-idp"] });

    // The same client without the token is nobody.
    const anonymous = await client.get("/api/me");
    expect(anonymous.status()).toBe(401);
    expect(anonymous.headers()["www-authenticate"]).toBe('Bearer realm="api"');

    await signOutFromHeader(page, APP_URL);

    const afterSignOut = await client.get("/api/me", { headers: authorization });
    expect(afterSignOut.status()).toBe(401);
    expect(afterSignOut.headers()["www-authenticate"]).toBe('Bearer realm="api", error="invalid_token"');
    expect(await afterSignOut.json()).toEqual({ error: "invalid_token" });
  });

  test("the token's public key is published at /.well-known/jwks.json, with no private part", async ({ page }) => {
    await signIn(page, USERS.bob, "/dashboard");
    const { body } = await tokenFromPage(page);
    const kid = (JSON.parse(Buffer.from(body.access_token.split(".")[0]!, "base64url").toString()) as { kid: string }).kid;
    const jwks = await client.get("/.well-known/jwks.json");
    expect(jwks.status()).toBe(200);
    const { keys } = (await jwks.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toContainEqual(expect.objectContaining({ kid, kty: "EC", alg: "ES256", use: "sig" }));
    for (const key of keys) expect(key).not.toHaveProperty("d");
  });

  test("POST /api/token is refused to a client that is not one of our pages (no Origin: 403; no cookie: 401)", async ({
    page,
    context,
  }) => {
    await signIn(page, USERS.bob, "/dashboard");
    // With the session cookie but from outside our pages (a request with no Origin, or another origin).
    expect((await context.request.post("/api/token")).status()).toBe(403);
    expect((await context.request.post("/api/token", { headers: { Origin: "https://evil.example" } })).status()).toBe(403);
    // A cookieless client cannot mint one at all.
    expect((await client.post("/api/token", { headers: { Origin: APP_URL } })).status()).toBe(401);
  });

  test("a forged or mangled bearer token gets 401 invalid_token, never a 500", async () => {
    for (const token of ["not-a-jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", `${"a".repeat(4000)}.${"b".repeat(4000)}.c`]) {
      const response = await client.get("/api/me", { headers: { Authorization: `Bearer ${token}` } });
      expect(response.status()).toBe(401);
      expect(response.headers()["www-authenticate"]).toBe('Bearer realm="api", error="invalid_token"');
    }
  });
});
