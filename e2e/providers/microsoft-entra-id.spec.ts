import path from "node:path";

import { expect, test, type Browser, type Page } from "@playwright/test";

import {
  ENTRA_ACCOUNTS,
  ENTRA_TENANTS,
  startEntraEmulator,
  type EntraAccount,
  type EntraEmulator,
} from "../../test/emulators/microsoft-entra-id";
import { signIn as signInWithDevIdp, USERS } from "../support/dev-idp";
import { expectButtonLook, linkThenUnlink, routeToEmulators, signedInAs, startEmulatedInstance } from "../support/emulated-providers";
import type { SecurityInstance } from "../support/security-instance";
import { EXTRA_APP_URLS, IDP_ACCESS_TOKEN_TTL, REFRESH_DUE_AFTER_MS } from "../support/stack";

/**
 * Sign in with Microsoft Entra ID against an emulator of its documented v2.0 behaviour
 * (test/emulators/microsoft-entra-id.ts): a single-tenant authority, and a multi-tenant one whose
 * discovery publishes the issuer template while each ID token names its own tenant.
 */

const CLIENT = { clientId: "00000000-aaaa-4bbb-8ccc-0000000e2e01", clientSecret: "e2e~entra~client~secret~0123456789" };
const LOGIN = "https://login.microsoftonline.com";

let entra: EntraEmulator;
let instance: SecurityInstance | undefined;

test.describe.configure({ timeout: 120_000 });

async function startApp(logName: string, env: Record<string, string>): Promise<void> {
  await instance?.stop();
  instance = await startEmulatedInstance(
    { AUTH_MICROSOFT_ENTRA_ID_ID: CLIENT.clientId, AUTH_MICROSOFT_ENTRA_ID_SECRET: CLIENT.clientSecret, ...env },
    [entra],
    path.join(test.info().project.outputDir, logName),
  );
}

test.beforeAll(async () => {
  entra = await startEntraEmulator({
    ...CLIENT,
    redirectUris: [`${EXTRA_APP_URLS.security}/api/auth/callback/microsoft-entra-id`],
    accessTokenTtlSeconds: Number(IDP_ACCESS_TOKEN_TTL),
  });
});
test.afterAll(async () => {
  test.setTimeout(60_000);
  await instance?.stop();
  await entra?.close();
});

async function toMicrosoft(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  await routeToEmulators(context, entra);
  const page = await context.newPage();
  await page.goto(`${instance!.url}/login`);
  await page.getByRole("button", { name: "Continue with Microsoft" }).click();
  await page.waitForURL((url) => url.origin === LOGIN);
  await expect(page.getByRole("heading", { name: "Pick an account" })).toBeVisible();
  return page;
}

async function signIn(browser: Browser, account: EntraAccount): Promise<Page> {
  const page = await toMicrosoft(browser);
  await page.getByRole("button", { name: account.name }).click();
  await page.waitForURL(`${instance!.url}/dashboard`);
  return page;
}

const me = (page: Page) => signedInAs(page, instance!.url);

test.describe("a single tenant (contoso)", () => {
  test.beforeAll(async () => {
    test.setTimeout(300_000);
    await startApp("entra-single-tenant-instance.log", { AUTH_MICROSOFT_ENTRA_ID_ISSUER: `${LOGIN}/${ENTRA_TENANTS.contoso}/v2.0` });
  });

  test("a person of the tenant signs in at the tenant's authority; Entra's unverified address is not stored", async ({ browser }) => {
    const page = await toMicrosoft(browser);
    expect(entra.lastAuthorization()?.tenant).toBe(ENTRA_TENANTS.contoso);
    expect(entra.lastAuthorization()?.params.get("scope")?.split(" ").sort()).toEqual(["email", "offline_access", "openid", "profile"]);
    await page.getByRole("button", { name: ENTRA_ACCOUNTS.adele.name }).click();
    await page.waitForURL(`${instance!.url}/dashboard`);
    expect(await me(page)).toMatchObject({ name: "Adele Vance", email: null, providers: ["microsoft-entra-id"] });
  });

  test("'Sign out of Microsoft too' ends the session at Microsoft's end-session endpoint and comes back signed out", async ({
    browser,
  }) => {
    const page = await signIn(browser, ENTRA_ACCOUNTS.adele);
    await page.getByLabel("More sign-out options").click();
    await page.getByRole("button", { name: "Sign out of Microsoft too" }).click();
    await page.waitForURL(`${instance!.url}/`);
    const logout = entra.lastLogout()!;
    expect(logout.get("post_logout_redirect_uri")).toBe(`${instance!.url}/`);
    expect(logout.get("client_id")).toBe(CLIENT.clientId);
    expect(logout.get("id_token_hint")).toMatch(/^eyJ/);
    expect((await page.request.get(`${instance!.url}/api/me`)).status()).toBe(401);
  });

  test("the button follows Microsoft's sign-in branding in light and dark", async ({ page }) => {
    await page.goto(`${instance!.url}/login`);
    const name = "Continue with Microsoft";
    await expectButtonLook(page, name, "light", {
      background: "rgb(255, 255, 255)",
      border: "rgb(140, 140, 140)",
      color: "rgb(94, 94, 94)",
    });
    await expectButtonLook(page, name, "dark", { background: "rgb(47, 47, 47)", color: "rgb(255, 255, 255)" });
  });

  test("Cancel at Microsoft brings the person back to /login with a plain sentence", async ({ browser }) => {
    const page = await toMicrosoft(browser);
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.waitForURL(`${instance!.url}/login?error=access_denied`);
    await expect(page.getByRole("main").getByRole("alert")).toContainText("Sign-in was cancelled");
  });

  test("an error Entra reports (consent_required, AADSTS65001) ends on /login with the provider-error sentence, nobody signed in", async ({
    browser,
  }) => {
    const page = await toMicrosoft(browser);
    entra.failNextAuthorization("consent_required", "AADSTS65001: The user or administrator has not consented to use the application.");
    await page.getByRole("button", { name: ENTRA_ACCOUNTS.adele.name }).click();
    await page.waitForURL(`${instance!.url}/login?error=provider_error`);
    await expect(page.getByRole("main").getByRole("alert")).toContainText("The sign-in provider reported a problem");
    expect((await page.request.get(`${instance!.url}/api/me`)).status()).toBe(401);
  });

  test("a returning person of the tenant gets the same account", async ({ browser }) => {
    const first = await me(await signIn(browser, ENTRA_ACCOUNTS.adele));
    const again = await me(await signIn(browser, ENTRA_ACCOUNTS.adele));
    expect(again.id).toBe(first.id);
  });

  test("a person signed in with the Dev IdP links a Microsoft account from Settings, signs in with it as themselves, and unlinks it", async ({
    browser,
  }) => {
    const context = await browser.newContext();
    await routeToEmulators(context, entra);
    const page = await context.newPage();
    await signInWithDevIdp(page, USERS.alice, `${instance!.url}/login`);
    const alice = await me(page);
    await linkThenUnlink(
      page,
      instance!.url,
      { id: "microsoft-entra-id", name: "Microsoft" },
      {
        async atProvider() {
          await page.waitForURL((url) => url.origin === LOGIN);
          await page.getByRole("button", { name: ENTRA_ACCOUNTS.megan.name }).click();
        },
        async linked() {
          // The link is kept without Entra's untrusted address: the Dev IdP's stays the person's.
          expect((await me(page)).email).toBe(USERS.alice.email);
          expect((await me(await signIn(browser, ENTRA_ACCOUNTS.megan))).id).toBe(alice.id);
        },
      },
    );
  });
});

test.describe("several tenants (organizations), contoso and fabrikam allowed, addresses trusted", () => {
  test.beforeAll(async () => {
    test.setTimeout(300_000);
    await startApp("entra-multi-tenant-instance.log", {
      AUTH_MICROSOFT_ENTRA_ID_ISSUER: `${LOGIN}/organizations/v2.0`,
      AUTH_MICROSOFT_ENTRA_ID_TENANTS: `${ENTRA_TENANTS.contoso},${ENTRA_TENANTS.fabrikam}`,
      AUTH_MICROSOFT_ENTRA_ID_TRUST_EMAIL: "1",
    });
  });

  test("people of two tenants sign in, each ID token checked against the issuer of its own tenant", async ({ browser }) => {
    for (const account of [ENTRA_ACCOUNTS.bianca, ENTRA_ACCOUNTS.adele]) {
      const page = await signIn(browser, account);
      expect(await me(page)).toMatchObject({ name: account.name, email: account.email });
      await page.context().close();
    }
    // Auth.js looked up each token's tenant: the template itself names no issuer a token could carry.
    expect(entra.stats[`discovery:${ENTRA_TENANTS.fabrikam}`]).toBeGreaterThanOrEqual(1);
  });

  test("a tenant that is not allowed is refused with 'account not allowed' and is not signed in", async ({ browser }) => {
    const page = await toMicrosoft(browser);
    await page.getByRole("button", { name: ENTRA_ACCOUNTS.nestor.name }).click();
    await page.waitForURL(`${instance!.url}/login?error=account_not_allowed`);
    expect((await page.request.get(`${instance!.url}/api/me`)).status()).toBe(401);
  });

  test("an expired access token is refreshed once for concurrent requests, the refreshed ID token matched to its tenant", async ({
    browser,
  }) => {
    const page = await signIn(browser, ENTRA_ACCOUNTS.bianca);
    await page.waitForTimeout(REFRESH_DUE_AFTER_MS + 500);
    entra.resetStats();
    const answers = await Promise.all([1, 2, 3].map(() => page.request.get(`${instance!.url}/api/provider/profile`)));
    for (const answer of answers) {
      expect(answer.status()).toBe(200);
      expect((await answer.json()).profile).toMatchObject({ name: "Bianca Pisani", email: "bianca@fabrikam.example" });
    }
    expect(entra.stats.refresh_token).toBe(1);
  });
});
