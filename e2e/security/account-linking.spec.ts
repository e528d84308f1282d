import path from "node:path";

import { expect, test, type BrowserContext, type Page } from "@playwright/test";

import { submitCredentials, USERS, type TestUser } from "../support/dev-idp";
import { startSecurityInstance, type SecurityInstance } from "../support/security-instance";
import { IDP_URL, SECOND_CLIENT } from "../support/stack";

/**
 * Explicit account linking, in the browser, against an instance with two providers: the Dev IdP
 * and the same IdP again as the generic OIDC provider ("Dev IdP (OIDC)", its own client). Every
 * context is a different browser: its own cookies at the app and at the IdP.
 */

const DEV = "Dev IdP";
const OIDC = SECOND_CLIENT.name;
let instance: SecurityInstance;

// Each test makes two to five round trips through the IdP; on a loaded 2-core machine one takes
// seconds to tens of seconds.
test.describe.configure({ timeout: 180_000 });

test.beforeAll(async ({}, testInfo) => {
  // Starting a production server (and PGlite) on a loaded machine can take minutes.
  test.setTimeout(300_000);
  instance = await startSecurityInstance({}, path.join(testInfo.project.outputDir, "account-linking-instance.log"));
});
test.afterAll(async () => {
  test.setTimeout(60_000);
  await instance?.stop();
});

/** Presses a provider button (sign in or Link), signs in at the IdP if it asks, and waits to be back on the app. */
async function throughIdp(page: Page, button: RegExp | string, user: TestUser): Promise<void> {
  const before = page.url();
  await page.getByRole("button", { name: button, exact: typeof button === "string" }).click();
  // Either the IdP's login page, or (its session still open in this browser) straight back to the app.
  await page.waitForURL((url) => url.origin === IDP_URL || (url.href !== before && !url.pathname.startsWith("/api/auth")));
  if (new URL(page.url()).origin === IDP_URL) {
    await submitCredentials(page, user.email, user.password);
    await page.waitForURL((url) => url.origin === instance.url && !url.pathname.startsWith("/api/auth"));
  }
}

async function signIn(context: BrowserContext, provider: string, user: TestUser): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${instance.url}/login`);
  await throughIdp(page, `Continue with ${provider}`, user);
  return page;
}

async function me(page: Page): Promise<{ id: string; providers: string[] }> {
  const response = await page.request.get(`${instance.url}/api/me`);
  expect(response.status()).toBe(200);
  return response.json();
}

test("a second provider with the same email, signed out, is refused with the generic message and creates no user", async ({ browser }) => {
  const first = await browser.newContext();
  const alice = await me(await signIn(first, DEV, USERS.alice));
  const stranger = await browser.newContext();
  const page = await signIn(stranger, OIDC, USERS.alice);
  await expect(page).toHaveURL(/\/login\?error=signin_failed$/);
  const alert = page.getByRole("main").getByRole("alert");
  await expect(alert).toContainText("We couldn't sign you in.");
  await expect(alert).not.toContainText(/already belongs|email address/i);
  expect((await stranger.cookies(instance.url)).some((c) => c.name.includes("session-token"))).toBe(false);
  expect((await me((await first.pages())[0]!)).providers).toEqual(alice.providers);
  await first.close();
  await stranger.close();
});

test("linking from /settings/accounts, then both providers sign alice in to the same user", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await signIn(context, DEV, USERS.alice);
  const alice = await me(page);
  await page.goto(`${instance.url}/settings/accounts`);
  await throughIdp(page, `Link ${OIDC}`, USERS.alice);
  await expect(page).toHaveURL(/\/settings\/accounts\?notice=linked/);
  await expect(page.getByRole("main").getByRole("status")).toContainText(`${OIDC} is linked`);
  expect((await me(page)).providers.sort()).toEqual(["dev-idp", "oidc"]);
  // Exact: a substring match would also find "Unlink Dev IdP (OIDC)".
  await expect(page.getByRole("button", { name: `Link ${OIDC}`, exact: true })).toHaveCount(0);

  for (const provider of [OIDC, DEV]) {
    const other = await browser.newContext();
    const signedIn = await signIn(other, provider, USERS.alice);
    expect((await me(signedIn)).id).toBe(alice.id);
    await other.close();
  }
  await context.close();
});

test("unlinking the last provider is refused with a clear message", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await signIn(context, DEV, USERS.bob);
  await page.goto(`${instance.url}/settings/accounts`);
  await page.getByRole("button", { name: `Unlink ${DEV}`, exact: true }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText(`${DEV} is your only way to sign in, so it cannot be unlinked.`);
  expect((await me(page)).providers).toEqual(["dev-idp"]);
  await context.close();
});

test("eve (email_verified: false) never joins alice's account, through either provider", async ({ browser }) => {
  const aliceContext = await browser.newContext();
  const alice = await me(await signIn(aliceContext, DEV, USERS.alice));
  for (const provider of [DEV, OIDC]) {
    const context = await browser.newContext();
    const page = await signIn(context, provider, USERS.eve);
    const eve = await me(page);
    expect(eve.id).not.toBe(alice.id);
    await context.close();
  }
  expect((await me((await aliceContext.pages())[0]!)).providers.sort()).toEqual(alice.providers.sort());
  await aliceContext.close();
});
