/**
 * The sign-in flow, server side, for real: our Auth.js configuration and adapter, the embedded
 * Dev IdP over HTTP, and a migrated database (test/support/auth-client.ts drives it).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { startDevIdp, type DevIdp } from "@/idp/provider";
import { readAccountTokens } from "@/lib/providers/tokens/store";
import { AppClient, atIdp as atDevIdp, signInAs as signInAtDevIdp, TEST_APP as APP, testAuthConfig } from "@/test/support/auth-client";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import { isEncryptedToken } from "@/lib/encryption/ciphertext";
import { createTokenKeyring } from "@/lib/encryption/keyring";

const SECRET = "integration-test-secret-0123456789abcdefghij";
const ALICE = { email: "alice@example.com", password: "alice-password", name: "Alice Example", sub: "dev-alice-5f0c2a91" };
const BOB = { email: "bob@example.com", password: "bob-password", name: "Bob Example" };

let idp: DevIdp;
let database: TestDatabase;
const keyring = () => createTokenKeyring([SECRET]);

function configFor(issuer: string) {
  return testAuthConfig({ issuer, secret: SECRET, db: database.db, keyring });
}

const atIdp = (authorizationUrl: string, action: { email: string; password: string } | "cancel") => atDevIdp(idp, authorizationUrl, action);

const signInAs = (app: AppClient, user: { email: string; password: string }, callbackUrl?: string) =>
  signInAtDevIdp(idp, app, user, callbackUrl);

function location(response: Response): string {
  return response.headers.get("location") ?? "";
}

beforeAll(async () => {
  idp = await startDevIdp({ port: 0, testApi: true });
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.close();
  await idp?.close();
});

beforeEach(async () => {
  await database.db.account.deleteMany();
  await database.db.user.deleteMany();
});

describe("signing in through Auth.js with the Dev IdP", () => {
  it("builds an authorization URL with our client, redirect URI, scopes, PKCE S256, state and nonce", async () => {
    const app = new AppClient(configFor(idp.issuer));
    const url = new URL(await app.startSignIn());
    expect(url.origin).toBe(idp.issuer);
    expect(url.searchParams.get("client_id")).toBe("oauth-next-app");
    expect(url.searchParams.get("redirect_uri")).toBe(`${APP}/api/auth/callback/dev-idp`);
    expect(url.searchParams.get("scope")?.split(" ").sort()).toEqual(["email", "offline_access", "openid", "profile"]);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("state")).toBeTruthy();
    expect(url.searchParams.get("nonce")).toBeTruthy();
    expect(app.jar.names().sort()).toEqual(expect.arrayContaining(["authjs.nonce", "authjs.pkce.code_verifier", "authjs.state"]));
  });

  it("exchanges the code, stores the user and linked account with the profile, and sets the session cookie", async () => {
    const app = new AppClient(configFor(idp.issuer));
    const { callback, response } = await signInAs(app, ALICE, "/settings/profile");
    expect(new URL(callback).searchParams.get("iss")).toBe(idp.issuer);
    expect(response.status).toBe(302);
    expect(location(response)).toBe(`${APP}/settings/profile`);
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith("authjs.session-token="));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);

    const users = await database.db.user.findMany({ include: { accounts: true } });
    expect(users).toHaveLength(1);
    const [user] = users;
    expect(user).toMatchObject({ email: ALICE.email, name: ALICE.name, image: `${idp.issuer}/avatars/alice.svg` });
    expect(user!.accounts).toEqual([expect.objectContaining({ provider: "dev-idp", providerAccountId: ALICE.sub, type: "oidc" })]);
    expect(user!.accounts[0]!.refresh_token).toBeTruthy();
    expect(user!.accounts[0]!.expires_at).toBeGreaterThan(Date.now() / 1000);
  });

  it("authenticates later requests by the cookie alone, exposing only the user id and provider", async () => {
    const app = new AppClient(configFor(idp.issuer));
    await signInAs(app, ALICE);
    const user = await database.db.user.findFirstOrThrow();
    const session = await app.session();
    expect(session).toEqual({ user: { id: user.id }, provider: "dev-idp", expires: expect.any(String) });
    const stored = await readAccountTokens(database.db, await keyring(), user.id, "dev-idp");
    const serialized = JSON.stringify(session);
    for (const token of [stored?.accessToken, stored?.refreshToken, stored?.idToken]) {
      expect(token).toBeTruthy();
      expect(serialized).not.toContain(token);
    }
  });

  it("stores the provider tokens encrypted, and fresh ones on every later sign-in, clearing a reconnect mark", async () => {
    await signInAs(new AppClient(configFor(idp.issuer)), ALICE);
    const user = await database.db.user.findFirstOrThrow();
    const row = await database.db.account.findFirstOrThrow();
    for (const column of [row.access_token, row.refresh_token, row.id_token]) expect(isEncryptedToken(column!)).toBe(true);
    const first = (await readAccountTokens(database.db, await keyring(), user.id, "dev-idp"))!;
    const issued = idp.issuedTokens(ALICE.sub).at(-1)!;
    expect(first).toMatchObject({ accessToken: issued.accessToken, refreshToken: issued.refreshToken, idToken: issued.idToken });

    // As after an invalid_grant: the person is asked to reconnect, which is simply signing in again.
    await database.db.account.updateMany({
      data: { reconnectRequiredAt: new Date(), reconnectReason: "invalid_grant", refresh_token: null },
    });
    await signInAs(new AppClient(configFor(idp.issuer)), ALICE);
    const again = (await readAccountTokens(database.db, await keyring(), user.id, "dev-idp"))!;
    const reissued = idp.issuedTokens(ALICE.sub).at(-1)!;
    expect(again.accessToken).toBe(reissued.accessToken);
    expect(again.refreshToken).toBe(reissued.refreshToken);
    expect(again.accessToken).not.toBe(first.accessToken);
    expect(again.reconnectRequired).toBeNull();
    expect(again.version).toBeGreaterThan(first.version);
  });

  it("finds the same user on the next sign-in instead of creating another, and keeps their edited name", async () => {
    await signInAs(new AppClient(configFor(idp.issuer)), ALICE);
    const first = await database.db.user.findFirstOrThrow();
    await database.db.user.update({ where: { id: first.id }, data: { name: "Alice (edited)" } });

    const again = new AppClient(configFor(idp.issuer));
    await signInAs(again, ALICE);
    expect(await database.db.user.count()).toBe(1);
    expect(await database.db.account.count()).toBe(1);
    expect((await again.session())?.user).toEqual({ id: first.id });
    expect((await database.db.user.findFirstOrThrow()).name).toBe("Alice (edited)");
  });

  it("keeps two people apart", async () => {
    const alice = new AppClient(configFor(idp.issuer));
    const bob = new AppClient(configFor(idp.issuer));
    await signInAs(alice, ALICE);
    await signInAs(bob, BOB);
    const aliceId = ((await alice.session())?.user as { id: string }).id;
    const bobId = ((await bob.session())?.user as { id: string }).id;
    expect(aliceId).not.toBe(bobId);
    expect((await database.db.user.findUniqueOrThrow({ where: { id: bobId } })).email).toBe(BOB.email);
  });
});

describe("sign-in failures", () => {
  it("Cancel at the IdP (access_denied) ends at /login?error=access_denied with no user and no session", async () => {
    const app = new AppClient(configFor(idp.issuer));
    const authorizationUrl = await app.startSignIn();
    const callback = await atIdp(authorizationUrl, "cancel");
    expect(new URL(callback).searchParams.get("error")).toBe("access_denied");
    const response = await app.request(callback);
    expect(location(response)).toBe(`${APP}/login?error=access_denied`);
    expect(app.jar.names()).not.toContain("authjs.session-token");
    expect(await database.db.user.count()).toBe(0);
  });

  it("a callback without this browser's state cookie is a state mismatch", async () => {
    const starter = new AppClient(configFor(idp.issuer));
    const callback = await atIdp(await starter.startSignIn(), ALICE);
    const stranger = new AppClient(configFor(idp.issuer));
    const response = await stranger.request(callback);
    expect(location(response)).toBe(`${APP}/login?error=state_mismatch`);
    expect(await database.db.user.count()).toBe(0);
  });

  it("a replayed callback (same code, same cookies) is refused and creates nothing more", async () => {
    const app = new AppClient(configFor(idp.issuer));
    const callback = await atIdp(await app.startSignIn(), ALICE);
    const cookiesBefore = app.jar.headerFor(callback)!;
    expect(location(await app.request(callback))).toBe(`${APP}/dashboard`);

    const replay = await app.handler(new Request(callback, { headers: { cookie: cookiesBefore } }));
    expect(location(replay)).toBe(`${APP}/login?error=invalid_response`);
    expect(replay.headers.getSetCookie().some((c) => /^authjs\.session-token=[^;]/.test(c))).toBe(false);
    expect(await database.db.account.count()).toBe(1);
  });

  it("a callback naming another issuer (RFC 9207 mix-up) is refused", async () => {
    const app = new AppClient(configFor(idp.issuer));
    const callback = new URL(await atIdp(await app.startSignIn(), ALICE));
    callback.searchParams.set("iss", "https://evil.example");
    const response = await app.request(callback.href);
    expect(location(response)).toBe(`${APP}/login?error=invalid_response`);
    expect(await database.db.user.count()).toBe(0);
  });

  it("an unreachable provider is reported as such when the sign-in starts", async () => {
    const down = await startDevIdp({ port: 0 });
    const issuer = down.issuer;
    await down.close();
    const app = new AppClient(configFor(issuer));
    const csrf = (await (await app.request(`${APP}/api/auth/csrf`)).json()) as { csrfToken: string };
    const response = await app.request(`${APP}/api/auth/signin/dev-idp`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrfToken: csrf.csrfToken, callbackUrl: "/dashboard" }),
    });
    expect(location(response)).toBe(`${APP}/login?error=provider_unreachable`);
  });

  it("a reconnect that comes back as another person at the provider is refused and links nothing", async () => {
    const app = new AppClient(configFor(idp.issuer));
    await signInAs(app, ALICE);
    // Signed in as Alice, she reconnects the Dev IdP, but signs in there as Bob.
    const { response } = await signInAs(app, BOB, "/settings/accounts");
    expect(location(response)).toBe(`${APP}/login?error=provider_account_mismatch`);
    expect((await database.db.account.findMany()).map((a) => a.providerAccountId)).toEqual([ALICE.sub]);
    expect(await database.db.user.count()).toBe(1);
  });

  it("an address already used by another account is not silently joined to it", async () => {
    await database.db.user.create({
      data: {
        email: ALICE.email,
        name: "Alice via GitHub",
        accounts: { create: { type: "oauth", provider: "github", providerAccountId: "1234" } },
      },
    });
    const app = new AppClient(configFor(idp.issuer));
    const { response } = await signInAs(app, ALICE);
    // The same page as any other failure: nothing says the address is registered here.
    expect(location(response)).toBe(`${APP}/login?error=signin_failed`);
    expect(await database.db.account.count()).toBe(1);
    expect(app.jar.names()).not.toContain("authjs.session-token");
  });
});
