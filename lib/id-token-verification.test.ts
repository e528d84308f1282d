/**
 * The callback against a hostile provider (idp/rogue-provider.ts): our real Auth.js configuration
 * and database, a provider whose token endpoint answers with crafted ID tokens. Each crafted token
 * must be refused with the "couldn't verify" message, and leave no user, account or session behind.
 * The first case signs honestly, so the harness itself is shown to sign people in.
 */
import { generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { honestIdToken, startRogueProvider, type IdTokenCrafter, type RogueProvider } from "@/idp/rogue-provider";
import { AppClient, TEST_APP, testAuthConfigFor } from "@/lib/auth-test-client";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-database";
import { forgetIdTokenKeys } from "@/lib/id-token-verification";
import { DEFAULT_SESSION_POLICY } from "@/lib/session-policy";
import { createTokenKeyring } from "@/lib/token-keys";

const SECRET = "rogue-provider-test-secret-0123456789abcdef";

let rogue: RogueProvider;
let database: TestDatabase;

function app(): AppClient {
  const sessions = { policy: DEFAULT_SESSION_POLICY, now: () => new Date() };
  const config = testAuthConfigFor(
    {
      AUTH_OIDC_ISSUER: rogue.issuer,
      AUTH_OIDC_ID: rogue.clientId,
      AUTH_OIDC_SECRET: rogue.clientSecret,
    },
    { secret: SECRET, db: database.db, keyring: () => createTokenKeyring([SECRET]), sessions },
  );
  return new AppClient(config, { db: database.db, sessions });
}

/** Sign-in start → the rogue provider "approves" → our callback. Returns where the app sends the browser. */
async function signInThroughRogue(crafter: IdTokenCrafter): Promise<{ location: string; client: AppClient }> {
  rogue.craft(crafter);
  const client = app();
  const authorizationUrl = await client.startSignIn("/dashboard", "oidc");
  const { code, state } = rogue.authorize(authorizationUrl);
  const callback = new URL(`${TEST_APP}/api/auth/callback/oidc`);
  callback.search = new URLSearchParams({ code, state }).toString();
  const response = await client.request(callback.href);
  return { location: response.headers.get("location") ?? "", client };
}

async function expectRefused(crafter: IdTokenCrafter) {
  const before = rogue.tokenRequests;
  const { location, client } = await signInThroughRogue(crafter);
  // The token endpoint was really reached: the refusal is about the token, not an earlier step.
  expect(rogue.tokenRequests).toBe(before + 1);
  expect(new URL(location).pathname).toBe("/login");
  expect(new URL(location).searchParams.get("error")).toBe("invalid_response");
  expect(await client.session()).toBeNull();
  expect(await database.db.user.count()).toBe(0);
  expect(await database.db.account.count()).toBe(0);
  expect(await database.db.userSession.count()).toBe(0);
}

const signedWith = (alg: string, key: CryptoKey | Uint8Array, kid?: string) =>
  (async (context) =>
    new SignJWT({ nonce: context.nonce })
      .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
      .setIssuer(context.issuer)
      .setAudience(context.clientId)
      .setSubject("rogue-user-1")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(key)) satisfies IdTokenCrafter;

beforeAll(async () => {
  rogue = await startRogueProvider();
  database = await createTestDatabase();
});

afterAll(async () => {
  await rogue?.close();
  await database?.close();
});

beforeEach(async () => {
  forgetIdTokenKeys();
  await database.db.signInEvent.deleteMany();
  await database.db.user.deleteMany();
});

describe("a provider's ID token", () => {
  it("signed by the provider's published key, with the right claims, signs the person in", async () => {
    const { location, client } = await signInThroughRogue(honestIdToken);
    expect(location).toBe(`${TEST_APP}/dashboard`);
    expect(await client.session()).toMatchObject({ provider: "oidc" });
    expect(await database.db.account.count()).toBe(1);
  });

  it("is refused unsigned (alg: none)", async () => {
    await expectRefused((context) =>
      new UnsecuredJWT({ nonce: context.nonce })
        .setIssuer(context.issuer)
        .setAudience(context.clientId)
        .setSubject("rogue-user-1")
        .setIssuedAt()
        .setExpirationTime("5m")
        .encode(),
    );
  });

  it("is refused when signed with a key the provider never published, even under its published kid", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    await expectRefused(signedWith("RS256", privateKey, "rogue-published-key"));
  });

  it("is refused when HS256-signed with our own client secret", async () => {
    await expectRefused(async (context) => signedWith("HS256", new TextEncoder().encode(context.clientSecret))(context));
  });

  it("is refused with another issuer", async () => {
    await expectRefused((context) => honestIdToken(context, { iss: "https://accounts.example.com" }));
  });

  it("is refused for another client (wrong aud)", async () => {
    await expectRefused((context) => honestIdToken(context, { aud: "someone-elses-client" }));
  });

  it("is refused once expired", async () => {
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    await expectRefused((context) => honestIdToken(context, { iat: hourAgo - 300, exp: hourAgo }));
  });

  it("is refused with a nonce from another authorization request", async () => {
    await expectRefused((context) => honestIdToken(context, { nonce: "a-nonce-from-another-sign-in" }));
  });

  it("is refused without a nonce", async () => {
    await expectRefused((context) => honestIdToken(context, { nonce: undefined }));
  });
});
