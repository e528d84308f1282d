/**
 * Account linking for real: our Auth.js configuration and adapter with two providers, the Dev IdP
 * ("dev-idp", its main client) and the same Dev IdP again as the generic OIDC provider ("oidc",
 * a second client), on a migrated database: in-memory PGlite, and PostgreSQL when
 * TEST_DATABASE_URL is set.
 */
import { createHash } from "node:crypto";

import type { AuthConfig } from "@auth/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { startDevIdp, type DevIdp } from "@/idp/provider";
import { Browser } from "@/test/support/idp-browser";
import { linkIntentCookieName, linkIntentMatches, linkIntentValue, unlinkProvider } from "@/lib/auth/linking";
import { AppClient, atIdp, TEST_APP as APP } from "@/test/support/auth-client";
import { withDatabase } from "@/lib/auth/with-database";
import { createAuthConfig } from "@/lib/auth/config";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import { integrationTargets } from "@/test/support/database-targets";
import { parseEnv } from "@/lib/config/env";
import { readRequestSessionClaims } from "@/lib/session/claims";
import { DEFAULT_SESSION_POLICY } from "@/lib/config/session-policy";
import { revokeOtherSessions, revokeSession } from "@/lib/session/registry";
import { createTokenKeyring } from "@/lib/encryption/keyring";

const SECRET = "account-linking-test-secret-0123456789abcdef";
const ALICE = { email: "alice@example.com", password: "alice-password", sub: "dev-alice-5f0c2a91" };
const BOB = { email: "bob@example.com", password: "bob-password", sub: "dev-bob-8d3e7b14" };
const EVE = { email: "eve@example.com", password: "eve-password", sub: "dev-eve-c41a9e67" };
const SECOND_CLIENT = { clientId: "oauth-next-app-oidc", clientSecret: "second-client-secret-for-tests" };
const keyring = () => createTokenKeyring([SECRET]);

let idp: DevIdp;
beforeAll(async () => {
  idp = await startDevIdp({
    port: 0,
    redirectUris: [`${APP}/api/auth/callback/dev-idp`],
    extraClients: [{ ...SECOND_CLIENT, redirectUris: [`${APP}/api/auth/callback/oidc`] }],
  });
});
afterAll(async () => {
  await idp?.close();
});

describe.each(integrationTargets())("linking accounts on $name", ({ url }) => {
  let database: TestDatabase;
  let config: AuthConfig;

  beforeAll(async () => {
    database = await createTestDatabase({ url });
    const { env, errors } = parseEnv({
      NODE_ENV: "test",
      AUTH_SECRET: SECRET,
      AUTH_DEV_IDP: "1",
      DEV_IDP_ISSUER: idp.issuer,
      AUTH_OIDC_ISSUER: idp.issuer,
      AUTH_OIDC_ID: SECOND_CLIENT.clientId,
      AUTH_OIDC_SECRET: SECOND_CLIENT.clientSecret,
    });
    if (!env) throw new Error(errors.join("\n"));
    const sessions = { policy: DEFAULT_SESSION_POLICY, now: () => new Date() };
    config = {
      ...withDatabase(createAuthConfig(env, sessions.policy), database.db, keyring, sessions),
      basePath: "/api/auth",
      trustHost: true,
    };
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    await database.db.user.deleteMany();
  });

  async function start(app: AppClient, provider: "dev-idp" | "oidc", callbackUrl = "/dashboard"): Promise<string> {
    const { csrfToken } = (await (await app.request(`${APP}/api/auth/csrf`)).json()) as { csrfToken: string };
    const response = await app.request(`${APP}/api/auth/signin/${provider}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrfToken, callbackUrl }),
    });
    const location = response.headers.get("location");
    if (response.status !== 302 || !location) throw new Error(`sign-in did not start (HTTP ${response.status})`);
    return location;
  }

  async function signIn(app: AppClient, provider: "dev-idp" | "oidc", user: { email: string; password: string }): Promise<string> {
    const callback = await atIdp(idp, await start(app, provider), user);
    return (await app.request(callback)).headers.get("location") ?? "";
  }

  async function sessionOf(app: AppClient) {
    const claims = await readRequestSessionClaims(app.credentials().headers, SECRET);
    if (!claims) throw new Error("not signed in");
    return claims;
  }

  /** What the "Link <Provider>" server action sets before it starts the flow. */
  async function pressLink(app: AppClient, provider: string, value?: (sessionId: string) => string): Promise<void> {
    const { sessionId } = await sessionOf(app);
    const intent = value ? value(sessionId) : linkIntentValue(sessionId, provider, SECRET);
    app.jar.store(new Response(null, { headers: { "set-cookie": `${linkIntentCookieName(false)}=${intent}; Path=/` } }));
  }

  const accounts = () =>
    database.db.account.findMany({ select: { userId: true, provider: true, providerAccountId: true }, orderBy: { provider: "asc" } });

  it("signing in with a second provider whose email matches an existing user is refused with the generic message, and creates nothing", async () => {
    await signIn(new AppClient(config), "dev-idp", ALICE);
    const stranger = new AppClient(config);
    expect(await signIn(stranger, "oidc", ALICE)).toBe(`${APP}/login?error=signin_failed`);
    expect(await database.db.user.count()).toBe(1);
    expect((await accounts()).map((a) => a.provider)).toEqual(["dev-idp"]);
    expect(stranger.jar.names()).not.toContain("authjs.session-token");
  });

  it("a signed-in person who presses a sign-in button (not Link) gets nothing linked", async () => {
    const app = new AppClient(config);
    await signIn(app, "dev-idp", ALICE);
    expect(await signIn(app, "oidc", ALICE)).toBe(`${APP}/login?error=link_not_requested`);
    expect((await accounts()).map((a) => a.provider)).toEqual(["dev-idp"]);
  });

  it("Link from a valid session links the provider; afterwards either provider signs in to the same user", async () => {
    const app = new AppClient(config);
    await signIn(app, "dev-idp", ALICE);
    const { userId } = await sessionOf(app);
    await pressLink(app, "oidc");
    const linked = await app.request(await atIdp(idp, await start(app, "oidc", "/settings/accounts"), ALICE));
    expect(linked.headers.get("location")).toBe(`${APP}/settings/accounts`);
    expect(await accounts()).toEqual([
      { userId, provider: "dev-idp", providerAccountId: ALICE.sub },
      { userId, provider: "oidc", providerAccountId: ALICE.sub },
    ]);

    const later = new AppClient(config);
    await signIn(later, "oidc", ALICE);
    expect((await sessionOf(later)).userId).toBe(userId);
    expect(await database.db.user.count()).toBe(1);
  });

  it("a link intent made for another provider, or a stolen cookie whose session was revoked, links nothing", async () => {
    const app = new AppClient(config);
    await signIn(app, "dev-idp", ALICE);
    await pressLink(app, "github");
    expect(await signIn(app, "oidc", ALICE)).toBe(`${APP}/login?error=link_not_requested`);

    await pressLink(app, "oidc");
    const { sessionId } = await sessionOf(app);
    await revokeSession(database.db, sessionId, "revoked", new Date());
    // The dead cookie is nobody's session: this is a signed-out sign-in with an address that
    // already has an account, refused with the generic message.
    expect(await signIn(app, "oidc", ALICE)).toBe(`${APP}/login?error=signin_failed`);
    expect((await accounts()).map((a) => a.provider)).toEqual(["dev-idp"]);
  });

  for (const bobIsNew of [true, false]) {
    it(`a browser whose session was ended elsewhere signs the next person in as themselves (${bobIsNew ? "a new" : "a returning"} person)`, async () => {
      if (!bobIsNew) await signIn(new AppClient(config), "dev-idp", BOB);
      const shared = new AppClient(config);
      await signIn(shared, "dev-idp", ALICE);
      const alice = await sessionOf(shared);
      // "Sign out everywhere else" from Alice's phone ends the session this browser still has a cookie for.
      await revokeOtherSessions(database.db, alice.userId, "her-phone", new Date());
      expect(await signIn(shared, "dev-idp", BOB)).toBe(`${APP}/dashboard`);
      const bob = await sessionOf(shared);
      const bobUser = await database.db.account.findUniqueOrThrow({
        where: { provider_providerAccountId: { provider: "dev-idp", providerAccountId: BOB.sub } },
        select: { userId: true },
      });
      expect(bob.userId).toBe(bobUser.userId);
      expect(bob.userId).not.toBe(alice.userId);
      // Nothing of Bob's was attached to Alice.
      expect(await database.db.account.findMany({ where: { userId: alice.userId }, select: { provider: true } })).toEqual([
        { provider: "dev-idp" },
      ]);
    });
  }

  it("Auth.js's session endpoint deletes a cookie whose session record was revoked", async () => {
    const app = new AppClient(config);
    await signIn(app, "dev-idp", ALICE);
    const { sessionId } = await sessionOf(app);
    await revokeSession(database.db, sessionId, "revoked", new Date());
    expect(await app.session()).toBeNull();
    expect(app.jar.names()).not.toContain("authjs.session-token");
  });

  it("a link intent forged from the session id alone (its plain hash, as a sibling subdomain could plant it) links nothing", async () => {
    const app = new AppClient(config);
    await signIn(app, "dev-idp", ALICE);
    // The value before intents were keyed: anyone who knows the session id could compute it.
    const plainHash = (sessionId: string) => `oidc.${createHash("sha256").update(`link-intent\0${sessionId}\0oidc`).digest("base64url")}`;
    await pressLink(app, "oidc", plainHash);
    expect(await signIn(app, "oidc", ALICE)).toBe(`${APP}/login?error=link_not_requested`);
    // Keyed with another deployment's secret: nothing either.
    await pressLink(app, "oidc", (sessionId) => linkIntentValue(sessionId, "oidc", "another-deployments-secret-0123456789abcdef"));
    expect(await signIn(app, "oidc", ALICE)).toBe(`${APP}/login?error=link_not_requested`);
    expect((await accounts()).map((a) => a.provider)).toEqual(["dev-idp"]);
  });

  it("eve's unverified address never lands her in the account of the person who owns that address", async () => {
    // The real owner of eve@example.com signed up elsewhere; the Dev IdP only *says* Eve has that address, unverified.
    const owner = await database.db.user.create({
      data: { email: EVE.email, accounts: { create: { type: "oauth", provider: "github", providerAccountId: "42" } } },
    });
    const app = new AppClient(config);
    expect(await signIn(app, "dev-idp", EVE)).toBe(`${APP}/dashboard`);
    const { userId } = await sessionOf(app);
    expect(userId).not.toBe(owner.id);
    expect(await database.db.user.findUniqueOrThrow({ where: { id: userId } })).toMatchObject({ email: null });
    expect(await database.db.account.findMany({ where: { userId: owner.id }, select: { provider: true } })).toEqual([
      { provider: "github" },
    ]);
    // Her second provider, signed out, is again no way into anyone's account.
    await signIn(new AppClient(config), "oidc", EVE);
    expect(await database.db.account.count({ where: { userId: owner.id } })).toBe(1);
  });

  it("two browsers finishing the first sign-in of the same new person at the same moment are both signed in, as one User with one Account", async () => {
    const [one, two] = [new AppClient(config), new AppClient(config)];
    const callbacks = await Promise.all([one, two].map(async (app) => atIdp(idp, await start(app, "dev-idp"), BOB, new Browser())));
    const responses = await Promise.all([one.request(callbacks[0]!), two.request(callbacks[1]!)]);
    expect(await database.db.user.count()).toBe(1);
    expect(await accounts()).toEqual([{ userId: expect.any(String), provider: "dev-idp", providerAccountId: BOB.sub }]);
    expect(responses.map((r) => r.headers.get("location"))).toEqual([`${APP}/dashboard`, `${APP}/dashboard`]);
    // Each browser has a session of its own, both of the stored user.
    const [first, second] = await Promise.all([sessionOf(one), sessionOf(two)]);
    const userId = (await accounts())[0]!.userId;
    expect([first.userId, second.userId]).toEqual([userId, userId]);
    expect(first.sessionId).not.toBe(second.sessionId);
  });

  it("unlinking refuses the last provider, removes another, and is safe against two unlinks at once", async () => {
    const app = new AppClient(config);
    await signIn(app, "dev-idp", ALICE);
    const { userId, sessionId } = await sessionOf(app);
    expect(await unlinkProvider(database.db, { userId, provider: "dev-idp", keepSessionId: sessionId }, new Date())).toBe("last_provider");
    expect(await unlinkProvider(database.db, { userId, provider: "github", keepSessionId: sessionId }, new Date())).toBe("not_linked");

    await database.db.account.create({ data: { userId, type: "oauth", provider: "github", providerAccountId: "7" } });
    const results = await Promise.all(
      ["dev-idp", "github"].map((provider) => unlinkProvider(database.db, { userId, provider, keepSessionId: sessionId }, new Date())),
    );
    expect(results.sort()).toEqual(["last_provider", "unlinked"]);
    expect(await database.db.account.count({ where: { userId } })).toBe(1);
  });

  it("unlinking a provider ends the other sessions that signed in with it, not the one asking", async () => {
    const first = new AppClient(config);
    await signIn(first, "dev-idp", ALICE);
    const { userId, sessionId } = await sessionOf(first);
    const other = new AppClient(config);
    await signIn(other, "dev-idp", ALICE);
    await database.db.account.create({ data: { userId, type: "oauth", provider: "github", providerAccountId: "8" } });
    expect(await unlinkProvider(database.db, { userId, provider: "dev-idp", keepSessionId: sessionId }, new Date())).toBe("unlinked");
    const sessions = await database.db.userSession.findMany({ where: { userId }, select: { id: true, revokedAt: true } });
    expect(sessions.find((s) => s.id === sessionId)?.revokedAt).toBeNull();
    expect(sessions.filter((s) => s.id !== sessionId).every((s) => s.revokedAt !== null)).toBe(true);
  });
});

describe("linkIntentMatches", () => {
  const intent = { sessionId: "s".repeat(43), provider: "oidc", secret: SECRET };
  const value = linkIntentValue(intent.sessionId, intent.provider, SECRET);

  it("over https accepts the intent only in the __Host- cookie, which no subdomain can set", () => {
    expect(linkIntentMatches([{ name: "__Host-link-intent", value }], { ...intent, secure: true })).toBe(true);
    expect(linkIntentMatches([{ name: "link-intent", value }], { ...intent, secure: true })).toBe(false);
  });

  it("over http reads the unprefixed cookie", () => {
    expect(linkIntentMatches([{ name: "link-intent", value }], { ...intent, secure: false })).toBe(true);
  });

  it("still accepts an intent made under an older AUTH_SECRET while it is listed", () => {
    const old = linkIntentValue(intent.sessionId, intent.provider, "an-older-secret-0123456789abcdefghij");
    const secret = [SECRET, "an-older-secret-0123456789abcdefghij"];
    expect(linkIntentMatches([{ name: "link-intent", value: old }], { ...intent, secret, secure: false })).toBe(true);
    expect(linkIntentMatches([{ name: "link-intent", value: old }], { ...intent, secure: false })).toBe(false);
  });

  it("is bound to the session and to the provider", () => {
    expect(linkIntentMatches([{ name: "link-intent", value }], { ...intent, sessionId: "t".repeat(43), secure: false })).toBe(false);
    expect(linkIntentMatches([{ name: "link-intent", value }], { ...intent, provider: "github", secure: false })).toBe(false);
  });
});
