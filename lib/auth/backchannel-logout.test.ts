/**
 * OIDC Back-Channel Logout 1.0 (RP side) on a real database. The provider's signing key is a real
 * RSA key published as a JWKS by a local HTTP server and fetched by the app's own key set
 * (lib/providers/keys.ts): the only stand-in is the provider at the HTTP edge.
 *
 * Every verification rule of §2.6 has its own test, and every refusal also proves that nothing was
 * revoked: a forged or replayed logout token must never sign anybody out.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { base64url, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import {
  handleBackchannelLogout,
  LOGOUT_EVENT,
  MAX_LOGOUT_TOKEN_AGE_SECONDS,
  type LogoutTokenIssuer,
} from "@/lib/auth/backchannel-logout";
import type { Database } from "@/lib/db";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import { providerKeySet } from "@/lib/providers/keys";
import { startSession } from "@/lib/session/registry";

const PROVIDER = "dev-idp";
const CLIENT_ID = "oauth-next-app";
const CLIENT_SECRET = "dev-idp-client-secret-not-for-production";
const ENDPOINT = "http://localhost:3000/api/auth/backchannel-logout";
const CLIENT = { ip: "192.0.2.10", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36" };
const ALICE_SUB = "dev-alice-5f0c2a91";
const BOB_SUB = "dev-bob-8d3e7b14";
const SILENT = { info: () => {}, warn: () => {} };

let database: TestDatabase;
let jwksServer: Server;
let jwksRequests = 0;
let issuer: string;
let providerKey: { kid: string; privateKey: CryptoKey };
let issuerEntry: LogoutTokenIssuer;
let now: Date;
let jtiCounter = 0;

/** Alice signed in twice through the provider (two provider sessions), Bob once; Alice once more elsewhere. */
let sessions: { aliceOne: string; aliceTwo: string; aliceOtherProvider: string; bob: string };

async function startJwksServer(keys: JWK[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    jwksRequests += 1;
    if (req.url === "/jwks") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  database = await createTestDatabase();
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const publicJwk = await exportJWK(publicKey);
  providerKey = { kid: "provider-key-1", privateKey };
  const started = await startJwksServer([{ ...publicJwk, kid: providerKey.kid, alg: "RS256", use: "sig" }]);
  jwksServer = started.server;
  issuer = started.url;
  issuerEntry = {
    provider: PROVIDER,
    issuer,
    clientId: CLIENT_ID,
    keys: providerKeySet(`${issuer}/jwks`, fetch),
  };
});

afterAll(async () => {
  await database?.close();
  await new Promise((resolve) => jwksServer?.close(resolve));
});

beforeEach(async () => {
  const { db } = database;
  now = new Date();
  await db.seenLogoutToken.deleteMany();
  await db.user.deleteMany();
  const alice = await db.user.create({
    data: {
      email: "alice@example.com",
      accounts: {
        create: [
          { type: "oidc", provider: PROVIDER, providerAccountId: ALICE_SUB },
          { type: "oidc", provider: "oidc", providerAccountId: ALICE_SUB },
        ],
      },
    },
  });
  const bob = await db.user.create({
    data: { email: "bob@example.com", accounts: { create: { type: "oidc", provider: PROVIDER, providerAccountId: BOB_SUB } } },
  });
  const start = (userId: string, providerSid: string, provider = PROVIDER) =>
    startSession(db, { userId, provider, providerSid, client: CLIENT }, now);
  sessions = {
    aliceOne: await start(alice.id, "op-sid-alice-1"),
    aliceTwo: await start(alice.id, "op-sid-alice-2"),
    // Same provider sid string, but another provider: a dev-idp logout must never touch it.
    aliceOtherProvider: await start(alice.id, "op-sid-alice-1", "oidc"),
    bob: await start(bob.id, "op-sid-bob-1"),
  };
});

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** A logout token as oidc-provider sends it (§2.4), with any claim or header changed; `undefined` removes one. */
async function logoutToken(
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  key: CryptoKey | Uint8Array = providerKey.privateKey,
): Promise<string> {
  const iat = seconds(now);
  const payload: Record<string, unknown> = {
    iss: issuer,
    aud: CLIENT_ID,
    iat,
    exp: iat + 120,
    jti: `jti-${++jtiCounter}-${Math.random().toString(36).slice(2)}`,
    sub: ALICE_SUB,
    sid: "op-sid-alice-1",
    events: { [LOGOUT_EVENT]: {} },
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  const protectedHeader = { alg: "RS256", kid: providerKey.kid, typ: "logout+jwt", ...header };
  for (const [name, value] of Object.entries(protectedHeader)) if (value === undefined) delete (protectedHeader as Record<string, unknown>)[name];
  return new SignJWT(payload).setProtectedHeader(protectedHeader as never).sign(key);
}

/** An unsigned JWT (`alg: none`), which jose will not produce. */
function unsecuredToken(claims: Record<string, unknown>): string {
  const iat = seconds(now);
  const encode = (value: object) => base64url.encode(JSON.stringify(value));
  const payload = { iss: issuer, aud: CLIENT_ID, iat, exp: iat + 120, jti: "unsigned", sub: ALICE_SUB, events: { [LOGOUT_EVENT]: {} }, ...claims };
  return `${encode({ alg: "none", typ: "logout+jwt" })}.${encode(payload)}.`;
}

function post(body: BodyInit | null, headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" }): Request {
  return new Request(ENDPOINT, { method: "POST", headers, body });
}

const form = (token: string) => new URLSearchParams({ logout_token: token }).toString();

function deliver(request: Request, options: { db?: Database; issuerFor?: (iss: string) => Promise<LogoutTokenIssuer | null> } = {}) {
  return handleBackchannelLogout(request, {
    db: options.db ?? database.db,
    issuerFor: options.issuerFor ?? (async (iss) => (iss === issuer ? issuerEntry : null)),
    now: () => now,
    log: SILENT,
  });
}

const send = (token: string) => deliver(post(form(token)));

async function revokedSessions(): Promise<string[]> {
  const rows = await database.db.userSession.findMany({ where: { revokedAt: { not: null } }, select: { id: true } });
  return rows.map((r) => r.id).sort();
}

async function expectAccepted(response: Response): Promise<void> {
  expect(response.status).toBe(200);
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(await response.text()).toBe("");
}

/** 413 before the body is read whole, and nobody was signed out. */
async function expectTooLarge(response: Response): Promise<void> {
  expect(response.status).toBe(413);
  expect(await response.json()).toEqual({ error: "payload_too_large" });
  expect(await revokedSessions()).toEqual([]);
}

/** §2.8: 400 with a JSON error, never cached, and nobody was signed out. */
async function expectRefused(response: Response, description: RegExp): Promise<void> {
  expect(response.status).toBe(400);
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: string; error_description: string };
  expect(body.error).toBe("invalid_request");
  expect(body.error_description).toMatch(description);
  expect(await revokedSessions()).toEqual([]);
}

describe("a valid logout token", () => {
  it("naming a sid revokes exactly that provider session, and answers 200 with no-store", async () => {
    await expectAccepted(await send(await logoutToken({ sub: undefined, sid: "op-sid-alice-1" })));
    expect(await revokedSessions()).toEqual([sessions.aliceOne]);
    const row = await database.db.userSession.findUniqueOrThrow({ where: { id: sessions.aliceOne } });
    expect(row).toMatchObject({ revokedAt: now, revokedReason: "backchannel_logout" });
  });

  it("naming only a sub revokes every session of that person with this provider, and no one else's", async () => {
    await expectAccepted(await send(await logoutToken({ sid: undefined, sub: ALICE_SUB })));
    expect(await revokedSessions()).toEqual([sessions.aliceOne, sessions.aliceTwo].sort());
  });

  it("naming both sid and sub revokes only the session matching both", async () => {
    await expectAccepted(await send(await logoutToken({ sid: "op-sid-alice-2", sub: ALICE_SUB })));
    expect(await revokedSessions()).toEqual([sessions.aliceTwo]);
  });

  it("whose sid belongs to another subject revokes nothing (both must match)", async () => {
    await expectAccepted(await send(await logoutToken({ sid: "op-sid-bob-1", sub: ALICE_SUB })));
    expect(await revokedSessions()).toEqual([]);
  });

  it("is accepted with an audience array that includes our client id", async () => {
    await expectAccepted(await send(await logoutToken({ aud: ["another-client", CLIENT_ID] })));
    expect(await revokedSessions()).toEqual([sessions.aliceOne]);
  });

  it.each([
    ["typ logout+jwt", { typ: "logout+jwt" }],
    ["typ application/logout+jwt", { typ: "application/logout+jwt" }],
    ["typ JWT (providers from before explicit typing)", { typ: "JWT" }],
    ["no typ", { typ: undefined }],
  ])("is accepted with %s", async (_label, header) => {
    await expectAccepted(await send(await logoutToken({}, header)));
    expect(await revokedSessions()).toEqual([sessions.aliceOne]);
  });

  it("is accepted within the clock skew when the provider's clock runs ahead (iat 30 s in the future)", async () => {
    await expectAccepted(await send(await logoutToken({ iat: seconds(now) + 30 })));
  });

  it("is accepted when it carries no exp (iat bounds its age)", async () => {
    await expectAccepted(await send(await logoutToken({ exp: undefined })));
  });

  it("remembers its jti until it could no longer be accepted, and forgets expired ones as new ones arrive", async () => {
    const stale = await database.db.seenLogoutToken.create({
      data: { issuer, jti: "long-gone", expiresAt: new Date(now.getTime() - 1000) },
    });
    await expectAccepted(await send(await logoutToken({ jti: "remember-me" })));
    const seen = await database.db.seenLogoutToken.findMany();
    expect(seen.map((s) => s.jti)).toEqual(["remember-me"]);
    expect(seen).not.toContainEqual(expect.objectContaining({ jti: stale.jti }));
    // exp is iat + 120 s, sooner than the age limit; plus the 60 s clock tolerance.
    expect(seen[0]!.expiresAt.getTime()).toBe((seconds(now) + 120 + 60) * 1000);
  });
});

describe("refused logout tokens (400, nothing revoked)", () => {
  it("from an issuer that is not one of the app's providers", async () => {
    await expectRefused(await send(await logoutToken({ iss: "https://idp.evil.example" })), /issuer is not a provider/);
  });

  it("whose iss differs from the provider the lookup matched (the issuer is pinned in verification)", async () => {
    const lenient = async () => issuerEntry;
    const response = await deliver(post(form(await logoutToken({ iss: `${issuer}/other` }))), { issuerFor: lenient });
    await expectRefused(response, /issuer does not match/);
  });

  it("for another client (wrong aud)", async () => {
    await expectRefused(await send(await logoutToken({ aud: "another-client" })), /not for this client/);
  });

  it("without aud", async () => {
    await expectRefused(await send(await logoutToken({ aud: undefined })), /not for this client/);
  });

  it("without iat", async () => {
    await expectRefused(await send(await logoutToken({ iat: undefined })), /lacks a required claim/);
  });

  it("issued longer ago than the accepted age (iat too old), even with exp still ahead", async () => {
    const iat = seconds(now) - MAX_LOGOUT_TOKEN_AGE_SECONDS - 61;
    await expectRefused(await send(await logoutToken({ iat, exp: seconds(now) + 600 })), /issued too long ago/);
  });

  it("issued in the future beyond the clock skew", async () => {
    await expectRefused(await send(await logoutToken({ iat: seconds(now) + 120, exp: seconds(now) + 240 })), /in the future/);
  });

  it("expired (exp passed beyond the clock skew)", async () => {
    await expectRefused(await send(await logoutToken({ iat: seconds(now) - 200, exp: seconds(now) - 61 })), /has expired/);
  });

  it("without jti", async () => {
    await expectRefused(await send(await logoutToken({ jti: undefined })), /lacks a required claim/);
  });

  it("replayed: the same jti a second time is refused and revokes nothing more", async () => {
    const token = await logoutToken({ jti: "once-only", sid: "op-sid-alice-1", sub: undefined });
    await expectAccepted(await send(token));
    // Alice signs in again through the same provider session; a replay must not sign her out.
    await database.db.userSession.update({ where: { id: sessions.aliceOne }, data: { revokedAt: null, revokedReason: null } });
    await expectRefused(await send(token), /already used/);
  });

  it("replayed with a fresh signature: a jti seen once is refused whatever else changed", async () => {
    await expectAccepted(await send(await logoutToken({ jti: "same-jti", sid: "op-sid-alice-1", sub: undefined })));
    await database.db.userSession.update({ where: { id: sessions.aliceOne }, data: { revokedAt: null, revokedReason: null } });
    await expectRefused(await send(await logoutToken({ jti: "same-jti", sid: "op-sid-alice-2", sub: undefined })), /already used/);
  });

  it("the same token delivered twice at once (two instances) is accepted once", async () => {
    const token = await logoutToken({ jti: "concurrent" });
    const responses = await Promise.all([send(token), send(token)]);
    expect(responses.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  it("without the events claim", async () => {
    await expectRefused(await send(await logoutToken({ events: undefined })), /lacks a required claim/);
  });

  it.each([
    ["another event", { "http://schemas.openid.net/event/something-else": {} }],
    ["the logout event as a string instead of an object", { [LOGOUT_EVENT]: "yes" }],
    ["the logout event as an array", { [LOGOUT_EVENT]: [] }],
    ["an array of events", [LOGOUT_EVENT]],
    ["an events string", LOGOUT_EVENT],
  ])("whose events claim holds %s", async (_label, events) => {
    await expectRefused(await send(await logoutToken({ events })), /back-channel logout event/);
  });

  it("with a nonce (an ID token must never pass for a logout token)", async () => {
    await expectRefused(await send(await logoutToken({ nonce: "n-0S6_WzA2Mj" })), /must not contain a nonce/);
  });

  it("naming neither sid nor sub", async () => {
    await expectRefused(await send(await logoutToken({ sid: undefined, sub: undefined })), /neither sid nor sub/);
  });

  it("naming an empty sid and no sub", async () => {
    await expectRefused(await send(await logoutToken({ sid: "", sub: undefined })), /unusable sid or sub/);
  });

  it("whose sid is not a string, even with a sub (it must not widen into 'every session of the sub')", async () => {
    await expectRefused(await send(await logoutToken({ sid: 12345, sub: ALICE_SUB })), /unusable sid or sub/);
  });

  it("whose sub is not a string, even with a sid", async () => {
    await expectRefused(await send(await logoutToken({ sid: "op-sid-alice-1", sub: { id: ALICE_SUB } })), /unusable sid or sub/);
  });

  it("unsigned (alg none)", async () => {
    await expectRefused(await send(unsecuredToken({})), /algorithm is not accepted/);
  });

  it("signed with the client secret (HS256) instead of the provider's key", async () => {
    const token = await logoutToken({}, { alg: "HS256" }, new TextEncoder().encode(CLIENT_SECRET));
    await expectRefused(await send(token), /algorithm is not accepted/);
  });

  it("signed with a foreign key under the provider's kid", async () => {
    const foreign = await generateKeyPair("RS256");
    await expectRefused(await send(await logoutToken({}, {}, foreign.privateKey)), /signature does not verify/);
  });

  it("signed with a key the provider does not publish (unknown kid), with no fallback to another key", async () => {
    const foreign = await generateKeyPair("RS256");
    await expectRefused(await send(await logoutToken({}, { kid: "not-published" }, foreign.privateKey)), /signature does not verify/);
  });

  it("carrying its own key in the header (embedded jwk is never trusted)", async () => {
    const foreign = await generateKeyPair("RS256");
    const jwk = await exportJWK(foreign.publicKey);
    await expectRefused(await send(await logoutToken({}, { kid: undefined, jwk }, foreign.privateKey)), /signature does not verify/);
  });

  it("whose signature was altered", async () => {
    const token = await logoutToken();
    const [h, p, s] = token.split(".");
    const flipped = `${s!.slice(0, 10)}${s![10] === "A" ? "B" : "A"}${s!.slice(11)}`;
    await expectRefused(await send(`${h}.${p}.${flipped}`), /signature does not verify/);
  });

  it("whose payload was altered after signing (another sid)", async () => {
    const token = await logoutToken({ sid: "op-sid-alice-1", sub: undefined });
    const [h, , s] = token.split(".");
    const payload = base64url.encode(
      JSON.stringify({ iss: issuer, aud: CLIENT_ID, iat: seconds(now), jti: "forged", sid: "op-sid-bob-1", events: { [LOGOUT_EVENT]: {} } }),
    );
    await expectRefused(await send(`${h}.${payload}.${s}`), /signature does not verify/);
  });

  it.each(["at+jwt", "secevent+jwt", "id_token+jwt"])("of another explicit type (typ %s)", async (typ) => {
    await expectRefused(await send(await logoutToken({}, { typ })), /not a logout token/);
  });
});

describe("the HTTP request", () => {
  it.each([
    ["an empty body", ""],
    ["no logout_token parameter", "token=abc"],
    ["a logout_token that is not a JWT", "logout_token=not-a-jwt"],
    ["a logout_token of three parts that are not base64url JSON", "logout_token=a.b.c"],
  ])("with %s is answered 400 invalid_request", async (_label, body) => {
    await expectRefused(await deliver(post(body)), /missing or is not a JWT/);
  });

  it("with two logout_token parameters is refused (which one would we believe?)", async () => {
    const body = `logout_token=${await logoutToken()}&logout_token=${await logoutToken({ sid: "op-sid-alice-2" })}`;
    await expectRefused(await deliver(post(body)), /missing or is not a JWT/);
  });

  it("as JSON instead of a form (§2.5: application/x-www-form-urlencoded) is refused", async () => {
    const request = post(JSON.stringify({ logout_token: await logoutToken() }), { "content-type": "application/json" });
    await expectRefused(await deliver(request), /missing or is not a JWT/);
  });

  it("without a content type is refused", async () => {
    await expectRefused(await deliver(post(form(await logoutToken()), {})), /missing or is not a JWT/);
  });

  it("accepts a form content type with a charset parameter", async () => {
    await expectAccepted(await deliver(post(form(await logoutToken()), { "content-type": "application/x-www-form-urlencoded; charset=UTF-8" })));
  });

  it("with a body larger than 64 KB, announced by Content-Length, is refused 413 and signs nobody out", async () => {
    const body = `logout_token=${"a".repeat(70 * 1024)}`;
    const request = post(body, { "content-type": "application/x-www-form-urlencoded", "content-length": String(body.length) });
    await expectTooLarge(await deliver(request));
  });

  it("with a streamed body larger than 64 KB and no Content-Length is refused without reading it all", async () => {
    let sent = 0;
    const chunk = new TextEncoder().encode("a".repeat(16 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("logout_token="));
      },
      pull(controller) {
        // An endless body: a reader without a limit would never finish.
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const request = new Request(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expectTooLarge(await deliver(request));
    expect(sent).toBeLessThan(1024 * 1024);
  });

  it("with a logout token longer than 16 KB (inside a small-enough body) is refused before any key is fetched", async () => {
    const before = jwksRequests;
    const huge = `${base64url.encode(JSON.stringify({ alg: "RS256", kid: providerKey.kid }))}.${"A".repeat(20 * 1024)}.sig`;
    await expectRefused(await deliver(post(form(huge))), /missing or is not a JWT/);
    expect(jwksRequests).toBe(before);
  });

  it("when the provider's keys cannot be fetched, fails without remembering the jti (so the provider may retry)", async () => {
    const unreachable: LogoutTokenIssuer = {
      ...issuerEntry,
      keys: providerKeySet("http://127.0.0.1:9/jwks", fetch),
    };
    const token = await logoutToken({ jti: "retry-me" });
    await expect(deliver(post(form(token)), { issuerFor: async () => unreachable })).rejects.toThrow();
    expect(await database.db.seenLogoutToken.count()).toBe(0);
    await expectAccepted(await send(token));
  });

  it("when revoking fails, forgets the jti so the provider's retry is not taken for a replay", async () => {
    const real = database.db;
    const failing = new Proxy(real, {
      get(target, property, receiver) {
        if (property !== "userSession") return Reflect.get(target, property, receiver);
        return { ...target.userSession, updateMany: async () => Promise.reject(new Error("database down")) };
      },
    }) as Database;
    const token = await logoutToken({ jti: "retry-after-failure" });
    await expect(deliver(post(form(token)), { db: failing })).rejects.toThrow(/database down/);
    expect(await real.seenLogoutToken.count()).toBe(0);
    await expectAccepted(await send(token));
    expect(await revokedSessions()).toEqual([sessions.aliceOne]);
  });
});
