/**
 * The callback against a hostile provider (test/support/rogue-provider.ts): our real Auth.js configuration
 * and database, a provider whose token endpoint answers with crafted ID tokens. Each crafted token
 * must be refused with the "couldn't verify" message, and leave no user, account or session behind.
 * The first case signs honestly, so the harness itself is shown to sign people in.
 */
import { generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { honestIdToken, startRogueProvider, type IdTokenCrafter, type RogueProvider } from "@/test/support/rogue-provider";
import { AppClient, TEST_APP, testAuthConfigFor } from "@/test/support/auth-client";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import { forgetDiscovery } from "@/lib/providers/discovery";
import { forgetProviderKeys, REFETCH_FLOOR_MS } from "@/lib/providers/keys";
import { DEFAULT_SESSION_POLICY } from "@/lib/config/session-policy";
import { createTokenKeyring } from "@/lib/encryption/keyring";

const SECRET = "rogue-provider-test-secret-0123456789abcdef";

let rogue: RogueProvider;
let database: TestDatabase;

function app(provider: RogueProvider = rogue, configuredIssuer = provider.issuer, extra: Record<string, string> = {}): AppClient {
  const sessions = { policy: DEFAULT_SESSION_POLICY, now: () => new Date() };
  const config = testAuthConfigFor(
    {
      AUTH_OIDC_ISSUER: configuredIssuer,
      AUTH_OIDC_ID: provider.clientId,
      AUTH_OIDC_SECRET: provider.clientSecret,
      ...extra,
    },
    { secret: SECRET, db: database.db, keyring: () => createTokenKeyring([SECRET]), sessions },
  );
  return new AppClient(config, { db: database.db, sessions });
}

/** Sign-in start → the rogue provider "approves" → our callback. Returns where the app sends the browser. */
async function signInThroughRogue(
  crafter: IdTokenCrafter,
  client: AppClient = app(),
  provider: RogueProvider = rogue,
): Promise<{ location: string; client: AppClient }> {
  provider.craft(crafter);
  const authorizationUrl = await client.startSignIn("/dashboard", "oidc");
  const { code, state } = provider.authorize(authorizationUrl);
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
  forgetDiscovery();
  forgetProviderKeys();
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

describe("an issuer that ends in a slash", () => {
  // Auth0 publishes https://<tenant>.auth0.com/ (with the slash); Authentik publishes
  // https://<host>/application/o/<slug>/. The configuration may be written either way.
  const cases = [
    { published: "/", configured: (issuer: string) => issuer.slice(0, -1), what: "a root issuer configured without its slash" },
    { published: "/", configured: (issuer: string) => issuer, what: "a root issuer configured with its slash" },
    {
      published: "/application/o/app/",
      configured: (issuer: string) => issuer.slice(0, -1),
      what: "a path issuer configured without its slash",
    },
    { published: "/realms/acme", configured: (issuer: string) => `${issuer}/`, what: "a path issuer without a slash, configured with one" },
  ];
  for (const { published, configured, what } of cases) {
    it(`signs people in: ${what}`, async () => {
      const provider = await startRogueProvider({ issuerPath: published });
      try {
        const { location, client } = await signInThroughRogue(honestIdToken, app(provider, configured(provider.issuer)), provider);
        expect(location).toBe(`${TEST_APP}/dashboard`);
        expect(await client.session()).toMatchObject({ provider: "oidc" });
      } finally {
        await provider.close();
      }
    });
  }

  it("is still refused when the provider publishes another issuer than the one configured", async () => {
    const provider = await startRogueProvider({ issuerPath: "/realms/acme", publishIssuer: (issuer) => issuer.replace("acme", "other") });
    try {
      const { location, client } = await signInThroughRogue(honestIdToken, app(provider), provider);
      expect(new URL(location).searchParams.get("error")).toBe("invalid_response");
      expect(await client.session()).toBeNull();
      expect(await database.db.user.count()).toBe(0);
    } finally {
      await provider.close();
    }
  });

  it("refuses an ID token that carries the configured spelling instead of the published one", async () => {
    const provider = await startRogueProvider({ issuerPath: "/" });
    try {
      const configuredWithoutSlash = provider.issuer.slice(0, -1);
      await expect(
        signInThroughRogue(
          (context) => honestIdToken(context, { iss: configuredWithoutSlash }),
          app(provider, configuredWithoutSlash),
          provider,
        ),
      ).resolves.toMatchObject({ location: expect.stringContaining("error=invalid_response") });
      expect(await database.db.user.count()).toBe(0);
    } finally {
      await provider.close();
    }
  });
});

describe("a provider that changes its signing key", () => {
  it("is trusted at once: an unknown kid right after a sign-in fetches the keys again", async () => {
    const first = await signInThroughRogue(honestIdToken);
    expect(first.location).toBe(`${TEST_APP}/dashboard`);
    const fetchedBefore = rogue.jwksRequests;
    await rogue.rotateKey();
    const started = Date.now();
    const second = await signInThroughRogue(honestIdToken);
    expect(second.location).toBe(`${TEST_APP}/dashboard`);
    expect(rogue.jwksRequests).toBe(fetchedBefore + 1);
    // Within a couple of seconds (the flood floor), not jose's 30-second cool-down.
    expect(Date.now() - started).toBeLessThan(REFETCH_FLOOR_MS + 5_000);
  });

  it("still refuses a kid the provider never published, fetching the keys once for it", async () => {
    await signInThroughRogue(honestIdToken);
    await database.db.user.deleteMany();
    const fetchedBefore = rogue.jwksRequests;
    const { privateKey } = await generateKeyPair("RS256");
    await expectRefused(signedWith("RS256", privateKey, "a-kid-nobody-published"));
    expect(rogue.jwksRequests).toBe(fetchedBefore + 1);
  });
});

describe("the provider's word on the address", () => {
  const variants = [
    { claims: { email: "mallory@example.com", email_verified: true }, stored: "mallory@example.com", what: "true" },
    { claims: { email: "mallory@example.com", email_verified: "true" }, stored: "mallory@example.com", what: 'the string "true"' },
    { claims: { email: "mallory@example.com", email_verified: false }, stored: null, what: "false" },
    { claims: { email: "mallory@example.com", email_verified: "false" }, stored: null, what: 'the string "false"' },
    { claims: { email: "mallory@example.com" }, stored: null, what: "no claim at all" },
    { claims: { email: "mallory@example.com", email_verified: 1 }, stored: null, what: "a number" },
    { claims: {}, stored: null, what: "no address" },
  ];
  for (const { claims, stored, what } of variants) {
    it(`email_verified ${what}: the address is ${stored ? "stored" : "not stored"}`, async () => {
      rogue.setUserinfo({ name: "Mallory", ...claims });
      try {
        const { location } = await signInThroughRogue(honestIdToken);
        expect(location).toBe(`${TEST_APP}/dashboard`);
        expect((await database.db.user.findFirstOrThrow()).email).toBe(stored);
      } finally {
        rogue.setUserinfo({ email: "mallory@example.com", name: "Mallory" });
      }
    });
  }

  it("trusts an address sent without the claim only when AUTH_OIDC_TRUST_EMAIL=1, never one marked false", async () => {
    const trusting = () => app(rogue, rogue.issuer, { AUTH_OIDC_TRUST_EMAIL: "1" });
    rogue.setUserinfo({ name: "Mallory", email: "mallory@example.com" });
    try {
      await signInThroughRogue(honestIdToken, trusting());
      expect((await database.db.user.findFirstOrThrow()).email).toBe("mallory@example.com");
      await database.db.user.deleteMany();
      rogue.setUserinfo({ name: "Mallory", email: "mallory@example.com", email_verified: "false" });
      await signInThroughRogue(honestIdToken, trusting());
      expect((await database.db.user.findFirstOrThrow()).email).toBeNull();
    } finally {
      rogue.setUserinfo({ email: "mallory@example.com", name: "Mallory" });
    }
  });
});
