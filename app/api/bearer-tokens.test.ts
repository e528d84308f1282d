/**
 * Bearer tokens for API clients, through the real route handlers (POST /api/token, GET /api/me,
 * GET /api/provider/profile, GET /.well-known/jwks.json) on a real database, with a real sign-in
 * at the Dev IdP. Only the request scope is supplied by the test: `next/headers` answers the
 * headers of the request being made, and the app's `db` and configuration point at this test's.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { base64url, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, decodeJwt, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { startDevIdp, type DevIdp } from "@/idp/provider";
import { issueAccessToken } from "@/lib/api-tokens/access-token";
import { AppClient, signInAs, TEST_APP, testAuthConfig } from "@/test/support/auth-client";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import { parseEnv, type AppEnv } from "@/lib/config/env";
import type { SigningKey } from "@/lib/api-tokens/signing-keys";
import { createTokenKeyring } from "@/lib/encryption/keyring";

const SECRET = "bearer-tokens-test-secret-0123456789abcdefgh";
const ALICE = { email: "alice@example.com", password: "alice-password", sub: "dev-alice-5f0c2a91" };
const ISSUER = TEST_APP;
const AUDIENCE = `${TEST_APP}/api`;

const scope = vi.hoisted(() => ({ headers: new Headers(), env: undefined as AppEnv | undefined, db: undefined as unknown }));

vi.mock("next/headers", () => ({
  headers: async () => scope.headers,
  cookies: async () => ({
    getAll: () =>
      (scope.headers.get("cookie") ?? "")
        .split("; ")
        .filter(Boolean)
        .map((pair) => ({ name: pair.slice(0, pair.indexOf("=")), value: pair.slice(pair.indexOf("=") + 1) })),
  }),
}));
vi.mock("@/lib/db", () => ({
  get db() {
    return scope.db;
  },
}));
vi.mock("@/lib/config/env", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/config/env")>()),
  getEnv: () => scope.env,
}));

const { GET: getMe } = await import("@/app/api/me/route");
const { GET: getProviderProfile } = await import("@/app/api/provider/profile/route");
const { POST: postToken } = await import("@/app/api/token/route");
const { GET: getJwks } = await import("@/app/.well-known/jwks.json/route");
const { signingKeys } = await import("@/lib/services");

let idp: DevIdp;
let database: TestDatabase;
let browser: AppClient;
let alice: { id: string; sessionId: string };

/** Calls a GET route handler the way Next.js would, with these request headers. */
/** A GET to a route handler; lib/dal.ts reads the request's headers (mocked next/headers) from `scope`. */
async function call(handler: (request: Request) => Promise<Response>, headers: HeadersInit, path = "/api/me"): Promise<Response> {
  scope.headers = new Headers(headers);
  return handler(new Request(`${TEST_APP}${path}`, { headers }));
}

function cookieHeader(): string {
  return browser.credentials().headers.get("cookie") ?? "";
}

async function requestToken(headers: HeadersInit = { origin: TEST_APP, "sec-fetch-site": "same-origin", cookie: cookieHeader() }) {
  const response = await postToken(new Request(`${TEST_APP}/api/token`, { method: "POST", headers }));
  return response;
}

async function freshToken(): Promise<string> {
  const response = await requestToken();
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

const currentKey = async (): Promise<SigningKey> => (await signingKeys()).signingKey(new Date());

/** A token with our real signing key and whatever header and claims a test wants. */
async function signWithOurKey(header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  const key = await currentKey();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: alice.sessionId, sub: alice.id, iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 900, jti: "t-1", ...claims })
    .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "at+jwt", ...header } as never)
    .sign(key.privateKey);
}

/** The refusal every bad bearer credential gets: 401, invalid_token, no caching. */
async function expectInvalidToken(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api", error="invalid_token"');
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(await response.json()).toEqual({ error: "invalid_token" });
}

const meWithBearer = (token: string) => call(getMe, { authorization: `Bearer ${token}` });

beforeAll(async () => {
  idp = await startDevIdp({ port: 0, testApi: true, backchannelLogoutUris: [] });
  database = await createTestDatabase();
  scope.db = database.db;
  const parsed = parseEnv({ NODE_ENV: "test", AUTH_SECRET: SECRET, AUTH_URL: TEST_APP, AUTH_DEV_IDP: "1", DEV_IDP_ISSUER: idp.issuer });
  if (!parsed.env) throw new Error(parsed.errors.join("\n"));
  scope.env = parsed.env;
  browser = new AppClient(
    testAuthConfig({ issuer: idp.issuer, secret: SECRET, db: database.db, keyring: () => createTokenKeyring([SECRET]) }),
  );
  await signInAs(idp, browser, ALICE);
  const me = (await (await call(getMe, { cookie: cookieHeader() })).json()) as { id: string };
  const session = await database.db.userSession.findFirstOrThrow({ where: { userId: me.id } });
  alice = { id: me.id, sessionId: session.id };
});

afterAll(async () => {
  await database?.close();
  await idp?.close();
});

describe("POST /api/token", () => {
  it("gives a signed-in page a 15-minute ES256 at+jwt for the API, naming the user and the session", async () => {
    const response = await requestToken();
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    const header = decodeProtectedHeader(body.access_token);
    expect(header).toEqual({ alg: "ES256", kid: (await currentKey()).kid, typ: "at+jwt" });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: alice.id, sid: alice.sessionId, client_id: "oauth-next-app" });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(claims.jti).toEqual(expect.any(String));
  });

  it("refuses a request from another origin (403)", async () => {
    const response = await requestToken({ origin: "https://evil.example", cookie: cookieHeader() });
    expect(response.status).toBe(403);
  });

  it("refuses a request without Origin (403)", async () => {
    expect((await requestToken({ cookie: cookieHeader() })).status).toBe(403);
  });

  it.each(["cross-site", "same-site", "none"])("refuses Sec-Fetch-Site: %s even with our Origin (403)", async (site) => {
    expect((await requestToken({ origin: TEST_APP, "sec-fetch-site": site, cookie: cookieHeader() })).status).toBe(403);
  });

  it("refuses a request without a session cookie (401)", async () => {
    expect((await requestToken({ origin: TEST_APP, "sec-fetch-site": "same-origin" })).status).toBe(401);
  });

  it("a bearer token cannot mint its successor (only the cookie counts)", async () => {
    const token = await freshToken();
    const response = await requestToken({ origin: TEST_APP, "sec-fetch-site": "same-origin", authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
  });
});

describe("GET /.well-known/jwks.json", () => {
  it("publishes the public key that signs the tokens, and nothing private, cacheable for a short time", async () => {
    const response = await getJwks(new Request(`${TEST_APP}/.well-known/jwks.json`));
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    const { keys } = (await response.json()) as { keys: JWK[] };
    const kid = (await currentKey()).kid;
    expect(keys).toContainEqual(expect.objectContaining({ kid, kty: "EC", crv: "P-256", alg: "ES256", use: "sig" }));
    for (const key of keys) expect(key).not.toHaveProperty("d");
  });

  it("answers a verifier that already holds the set 304, by its ETag", async () => {
    const first = await getJwks(new Request(`${TEST_APP}/.well-known/jwks.json`));
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await getJwks(new Request(`${TEST_APP}/.well-known/jwks.json`, { headers: { "if-none-match": etag! } }));
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });
});

describe("the API accepts either credential", () => {
  it("GET /api/me with the session cookie", async () => {
    const response = await call(getMe, { cookie: cookieHeader() });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: alice.id, email: ALICE.email, providers: ["dev-idp"] });
  });

  it("GET /api/me with a bearer token and no cookie", async () => {
    const response = await meWithBearer(await freshToken());
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: alice.id, email: ALICE.email, providers: ["dev-idp"] });
  });

  it("GET /api/provider/profile with a bearer token and no cookie", async () => {
    const response = await call(getProviderProfile, { authorization: `Bearer ${await freshToken()}` });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ provider: "dev-idp", profile: { sub: ALICE.sub, email: ALICE.email } });
  });

  it("without any credential: 401 unauthorized, naming the Bearer scheme", async () => {
    const response = await call(getMe, {});
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(await response.json()).toEqual({ error: "unauthorized" });
  });
});

describe("bearer tokens that are refused (401 invalid_token, never a 500)", () => {
  it("a token whose session was revoked", async () => {
    const token = await freshToken();
    const other = await database.db.userSession.create({
      data: { id: "revoked-session-for-test", userId: alice.id, provider: "dev-idp", revokedAt: new Date(), revokedReason: "signed_out" },
    });
    const revoked = await signWithOurKey({}, { sid: other.id });
    await expectInvalidToken(await meWithBearer(revoked));
    // The same user's live session still works: it is the session that is refused, not the user.
    expect((await meWithBearer(token)).status).toBe(200);
  });

  it("a token whose session has been idle too long", async () => {
    const idle = await database.db.userSession.create({
      data: { id: "idle-session-for-test", userId: alice.id, provider: "dev-idp", lastSeenAt: new Date(Date.now() - 8 * 24 * 3600 * 1000) },
    });
    await expectInvalidToken(await meWithBearer(await signWithOurKey({}, { sid: idle.id })));
  });

  it("alg: none", async () => {
    const kid = (await currentKey()).kid;
    const encode = (value: object) => base64url.encode(JSON.stringify(value));
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: "none", typ: "at+jwt", kid })}.${encode({ iss: ISSUER, aud: AUDIENCE, sub: alice.id, sid: alice.sessionId, iat: now, exp: now + 900, jti: "x" })}.`;
    await expectInvalidToken(await meWithBearer(unsigned));
  });

  it("HS256 with our public key as the HMAC secret (algorithm confusion)", async () => {
    const { keys } = (await (await getJwks(new Request(`${TEST_APP}/.well-known/jwks.json`))).json()) as { keys: JWK[] };
    const kid = (await currentKey()).kid;
    const publicJwk = keys.find((k) => k.kid === kid)!;
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ sid: alice.sessionId })
      .setProtectedHeader({ alg: "HS256", kid: publicJwk.kid, typ: "at+jwt" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(alice.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 900)
      .setJti("x")
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    await expectInvalidToken(await meWithBearer(forged));
  });

  it("an unknown kid (no fallback to another key)", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const key: SigningKey = { kid: "not-a-key-of-ours", alg: "ES256", privateKey };
    const { token } = await issueAccessToken(
      key,
      { issuer: ISSUER, audience: AUDIENCE },
      { userId: alice.id, sessionId: alice.sessionId },
      new Date(),
    );
    await expectInvalidToken(await meWithBearer(token));
  });

  it("our kid on a token signed with another key", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const key: SigningKey = { kid: (await currentKey()).kid, alg: "ES256", privateKey };
    const { token } = await issueAccessToken(
      key,
      { issuer: ISSUER, audience: AUDIENCE },
      { userId: alice.id, sessionId: alice.sessionId },
      new Date(),
    );
    await expectInvalidToken(await meWithBearer(token));
  });

  it("a tampered payload (another user's id under our signature)", async () => {
    const [header, , signature] = (await freshToken()).split(".");
    const claims = { ...decodeJwt(await freshToken()), sub: "someone-else" };
    await expectInvalidToken(await meWithBearer(`${header}.${base64url.encode(JSON.stringify(claims))}.${signature}`));
  });

  it("an embedded jwk header, signed with the key it carries", async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sid: alice.sessionId })
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", jwk: await exportJWK(publicKey) })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(alice.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 900)
      .setJti("x")
      .sign(privateKey);
    await expectInvalidToken(await meWithBearer(token));
  });

  it.each(["jku", "x5u"])("a %s header, and nothing is fetched from it", async (name) => {
    let fetched = 0;
    const server = createServer((_req, res) => {
      fetched += 1;
      res.end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
      const { privateKey } = await generateKeyPair("ES256");
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ sid: alice.sessionId })
        .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "attacker", [name]: url })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(alice.id)
        .setIssuedAt(now)
        .setExpirationTime(now + 900)
        .setJti("x")
        .sign(privateKey);
      await expectInvalidToken(await meWithBearer(token));
      expect(fetched).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("a wrong audience", async () => {
    await expectInvalidToken(await meWithBearer(await signWithOurKey({}, { aud: "https://other.example/api" })));
  });

  it("a wrong issuer", async () => {
    await expectInvalidToken(await meWithBearer(await signWithOurKey({}, { iss: "https://other.example" })));
  });

  it("an expired token", async () => {
    const past = new Date(Date.now() - 16 * 60 * 1000);
    const { token } = await issueAccessToken(
      await currentKey(),
      { issuer: ISSUER, audience: AUDIENCE },
      { userId: alice.id, sessionId: alice.sessionId },
      past,
    );
    await expectInvalidToken(await meWithBearer(token));
  });

  it("a token not valid yet (nbf in the future)", async () => {
    await expectInvalidToken(await meWithBearer(await signWithOurKey({}, { nbf: Math.floor(Date.now() / 1000) + 600 })));
  });

  it("the provider's ID token", async () => {
    const idToken = idp.issuedTokens(ALICE.sub).at(-1)?.idToken;
    expect(idToken).toBeTruthy();
    await expectInvalidToken(await meWithBearer(idToken!));
  });

  it("a token of ours without the at+jwt type (e.g. typ JWT)", async () => {
    await expectInvalidToken(await meWithBearer(await signWithOurKey({ typ: "JWT" }, {})));
  });

  it("a token of ours without sid", async () => {
    await expectInvalidToken(await meWithBearer(await signWithOurKey({}, { sid: undefined })));
  });

  it.each([
    ["Bearer with nothing", "Bearer"],
    ["Bearer and a space", "Bearer "],
    ["two tokens", "Bearer aaa.bbb.ccc ddd.eee.fff"],
    ["two Bearer credentials", "Bearer aaa.bbb.ccc, Bearer ddd.eee.fff"],
    ["a Basic header", `Basic ${Buffer.from("alice:alice-password").toString("base64")}`],
    ["another scheme", "Token aaa.bbb.ccc"],
    ["characters outside b64token", "Bearer aaa.bbb.ccc%00"],
    ["not a JWT", "Bearer not-a-jwt"],
    ["a JWT with a header that is not JSON", `Bearer ${base64url.encode("{not json")}.e30.sig`],
  ])("a malformed header: %s", async (_label, authorization) => {
    await expectInvalidToken(await call(getMe, { authorization }));
  });

  it("a 100 KB token", async () => {
    const huge = `${base64url.encode(JSON.stringify({ alg: "ES256", typ: "at+jwt", kid: "k" }))}.${"A".repeat(100 * 1024)}.sig`;
    await expectInvalidToken(await meWithBearer(huge));
  });

  it("a bad bearer header even when a valid session cookie comes along", async () => {
    await expectInvalidToken(await call(getMe, { authorization: "Bearer nope", cookie: cookieHeader() }));
  });
});

describe("signing out", () => {
  it("ends the bearer tokens of that session too", async () => {
    const token = await freshToken();
    expect((await meWithBearer(token)).status).toBe(200);
    const { csrfToken } = (await (await browser.request(`${TEST_APP}/api/auth/csrf`)).json()) as { csrfToken: string };
    await browser.request(`${TEST_APP}/api/auth/signout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrfToken }),
    });
    await expectInvalidToken(await meWithBearer(token));
  });
});
