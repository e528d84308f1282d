/**
 * Session records through the real sign-in (our Auth.js configuration, the Dev IdP over HTTP, a
 * migrated database): what a sign-in writes, what sign-out and revocation do to the next request,
 * sign-in activity, and back-channel logout sent by the Dev IdP itself.
 */
import { createRemoteJWKSet, decodeJwt } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { startDevIdp, type DevIdp } from "@/idp/provider";
import { Browser } from "@/test/support/idp-browser";
import { AppClient, atIdp as atDevIdp, endIdpSession, serveOverHttp, signInAs, TEST_APP, testAuthConfig } from "@/test/support/auth-client";
import { authenticateSession, type AuthDeps } from "@/lib/session/authenticate";
import { handleBackchannelLogout } from "@/lib/auth/backchannel-logout";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import { DEFAULT_SESSION_POLICY } from "@/lib/config/session-policy";
import { revokeOtherSessions } from "@/lib/session/registry";
import { listSignInActivity } from "@/lib/auth/activity";
import { createTokenKeyring } from "@/lib/encryption/keyring";

const SECRET = "session-lifecycle-test-secret-0123456789abcdef";
const ALICE = { email: "alice@example.com", password: "alice-password", sub: "dev-alice-5f0c2a91" };
const BOB = { email: "bob@example.com", password: "bob-password" };
const LAPTOP = {
  "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "x-forwarded-for": "198.51.100.23",
};
const PHONE = {
  "user-agent":
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
  "x-forwarded-for": "203.0.113.77",
};

let idp: DevIdp;
let database: TestDatabase;
let logoutEndpoint: { url: string; close(): Promise<void> };
const keyring = () => createTokenKeyring([SECRET]);

function app(headers: Record<string, string> = LAPTOP): AppClient {
  const sessions = { policy: DEFAULT_SESSION_POLICY, now: () => new Date() };
  return new AppClient(testAuthConfig({ issuer: idp.issuer, secret: SECRET, db: database.db, keyring, sessions }), {
    db: database.db,
    sessions,
    headers,
  });
}

function deps(): AuthDeps {
  return {
    db: database.db,
    policy: DEFAULT_SESSION_POLICY,
    secret: SECRET,
    authUrl: TEST_APP,
    now: () => new Date(),
  };
}

/** Who the app thinks this client is on its next page or action (lib/dal.ts's check). */
const nextRequestAs = (client: AppClient) => authenticateSession(deps(), client.credentials());

async function sessionIdOf(client: AppClient): Promise<string> {
  const user = await nextRequestAs(client);
  if (!user) throw new Error("not signed in");
  return user.sessionId;
}

beforeAll(async () => {
  database = await createTestDatabase();
  // The app's back-channel logout endpoint, on a real port so the Dev IdP can post to it.
  logoutEndpoint = await serveOverHttp("/api/auth/backchannel-logout", (request) =>
    handleBackchannelLogout(request, {
      db: database.db,
      now: () => new Date(),
      log: { info: () => {}, warn: () => {} },
      issuerFor: async (iss) =>
        iss === idp.issuer
          ? { provider: "dev-idp", issuer: iss, clientId: idp.client.clientId, keys: createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)) }
          : null,
    }),
  );
  idp = await startDevIdp({ port: 0, testApi: true, backchannelLogoutUris: [logoutEndpoint.url] });
});

afterAll(async () => {
  await idp?.close();
  await logoutEndpoint?.close();
  await database?.close();
});

beforeEach(async () => {
  await database.db.signInEvent.deleteMany();
  await database.db.user.deleteMany();
});

describe("a sign-in", () => {
  it("creates a session record named by the cookie's sid, with the device, IP and the provider's own sid", async () => {
    const laptop = app();
    await signInAs(idp, laptop, ALICE);
    const user = await nextRequestAs(laptop);
    expect(user).toMatchObject({ email: ALICE.email, provider: "dev-idp" });
    const record = await database.db.userSession.findUniqueOrThrow({ where: { id: user!.sessionId } });
    const idToken = idp.issuedTokens(ALICE.sub).at(-1)!.idToken!;
    expect(record).toMatchObject({
      userId: user!.id,
      provider: "dev-idp",
      providerSid: decodeJwt(idToken).sid,
      ip: LAPTOP["x-forwarded-for"],
      userAgent: LAPTOP["user-agent"],
      revokedAt: null,
    });
    expect(record.providerSid).toEqual(expect.any(String));
  });

  it("always gets a new session id, and the one the browser held before is revoked", async () => {
    const laptop = app();
    await signInAs(idp, laptop, ALICE);
    const before = laptop.credentials();
    const first = await sessionIdOf(laptop);
    await signInAs(idp, laptop, ALICE);
    const second = await sessionIdOf(laptop);
    expect(second).not.toBe(first);
    expect(await authenticateSession(deps(), before)).toBeNull();
    expect((await database.db.userSession.findUniqueOrThrow({ where: { id: first } })).revokedReason).toBe("replaced");
  });

  it("is recorded as sign-in activity with the device and IP", async () => {
    const phone = app(PHONE);
    await signInAs(idp, phone, ALICE);
    const user = (await nextRequestAs(phone))!;
    expect(await listSignInActivity(database.db, user.id)).toEqual([
      expect.objectContaining({ provider: "dev-idp", result: "success", ip: PHONE["x-forwarded-for"], userAgent: PHONE["user-agent"] }),
    ]);
  });
});

describe("ending a session", () => {
  it("sign-out revokes the record: a copy of the cookie taken before is refused by the app and by Auth.js", async () => {
    const laptop = app();
    await signInAs(idp, laptop, ALICE);
    const captured = laptop.credentials();
    const sid = await sessionIdOf(laptop);

    const { csrfToken } = (await (await laptop.request(`${TEST_APP}/api/auth/csrf`)).json()) as { csrfToken: string };
    const signedOut = await laptop.request(`${TEST_APP}/api/auth/signout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrfToken }),
    });
    expect(signedOut.status).toBe(302);
    expect((await database.db.userSession.findUniqueOrThrow({ where: { id: sid } })).revokedReason).toBe("signed_out");

    // The replayed cookie: refused on the next page or action...
    expect(await authenticateSession(deps(), captured)).toBeNull();
    // ...and Auth.js's own session endpoint answers "no session" and clears the cookie.
    const session = await laptop.handler(new Request(`${TEST_APP}/api/auth/session`, { headers: captured.headers }));
    expect(await session.json()).toBeNull();
    expect(session.headers.getSetCookie().some((c) => /^authjs\.session-token=;/.test(c))).toBe(true);
  });

  it("'sign out everywhere else' ends the other device on its very next request, not this one", async () => {
    const laptop = app(LAPTOP);
    const phone = app(PHONE);
    await signInAs(idp, laptop, ALICE);
    await signInAs(idp, phone, ALICE);
    const here = (await nextRequestAs(laptop))!;
    expect(await nextRequestAs(phone)).not.toBeNull();

    expect(await revokeOtherSessions(database.db, here.id, here.sessionId, new Date())).toBe(1);
    expect(await nextRequestAs(phone)).toBeNull();
    expect((await nextRequestAs(laptop))?.sessionId).toBe(here.sessionId);
  });

  it("back-channel logout from the Dev IdP signs out the session that was signed in there, and only that one", async () => {
    const atIdp = new Browser();
    const laptop = app(LAPTOP);
    const phone = app(PHONE);
    await signInAs(idp, laptop, ALICE, undefined, atIdp);
    await signInAs(idp, phone, ALICE); // another browser: another IdP session, another sid
    expect(await nextRequestAs(laptop)).not.toBeNull();

    await endIdpSession(idp, atIdp);

    expect(await nextRequestAs(laptop)).toBeNull();
    expect(await nextRequestAs(phone)).not.toBeNull();
    const revoked = await database.db.userSession.findMany({ where: { revokedReason: "backchannel_logout" } });
    expect(revoked).toHaveLength(1);
  });
});

describe("failed sign-ins", () => {
  it("a signed-in person's failed reconnect is recorded under their account", async () => {
    const laptop = app();
    await signInAs(idp, laptop, ALICE);
    const alice = (await nextRequestAs(laptop))!;
    // Reconnecting, she comes back from the provider as Bob: refused, and it was her.
    await signInAs(idp, laptop, BOB, "/settings/accounts");
    expect((await listSignInActivity(database.db, alice.id)).map((e) => e.result)).toEqual(["provider_account_mismatch", "success"]);
  });

  it("a failure by someone not signed in is kept without a user, and shown to nobody", async () => {
    const laptop = app();
    await signInAs(idp, laptop, ALICE);
    const alice = (await nextRequestAs(laptop))!;

    const stranger = app(PHONE);
    const authorizationUrl = await stranger.startSignIn();
    await stranger.request(await atDevIdp(idp, authorizationUrl, "cancel"));

    const failures = await database.db.signInEvent.findMany({ where: { result: { not: "success" } } });
    expect(failures).toEqual([
      expect.objectContaining({ userId: null, provider: "dev-idp", result: "access_denied", ip: PHONE["x-forwarded-for"] }),
    ]);
    expect((await listSignInActivity(database.db, alice.id)).map((e) => e.result)).toEqual(["success"]);
  });

  it("a made-up provider in the callback path writes nothing", async () => {
    const stranger = app(PHONE);
    const response = await stranger.request(`${TEST_APP}/api/auth/callback/not-a-provider?code=x&state=y`);
    expect(response.headers.get("location")).toContain("/login?error=");
    expect(await database.db.signInEvent.count()).toBe(0);
  });
});
