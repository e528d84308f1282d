import path from "node:path";

import { expect, test, type Browser, type Page } from "@playwright/test";

import { startRogueProvider, type RogueProvider } from "../../test/support/rogue-provider";
import { startSecurityInstance, type SecurityInstance } from "../support/security-instance";

/**
 * The generic OIDC slot (AUTH_OIDC_*) against an OpenID provider nobody here wrote the client for:
 * a provider at the HTTP edge that publishes its issuer Auth0's way (`https://<host>/`, with the
 * slash) while the operator configured it without, changes its signing key between two sign-ins,
 * and sends addresses it did not verify. Each sign-in is a real browser going through the app's
 * real button, callback and database.
 */

const NAME = "Acme SSO";
let provider: RogueProvider;
let instance: SecurityInstance;

test.describe.configure({ timeout: 120_000 });

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(300_000);
  provider = await startRogueProvider({ issuerPath: "/" });
  instance = await startSecurityInstance(
    {
      AUTH_OIDC_ISSUER: provider.issuer.replace(/\/$/, ""),
      AUTH_OIDC_ID: provider.clientId,
      AUTH_OIDC_SECRET: provider.clientSecret,
      AUTH_OIDC_NAME: NAME,
    },
    path.join(testInfo.project.outputDir, "third-party-provider-instance.log"),
  );
});
test.afterAll(async () => {
  test.setTimeout(60_000);
  await instance?.stop();
  await provider?.close();
});

/** A new browser signs in as `subject`, whom the provider describes with `claims`. */
async function signInAs(browser: Browser, subject: string, claims: Record<string, unknown>): Promise<Page> {
  provider.setSubject(subject);
  provider.setUserinfo(claims);
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${instance.url}/login`);
  await page.getByRole("button", { name: `Continue with ${NAME}` }).click();
  await page.waitForURL(`${instance.url}/dashboard`);
  return page;
}

async function storedEmail(page: Page): Promise<unknown> {
  const me = await page.request.get(`${instance.url}/api/me`);
  expect(me.status()).toBe(200);
  return ((await me.json()) as { email: unknown }).email;
}

test("signs in through an issuer published with a trailing slash and configured without it", async ({ browser }) => {
  expect(provider.issuer.endsWith("/")).toBe(true);
  const page = await signInAs(browser, "acme-ada", { name: "Ada Acme", email: "ada@acme.example", email_verified: true });
  await expect(page.getByRole("heading", { name: /Ada Acme/ })).toBeVisible();
  expect(await storedEmail(page)).toBe("ada@acme.example");
});

test("keeps signing people in when the provider changes its signing key between two sign-ins", async ({ browser }) => {
  await signInAs(browser, "acme-before", { name: "Before Rotation", email_verified: true, email: "before@acme.example" });
  await provider.rotateKey();
  const started = Date.now();
  const page = await signInAs(browser, "acme-after", { name: "After Rotation", email_verified: true, email: "after@acme.example" });
  await expect(page.getByRole("heading", { name: /After Rotation/ })).toBeVisible();
  // Not the 30-second cool-down of a key cache that refuses to look again.
  expect(Date.now() - started).toBeLessThan(25_000);
});

test("signs in a person the provider sends no address for, with none stored", async ({ browser }) => {
  const page = await signInAs(browser, "acme-nomail", { name: "No Mail" });
  expect(await storedEmail(page)).toBeNull();
});

test('stores no address the provider marks email_verified: "false"', async ({ browser }) => {
  const page = await signInAs(browser, "acme-unverified", { name: "Unverified", email: "ceo@acme.example", email_verified: "false" });
  expect(await storedEmail(page)).toBeNull();
});
