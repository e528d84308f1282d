import path from "node:path";

import { expect, test } from "@playwright/test";

import { startSecurityInstance, type SecurityInstance } from "../support/security-instance";

/**
 * Rate limits against the running app (an instance of its own with low limits, 3 per 10 minutes,
 * so no window ends mid-test). Each test comes from its own client address (X-Forwarded-For, which
 * this proxy-less instance takes as the client's), so the tests do not share buckets.
 */

const LIMIT = 3;
const WINDOW = "600";
let instance: SecurityInstance;

// A browser test here makes four round trips to the IdP: on a loaded 2-core machine that alone can
// take more than the default 30 s (which is how this file's login-page test used to time out).
test.describe.configure({ timeout: 120_000 });

test.beforeAll(async ({}, testInfo) => {
  // Starting a production server (and PGlite) on a loaded 2-core machine can take a minute.
  test.setTimeout(300_000);
  instance = await startSecurityInstance(
    {
      RATE_LIMIT_SIGN_IN_IP: `${LIMIT}/${WINDOW}`,
      RATE_LIMIT_SIGN_IN_ACCOUNT: `${LIMIT}/${WINDOW}`,
      RATE_LIMIT_CALLBACK_IP: `${LIMIT}/${WINDOW}`,
      RATE_LIMIT_BEARER_IP: `${LIMIT}/${WINDOW}`,
      RATE_LIMIT_BEARER_ACCOUNT: `${LIMIT}/${WINDOW}`,
    },
    path.join(testInfo.project.outputDir, "rate-limits-instance.log"),
  );
});
test.afterAll(async () => {
  test.setTimeout(60_000);
  await instance?.stop();
});

function expectRetryAfter(value: string | undefined) {
  const seconds = Number(value);
  expect(Number.isInteger(seconds)).toBe(true);
  expect(seconds).toBeGreaterThan(0);
  expect(seconds).toBeLessThanOrEqual(Number(WINDOW));
}

test("sign-in starts at POST /api/auth/signin/* beyond the limit get 429 rate_limited with Retry-After", async ({ request }) => {
  const headers = { "x-forwarded-for": "203.0.113.10" };
  for (let i = 0; i < LIMIT; i++) {
    const allowed = await request.post(`${instance.url}/api/auth/signin/dev-idp`, { headers, maxRedirects: 0 });
    expect(allowed.status()).not.toBe(429);
  }
  const refused = await request.post(`${instance.url}/api/auth/signin/dev-idp`, { headers, maxRedirects: 0 });
  expect(refused.status()).toBe(429);
  expectRetryAfter(refused.headers()["retry-after"]);
  expect(await refused.json()).toEqual({ error: "rate_limited" });
  // Another address is not affected.
  const other = await request.post(`${instance.url}/api/auth/signin/dev-idp`, {
    headers: { "x-forwarded-for": "203.0.113.11" },
    maxRedirects: 0,
  });
  expect(other.status()).not.toBe(429);
});

test("callbacks beyond the limit get a 429 page that says how long to wait, before any call to the provider", async ({ request }) => {
  const headers = { "x-forwarded-for": "203.0.113.20", accept: "text/html" };
  const callback = `${instance.url}/api/auth/callback/dev-idp?code=forged&state=forged`;
  for (let i = 0; i < LIMIT; i++) expect((await request.get(callback, { headers, maxRedirects: 0 })).status()).not.toBe(429);
  const refused = await request.get(callback, { headers, maxRedirects: 0 });
  expect(refused.status()).toBe(429);
  expectRetryAfter(refused.headers()["retry-after"]);
  expect(refused.headers()["content-type"]).toMatch(/^text\/html/);
  expect(await refused.text()).toMatch(/Too many attempts, try again in \d+ seconds\./);
  expect(refused.headers()["set-cookie"]).toBeUndefined();
});

test("the login page tells a person who pressed too often how many seconds to wait", async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": "203.0.113.30" } });
  const page = await context.newPage();
  for (let i = 0; i <= LIMIT; i++) {
    await page.goto(`${instance.url}/login`);
    await page.getByRole("button", { name: /^(Continue|Try again) with Dev IdP$/ }).click();
    // Only where the button led matters, not the IdP's page itself: "commit", not "load".
    await page.waitForURL((url) => url.origin !== instance.url || (url.pathname === "/login" && url.searchParams.has("error")), {
      waitUntil: "commit",
    });
  }
  await expect(page).toHaveURL(/\/login\?.*error=rate_limited/);
  // Scoped to the page's content: Next.js's route announcer is an (empty) role=alert region too.
  await expect(page.getByRole("main").getByRole("alert")).toContainText(/Too many attempts, try again in \d+ seconds\./);
  await context.close();
});

test("refused bearer tokens beyond the limit get 429 rate_limited, and then even the API's answer to a new attempt is 429", async ({
  request,
}) => {
  const headers = { "x-forwarded-for": "203.0.113.40", authorization: "Bearer not-a-token" };
  for (let i = 0; i < LIMIT; i++) {
    const refused = await request.get(`${instance.url}/api/me`, { headers });
    expect(refused.status()).toBe(401);
  }
  const limited = await request.get(`${instance.url}/api/me`, { headers });
  expect(limited.status()).toBe(429);
  expectRetryAfter(limited.headers()["retry-after"]);
  expect(await limited.json()).toEqual({ error: "rate_limited" });
  const again = await request.get(`${instance.url}/api/me`, {
    headers: { ...headers, authorization: "Bearer eyJhbGciOiJFUzI1NiJ9.e30.AAAA" },
  });
  expect(again.status()).toBe(429);
});
