/**
 * Bearer-failure limits as the API applies them (authenticateApiRequest), on a real database with
 * real sessions and tokens signed by a real ES256 key: refused tokens count per client address and,
 * when we signed them, per account; over a limit, refusals are answered 429; a valid token is
 * always accepted and costs nothing.
 */
import { generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { issueAccessToken } from "@/lib/api-tokens/access-token";
import { apiAudience } from "@/lib/security/origin";
import { authenticateApiRequest, type ApiCaller, type ApiCallerDeps } from "@/lib/api-tokens/caller";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import { DEFAULT_RATE_LIMITS, type RateLimits } from "@/lib/security/rate-limits/counters";
import { DEFAULT_SESSION_POLICY } from "@/lib/config/session-policy";
import { revokeSession, startSession } from "@/lib/session/registry";
import type { SigningKey } from "@/lib/api-tokens/signing-keys";

const ORIGIN = "https://app.example";
const AUDIENCE = { issuer: ORIGIN, audience: apiAudience(ORIGIN) };
const KID = "test-key-1";
const WINDOW_SECONDS = 600;

let database: TestDatabase;
let ours: SigningKey;
let ourPublicKey: CryptoKey;
/** Same kid, same algorithm, another key: what a forger who read our JWKS's kid can produce. */
let foreign: SigningKey;
let alice: { userId: string; sessionId: string };
let bob: { userId: string; sessionId: string };

const rule = (limit: number) => ({ limit, windowSeconds: WINDOW_SECONDS });

function deps(limits: Partial<RateLimits>): ApiCallerDeps {
  return {
    db: database.db,
    policy: DEFAULT_SESSION_POLICY,
    secret: "authenticate-bearer-limits-secret-0123456789",
    authUrl: ORIGIN,
    keys: { verificationKey: async (kid) => (kid === KID ? ourPublicKey : null) },
    now: () => new Date(),
    rateLimits: { ...DEFAULT_RATE_LIMITS, ...limits },
  };
}

/** A request whose nearest proxy (TRUSTED_PROXY_HOPS=1, the default) saw `ip`. */
function call(d: ApiCallerDeps, ip: string, token: string): Promise<ApiCaller> {
  return authenticateApiRequest(d, { headers: new Headers({ authorization: `Bearer ${token}`, "x-forwarded-for": ip }), cookies: [] });
}

const validToken = async (who: { userId: string; sessionId: string }) => (await issueAccessToken(ours, AUDIENCE, who, new Date())).token;
/** Signed by us, but issued 20 minutes ago: past its 15-minute lifetime. */
const expiredToken = async (who: { userId: string; sessionId: string }) =>
  (await issueAccessToken(ours, AUDIENCE, who, new Date(Date.now() - 20 * 60_000))).token;
/** Looks like ours (header and claims), but the signature is not. */
const forgedToken = async (who: { userId: string; sessionId: string }) =>
  (await issueAccessToken(foreign, AUDIENCE, who, new Date())).token;

function expectRateLimited(result: ApiCaller): void {
  expect(result).toMatchObject({ ok: false, error: "rate_limited" });
  const seconds = (result as { retryAfterSeconds: number }).retryAfterSeconds;
  expect(seconds).toBeGreaterThan(0);
  expect(seconds).toBeLessThanOrEqual(WINDOW_SECONDS);
}

async function signedInUser(email: string): Promise<{ userId: string; sessionId: string }> {
  const user = await database.db.user.create({ data: { email } });
  const sessionId = await startSession(
    database.db,
    { userId: user.id, provider: "dev-idp", providerSid: null, client: { ip: null, userAgent: null } },
    new Date(),
  );
  return { userId: user.id, sessionId };
}

beforeAll(async () => {
  database = await createTestDatabase();
  const pair = await generateKeyPair("ES256");
  ours = { kid: KID, alg: "ES256", privateKey: pair.privateKey };
  ourPublicKey = pair.publicKey;
  foreign = { kid: KID, alg: "ES256", privateKey: (await generateKeyPair("ES256")).privateKey };
  alice = await signedInUser("alice@example.com");
  bob = await signedInUser("bob@example.com");
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  await database.db.$executeRaw`DELETE FROM "RateLimit"`;
});

describe("per client address", () => {
  it("answers refused tokens invalid_token up to the limit, then rate_limited with a Retry-After; other addresses are unaffected", async () => {
    const d = deps({ bearerIp: rule(3), bearerAccount: rule(100) });
    for (let i = 0; i < 3; i++) {
      expect(await call(d, "198.51.100.1", "not-a-token")).toMatchObject({ ok: false, error: "invalid_token" });
    }
    expectRateLimited(await call(d, "198.51.100.1", "not-a-token"));
    expect(await call(d, "198.51.100.2", "not-a-token")).toMatchObject({ ok: false, error: "invalid_token" });
  });

  it("accepts a valid token from an address over the limit, whose refusals go on being answered 429", async () => {
    const d = deps({ bearerIp: rule(2), bearerAccount: rule(100) });
    const token = await validToken(alice);
    for (let i = 0; i < 3; i++) await call(d, "198.51.100.3", "eyJhbGciOiJFUzI1NiJ9.e30.AAAA");
    expect(await call(d, "198.51.100.3", token)).toMatchObject({ ok: true, credential: "bearer", user: { id: alice.userId } });
    expectRateLimited(await call(d, "198.51.100.3", "eyJhbGciOiJFUzI1NiJ9.e30.AAAA"));
  });

  it("counts an IPv6 client by its /64: a new address in the same /64 gets no fresh allowance", async () => {
    const d = deps({ bearerIp: rule(2), bearerAccount: rule(100) });
    await call(d, "2001:db8:1:2::1", "not-a-token");
    await call(d, "2001:db8:1:2:aaaa::2", "not-a-token");
    expectRateLimited(await call(d, "[2001:db8:1:2:ffff:ffff:ffff:ffff]:443", "not-a-token"));
    expect(await call(d, "2001:db8:1:3::1", "not-a-token")).toMatchObject({ ok: false, error: "invalid_token" });
  });

  it("never counts valid tokens: an address may use one far more often than the failure limit", async () => {
    const d = deps({ bearerIp: rule(2), bearerAccount: rule(2) });
    const token = await validToken(alice);
    for (let i = 0; i < 6; i++) {
      expect(await call(d, "198.51.100.5", token)).toMatchObject({ ok: true, user: { id: alice.userId } });
    }
    // The allowance is intact: the first failures are still plain refusals.
    expect(await call(d, "198.51.100.5", "not-a-token")).toMatchObject({ ok: false, error: "invalid_token" });
  });
});

describe("per account", () => {
  it("counts refused tokens we signed (expired, of an ended session) against their account, from any address", async () => {
    const d = deps({ bearerIp: rule(100), bearerAccount: rule(2) });
    const ended = await startSession(
      database.db,
      { userId: alice.userId, provider: "dev-idp", providerSid: null, client: { ip: null, userAgent: null } },
      new Date(),
    );
    const revokedToken = await validToken({ userId: alice.userId, sessionId: ended });
    await revokeSession(database.db, ended, "signed_out", new Date());

    expect(await call(d, "203.0.113.1", await expiredToken(alice))).toMatchObject({ ok: false, error: "invalid_token", reason: "expired" });
    expect(await call(d, "203.0.113.2", revokedToken)).toMatchObject({ ok: false, error: "invalid_token", reason: "session" });
    expectRateLimited(await call(d, "203.0.113.3", await expiredToken(alice)));
    expectRateLimited(await call(d, "203.0.113.4", revokedToken));
    // Nobody else is affected.
    expect(await call(d, "203.0.113.4", await validToken(bob))).toMatchObject({ ok: true, user: { id: bob.userId } });
  });

  it("never refuses the account holder's valid token, however often someone replays her dead ones", async () => {
    // The attack: a dead token of Alice's (expired, or of an ended session) replayed ten times a
    // minute from anywhere would otherwise keep her account bucket full and lock her out.
    const d = deps({ bearerIp: rule(100), bearerAccount: rule(10) });
    const dead = await expiredToken(alice);
    for (let i = 0; i < 12; i++) await call(d, `203.0.113.${30 + i}`, dead);
    expectRateLimited(await call(d, "203.0.113.50", dead));
    for (const ip of ["203.0.113.50", "198.51.100.77"]) {
      expect(await call(d, ip, await validToken(alice))).toMatchObject({ ok: true, credential: "bearer", user: { id: alice.userId } });
    }
  });

  it("never counts tokens we did not sign against the account they name, however many arrive", async () => {
    const d = deps({ bearerIp: rule(100), bearerAccount: rule(2) });
    const unknownKid = await new SignJWT({ sid: alice.sessionId })
      .setProtectedHeader({ alg: "ES256", kid: "someone-elses", typ: "at+jwt" })
      .setSubject(alice.userId)
      .setIssuer(ORIGIN)
      .setAudience(AUDIENCE.audience)
      .setIssuedAt()
      .setExpirationTime("5m")
      .setJti("j-1")
      .sign(foreign.privateKey);
    const junk = [await forgedToken(alice), await forgedToken(alice), unknownKid, unknownKid, await forgedToken(alice)];
    for (const [i, token] of junk.entries()) {
      expect(await call(d, `203.0.113.${10 + i}`, token)).toMatchObject({ ok: false, error: "invalid_token" });
    }
    // Alice's own token still works: a stranger cannot use up her allowance by naming her.
    expect(await call(d, "203.0.113.20", await validToken(alice))).toMatchObject({ ok: true, user: { id: alice.userId } });
  });
});

it("applies no limit when the deployment configured none (limits off)", async () => {
  const d = deps({ bearerIp: null, bearerAccount: null });
  for (let i = 0; i < 5; i++) {
    expect(await call(d, "198.51.100.9", await expiredToken(alice))).toMatchObject({ ok: false, error: "invalid_token" });
  }
  expect(await database.db.rateLimit.count()).toBe(0);
});
