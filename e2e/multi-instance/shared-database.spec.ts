import { spawnSync } from "node:child_process";

import { expect, test, type BrowserContext } from "@playwright/test";

import { createServerDatabase, type ServerDatabase } from "../../lib/db/test-database";
import { productionEnv, startApp, waitUntilReady, type AppProcess } from "../support/app-process";
import { USERS, signIn } from "../support/dev-idp";
import { idpStats, resetIdpStats } from "../support/idp-test-api";
import { signOutFromHeader } from "../support/sign-out";
import { EXTRA_APP_URLS, REFRESH_DUE_AFTER_MS } from "../support/stack";

/**
 * Two instances of the production build on different ports, with the same AUTH_SECRET and the
 * same PostgreSQL database, must behave as one app. Runs only when the e2e suite has a
 * PostgreSQL server (E2E_DATABASE_URL; `npm run test:pg` and CI provide one): PGlite has one
 * owner by design.
 */

test.describe.configure({ mode: "serial", timeout: 120_000 });

/**
 * Refused bearer tokens per address, lowered from the default (30 a minute) so the test needs a few
 * requests rather than thirty, and a window (10 minutes) that cannot end mid-test on a slow machine.
 */
const BEARER_LIMIT = 3;

let database: ServerDatabase;
let a: AppProcess;
let b: AppProcess;

function portOf(url: string): number {
  return Number(new URL(url).port);
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  database = await createServerDatabase(process.env.E2E_DATABASE_URL!, `oauth_e2e_instances_${portOf(EXTRA_APP_URLS.instanceA)}`);
  const migrate = spawnSync(process.execPath, ["--import", "tsx", "scripts/db-migrate.ts"], {
    env: { ...process.env, DATABASE_URL: database.url },
    encoding: "utf8",
  });
  expect(migrate.status, `${migrate.stdout}${migrate.stderr}`).toBe(0);
  // Both instances must apply the same rule to the shared counters.
  const limits = { DATABASE_URL: database.url, RATE_LIMIT_BEARER_IP: `${BEARER_LIMIT}/600` };
  a = startApp(portOf(EXTRA_APP_URLS.instanceA), productionEnv(portOf(EXTRA_APP_URLS.instanceA), limits));
  b = startApp(portOf(EXTRA_APP_URLS.instanceB), productionEnv(portOf(EXTRA_APP_URLS.instanceB), limits));
  await Promise.all([waitUntilReady(a, 150_000), waitUntilReady(b, 150_000)]);
});

test.afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await database?.drop();
});

/** Cookies are per host, not per port: one browser context carries the session to both instances. */
async function signedInOnA(context: BrowserContext) {
  const page = await context.newPage();
  await signIn(page, USERS.alice, `${a.url}/dashboard`);
  await expect(page).toHaveURL(`${a.url}/dashboard`);
  return page;
}

test("a session started on one instance works on the other", async ({ context }) => {
  const page = await signedInOnA(context);
  await page.goto(`${b.url}/dashboard`);
  await expect(page).toHaveURL(`${b.url}/dashboard`);
  await expect(page.getByText(`Signed in as ${USERS.alice.email}`)).toBeVisible();
  const me = await page.request.get(`${b.url}/api/me`);
  expect(me.status()).toBe(200);
  expect((await me.json()).email).toBe(USERS.alice.email);
});

test("a session signed out on one instance is refused by the other on its next request", async ({ context }) => {
  const page = await signedInOnA(context);
  const captured = (await context.cookies(a.url)).filter((c) => c.name.includes("session-token"));
  expect(captured).not.toEqual([]);
  expect((await page.request.get(`${b.url}/api/me`)).status()).toBe(200);
  // B keeps its answer in memory once its change feed is live (lib/session-cache.ts): only the
  // database's notification can tell it about a sign-out on A.
  await expect.poll(async () => (await (await page.request.get(`${b.url}/api/health`)).json()).sessionCache, { timeout: 10_000 }).toBe("live");
  for (let i = 0; i < 2; i++) expect((await page.request.get(`${b.url}/api/me`)).status()).toBe(200);

  await page.goto(`${a.url}/dashboard`);
  await signOutFromHeader(page, a.url);

  // The old cookie, replayed at the other instance: its session record is revoked in the shared database.
  await context.addCookies(captured);
  const me = await page.request.get(`${b.url}/api/me`);
  expect(me.status()).toBe(401);
  await page.goto(`${b.url}/dashboard`);
  await expect(page).toHaveURL(new RegExp(`^${b.url}/login`));
});

test("a display name changed on one instance shows on the other at its next request", async ({ context }) => {
  const page = await signedInOnA(context);
  expect((await page.request.get(`${b.url}/api/me`)).status()).toBe(200);
  await expect.poll(async () => (await (await page.request.get(`${b.url}/api/health`)).json()).sessionCache, { timeout: 10_000 }).toBe("live");
  const before = await (await page.request.get(`${b.url}/api/me`)).json();

  await page.goto(`${a.url}/settings/profile`);
  const name = `Alice ${Date.now().toString(36)}`;
  await page.getByLabel("Display name").fill(name);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved.");

  expect(before.name).not.toBe(name);
  expect((await (await page.request.get(`${b.url}/api/me`)).json()).name).toBe(name);
});

test("a refresh due on both instances at once reaches the provider exactly once", async ({ context }) => {
  const page = await signedInOnA(context);
  await page.waitForTimeout(REFRESH_DUE_AFTER_MS + 1_000);
  await resetIdpStats();
  // Several requests at each instance, all at the same moment, all needing a fresh access token.
  const responses = await Promise.all(
    [a, b, a, b, a, b].map((app) => page.request.get(`${app.url}/api/provider/profile`)),
  );
  for (const response of responses) expect(response.status()).toBe(200);
  const profiles = await Promise.all(responses.map((r) => r.json()));
  for (const body of profiles) expect(body.profile.email).toBe(USERS.alice.email);
  expect((await idpStats()).grants.refresh_token).toBe(1);
  // The grant survived (a second use of a rotated refresh token would have revoked it).
  await page.waitForTimeout(REFRESH_DUE_AFTER_MS + 1_000);
  expect((await page.request.get(`${b.url}/api/provider/profile`)).status()).toBe(200);
  expect((await idpStats()).grants.refresh_token).toBe(2);
});

test("a rate limit reached on one instance is enforced by the other (the counters live in the database)", async ({ request }) => {
  const headers = { "x-forwarded-for": "203.0.113.77", authorization: "Bearer not-a-token" };
  for (let i = 0; i < BEARER_LIMIT; i++) expect((await request.get(`${a.url}/api/me`, { headers })).status()).toBe(401);
  const onB = await request.get(`${b.url}/api/me`, { headers });
  expect(onB.status()).toBe(429);
  expect(Number(onB.headers()["retry-after"])).toBeGreaterThan(0);
  expect(await onB.json()).toEqual({ error: "rate_limited" });
});
