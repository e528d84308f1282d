/**
 * Where the rate limits apply: the wrapper around the Auth.js route handler, and the per-account
 * sign-in limit, on a real database (the handler behind the wrapper is a stub that counts calls).
 */
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";

import { limitSignInStart, withAuthRateLimits, type RateLimitDeps } from "@/lib/security/rate-limits/apply";
import { PEER_ADDRESS_HEADER } from "@/lib/security/client-address";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import { DEFAULT_RATE_LIMITS } from "@/lib/security/rate-limits/counters";

const APP = "http://localhost:3000";
let database: TestDatabase;
let deps: RateLimitDeps & { secret: string };
let calls = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  deps = {
    db: database.db,
    limits: {
      ...DEFAULT_RATE_LIMITS,
      signInIp: { limit: 2, windowSeconds: 60 },
      callbackIp: { limit: 2, windowSeconds: 60 },
      signInAccount: { limit: 2, windowSeconds: 60 },
    },
    now: () => new Date(),
    secret: "rate-limit-wrapper-test-secret-0123456789ab",
    proxyHops: 1,
  };
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  calls = 0;
  await database.db.$executeRaw`DELETE FROM "RateLimit"`;
});

const handler = withAuthRateLimits(
  async () => {
    calls += 1;
    return new Response(null, { status: 302, headers: { location: `${APP}/somewhere` } });
  },
  () => deps,
);

const from = (ip: string, extra: Record<string, string> = {}) => ({ "x-forwarded-for": ip, ...extra });

it("answers the third sign-in start from one address 429 JSON without reaching Auth.js", async () => {
  const post = () => handler(new Request(`${APP}/api/auth/signin/dev-idp`, { method: "POST", headers: from("198.51.100.20") }));
  expect((await post()).status).toBe(302);
  expect((await post()).status).toBe(302);
  const refused = await post();
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(await refused.json()).toEqual({ error: "rate_limited" });
  expect(calls).toBe(2);
});

it("answers a browser's callback over the limit with a short page, and leaves other Auth.js endpoints alone", async () => {
  const callback = () =>
    handler(new Request(`${APP}/api/auth/callback/dev-idp?code=x&state=y`, { headers: from("198.51.100.21", { accept: "text/html" }) }));
  await callback();
  await callback();
  const refused = await callback();
  expect(refused.status).toBe(429);
  expect(refused.headers.get("content-type")).toMatch(/^text\/html/);
  expect(await refused.text()).toMatch(/Too many attempts, try again in \d+ seconds\./);
  for (let i = 0; i < 5; i++) {
    expect((await handler(new Request(`${APP}/api/auth/session`, { headers: from("198.51.100.21") }))).status).toBe(302);
    expect((await handler(new Request(`${APP}/api/auth/csrf`, { headers: from("198.51.100.21") }))).status).toBe(302);
  }
});

it("limits one signed-in account across addresses, and never lets a missing address escape the limit", async () => {
  const starts = [];
  for (const ip of ["198.51.100.30", "198.51.100.31", "198.51.100.32"])
    starts.push(await limitSignInStart(deps, new Headers(from(ip)), "user-1"));
  expect(starts.map((refusal) => refusal !== null)).toEqual([false, false, true]);
  expect(await limitSignInStart(deps, new Headers(from("198.51.100.33")), "user-2")).toBeNull();

  const noAddress = [];
  for (let i = 0; i < 3; i++) noAddress.push(await limitSignInStart(deps, new Headers(), null));
  expect(noAddress.map((refusal) => refusal !== null)).toEqual([false, false, true]);
});

it("never lets the client choose its bucket with what it writes into X-Forwarded-For", async () => {
  // Our proxy appended "198.51.100.40:49152" (with a port) or a non-address; the entries to its
  // left are the client's own. Varying them must not buy a fresh allowance.
  const withPort = [];
  for (const forged of ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) {
    withPort.push(await limitSignInStart(deps, new Headers(from(`${forged}, 198.51.100.40:49152`)), null));
  }
  expect(withPort.map((refusal) => refusal !== null)).toEqual([false, false, true]);

  const unparsable = [];
  for (const forged of ["203.0.113.4", "203.0.113.5", "203.0.113.6"]) {
    unparsable.push(await limitSignInStart(deps, new Headers(from(`${forged}, unknown`)), null));
  }
  expect(unparsable.map((refusal) => refusal !== null)).toEqual([false, false, true]);
});

it("with TRUSTED_PROXY_HOPS=0 trusts no header: only the server's own record of the TCP peer counts", async () => {
  const direct = { ...deps, proxyHops: 0 };
  const results = [];
  for (const forged of ["203.0.113.7", "203.0.113.8", "203.0.113.9"]) {
    results.push(await limitSignInStart(direct, new Headers({ "x-forwarded-for": forged, [PEER_ADDRESS_HEADER]: "198.51.100.41" }), null));
  }
  expect(results.map((refusal) => refusal !== null)).toEqual([false, false, true]);
});
