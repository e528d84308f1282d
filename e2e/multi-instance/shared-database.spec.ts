import { spawnSync } from "node:child_process";

import { expect, test, type BrowserContext } from "@playwright/test";
import pg from "pg";

import { createServerDatabase, type ServerDatabase } from "../../test/support/database";
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

/** B's connections carry this name, so the test can find (and drop) the one that LISTENs. */
const B_APPLICATION_NAME = "oauth_e2e_instance_b";

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
  // HEALTH_DETAILS: the tests read the session cache's state from /api/health.
  const limits = { DATABASE_URL: database.url, RATE_LIMIT_BEARER_IP: `${BEARER_LIMIT}/600`, HEALTH_DETAILS: "1" };
  const bDatabaseUrl = new URL(database.url);
  bDatabaseUrl.searchParams.set("application_name", B_APPLICATION_NAME);
  a = startApp(portOf(EXTRA_APP_URLS.instanceA), productionEnv(portOf(EXTRA_APP_URLS.instanceA), limits));
  b = startApp(
    portOf(EXTRA_APP_URLS.instanceB),
    productionEnv(portOf(EXTRA_APP_URLS.instanceB), { ...limits, DATABASE_URL: bDatabaseUrl.toString() }),
  );
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
  // B keeps its answer in memory once its change feed is live (lib/session/cache.ts): only the
  // database's notification can tell it about a sign-out on A.
  await expect
    .poll(async () => (await (await page.request.get(`${b.url}/api/health`)).json()).sessionCache, { timeout: 10_000 })
    .toBe("live");
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

/**
 * Keeps B's change feed down while `work` runs: every backend of B that LISTENs (or is about to,
 * or pings) is terminated as soon as it appears, so nothing committed meanwhile reaches B.
 */
async function withListenerOfBDown(work: () => Promise<void>): Promise<void> {
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  let dropped = 0;
  let stop = false;
  const dropping = (async () => {
    while (!stop) {
      const { rows } = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = $1
            AND query ~ '^(LISTEN session_changes|SELECT pg_backend_pid\\(\\) AS pid)'`,
        [B_APPLICATION_NAME],
      );
      dropped += rows.length;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    await expect.poll(() => dropped, { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await (await fetch(`${b.url}/api/health`)).json()).sessionCache, { timeout: 10_000 }).toBe("waiting");
    await work();
  } finally {
    stop = true;
    await dropping;
    await admin.end();
  }
}

test("a session signed out on one instance while the other's change feed is down is refused there once the feed is back", async ({
  context,
}) => {
  test.setTimeout(90_000);
  const page = await signedInOnA(context);
  const captured = (await context.cookies(a.url)).filter((c) => c.name.includes("session-token"));
  // B holds the session in its cache.
  expect((await page.request.get(`${b.url}/api/me`)).status()).toBe(200);
  await expect
    .poll(async () => (await (await page.request.get(`${b.url}/api/health`)).json()).sessionCache, { timeout: 10_000 })
    .toBe("live");
  for (let i = 0; i < 2; i++) expect((await page.request.get(`${b.url}/api/me`)).status()).toBe(200);

  // The sign-out commits while B listens on nothing: its notification never reaches B.
  await withListenerOfBDown(async () => {
    await page.goto(`${a.url}/dashboard`);
    await signOutFromHeader(page, a.url);
  });

  // B reconnects (with back-off) and proves its feed again; nothing it held from before may answer.
  await expect
    .poll(async () => (await (await page.request.get(`${b.url}/api/health`)).json()).sessionCache, { timeout: 45_000 })
    .toBe("live");
  await context.addCookies(captured);
  expect((await page.request.get(`${b.url}/api/me`)).status()).toBe(401);
  await page.goto(`${b.url}/dashboard`);
  await expect(page).toHaveURL(new RegExp(`^${b.url}/login`));
});

test("a display name changed on one instance shows on the other at its next request", async ({ context }) => {
  const page = await signedInOnA(context);
  expect((await page.request.get(`${b.url}/api/me`)).status()).toBe(200);
  await expect
    .poll(async () => (await (await page.request.get(`${b.url}/api/health`)).json()).sessionCache, { timeout: 10_000 })
    .toBe("live");
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
  const responses = await Promise.all([a, b, a, b, a, b].map((app) => page.request.get(`${app.url}/api/provider/profile`)));
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
