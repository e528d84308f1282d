/**
 * The callback refuses what an attacker can put in it: a missing or forged state, a code used
 * twice, a code begun with one provider and sent to another's callback (the mix-up attack), a
 * missing or foreign `iss` (RFC 9207), and a provider error with a hostile description. Our real
 * Auth.js configuration and database, the Dev IdP over HTTP, and a second (hostile) provider.
 * Every refusal leaves no session and no user behind.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { startDevIdp, type DevIdp } from "@/idp/provider";
import { startRogueProvider, type RogueProvider } from "@/test/support/rogue-provider";
import { AppClient, atIdp, TEST_APP, testAuthConfigFor } from "@/test/support/auth-client";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import { DEFAULT_SESSION_POLICY } from "@/lib/config/session-policy";
import { createTokenKeyring } from "@/lib/encryption/keyring";

const SECRET = "callback-hardening-test-secret-0123456789abcdef";
const ALICE = { email: "alice@example.com", password: "alice-password" };

let idp: DevIdp;
let rogue: RogueProvider;
let database: TestDatabase;

/** The app with two providers: the Dev IdP, and a hostile one configured as the generic OIDC provider. */
function app(): AppClient {
  const sessions = { policy: DEFAULT_SESSION_POLICY, now: () => new Date() };
  const config = testAuthConfigFor(
    {
      AUTH_DEV_IDP: "1",
      DEV_IDP_ISSUER: idp.issuer,
      AUTH_OIDC_ISSUER: rogue.issuer,
      AUTH_OIDC_ID: rogue.clientId,
      AUTH_OIDC_SECRET: rogue.clientSecret,
    },
    { secret: SECRET, db: database.db, keyring: () => createTokenKeyring([SECRET]), sessions },
  );
  return new AppClient(config, { db: database.db, sessions });
}

/** A sign-in with the Dev IdP up to the moment the browser would return: the callback URL, unused. */
async function callbackFromDevIdp(client: AppClient): Promise<URL> {
  const authorizationUrl = await client.startSignIn("/dashboard", "dev-idp");
  return new URL(await atIdp(idp, authorizationUrl, ALICE));
}

function edited(callback: URL, change: (params: URLSearchParams) => void, path = callback.pathname): string {
  const url = new URL(callback.href);
  url.pathname = path;
  change(url.searchParams);
  return url.href;
}

async function expectRefused(client: AppClient, url: string, code: string) {
  const sessionsBefore = await database.db.userSession.count();
  const response = await client.request(url);
  const location = new URL(response.headers.get("location") ?? "", TEST_APP);
  expect(location.pathname).toBe("/login");
  expect(location.searchParams.get("error")).toBe(code);
  expect(await client.session()).toBeNull();
  expect(await database.db.userSession.count()).toBe(sessionsBefore);
}

beforeAll(async () => {
  idp = await startDevIdp({ port: 0, testApi: true });
  rogue = await startRogueProvider();
  database = await createTestDatabase();
});

afterAll(async () => {
  await idp?.close();
  await rogue?.close();
  await database?.close();
});

beforeEach(async () => {
  await database.db.signInEvent.deleteMany();
  await database.db.user.deleteMany();
});

describe("the authorization request", () => {
  it("has a fresh state, nonce and PKCE challenge every time", async () => {
    const client = app();
    const [first, second] = [new URL(await client.startSignIn()), new URL(await client.startSignIn())];
    for (const param of ["state", "nonce", "code_challenge"]) {
      expect(first.searchParams.get(param)).toBeTruthy();
      expect(first.searchParams.get(param)).not.toBe(second.searchParams.get(param));
    }
    expect(first.searchParams.get("code_challenge_method")).toBe("S256");
  });
});

describe("the callback", () => {
  it("signs in with the untouched callback (the baseline the refusals below differ from)", async () => {
    const client = app();
    const response = await client.request((await callbackFromDevIdp(client)).href);
    expect(response.headers.get("location")).toBe(`${TEST_APP}/dashboard`);
    expect(await client.session()).toMatchObject({ provider: "dev-idp" });
  });

  it("refuses a callback without state", async () => {
    const client = app();
    const callback = await callbackFromDevIdp(client);
    await expectRefused(
      client,
      edited(callback, (p) => p.delete("state")),
      "state_mismatch",
    );
  });

  it("refuses a callback with another state", async () => {
    const client = app();
    const callback = await callbackFromDevIdp(client);
    await expectRefused(
      client,
      edited(callback, (p) => p.set("state", "forged-state-value")),
      "state_mismatch",
    );
  });

  it("refuses a code used a second time, even under a fresh sign-in's state", async () => {
    const client = app();
    const first = await callbackFromDevIdp(client);
    expect((await client.request(first.href)).headers.get("location")).toBe(`${TEST_APP}/dashboard`);
    const other = app();
    const fresh = await callbackFromDevIdp(other);
    // The old code with the new attempt's own state and cookies: only the code is replayed.
    await expectRefused(
      other,
      edited(fresh, (p) => p.set("code", first.searchParams.get("code")!)),
      "invalid_response",
    );
  });

  it("refuses a Dev IdP code and state sent to the other provider's callback, which never sees the code", async () => {
    const client = app();
    const callback = await callbackFromDevIdp(client);
    const tokenRequests = rogue.tokenRequests;
    await expectRefused(
      client,
      edited(callback, () => {}, "/api/auth/callback/oidc"),
      "state_mismatch",
    );
    expect(rogue.tokenRequests).toBe(tokenRequests);
  });

  it("refuses a callback without iss from a provider that promises to send it (RFC 9207)", async () => {
    const client = app();
    const callback = await callbackFromDevIdp(client);
    expect(callback.searchParams.get("iss")).toBe(idp.issuer);
    await expectRefused(
      client,
      edited(callback, (p) => p.delete("iss")),
      "invalid_response",
    );
  });

  it("refuses a callback naming another issuer (RFC 9207)", async () => {
    const client = app();
    const callback = await callbackFromDevIdp(client);
    await expectRefused(
      client,
      edited(callback, (p) => p.set("iss", rogue.issuer)),
      "invalid_response",
    );
  });

  it("answers a provider error with our own fixed message, never the provider's description", async () => {
    const client = app();
    const callback = await callbackFromDevIdp(client);
    const hostile = edited(callback, (p) => {
      p.delete("code");
      p.set("error", "access_denied");
      p.set("error_description", "<script>alert(document.cookie)</script> Call +1-555-SCAM to restore your account");
    });
    const response = await client.request(hostile);
    const location = response.headers.get("location") ?? "";
    expect(new URL(location).search).toBe("?error=access_denied");
    expect(location).not.toContain("script");
    expect(await client.session()).toBeNull();
  });
});
