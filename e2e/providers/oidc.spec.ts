import path from "node:path";

import { expect, test, type Browser, type Page } from "@playwright/test";

import { startOidcEmulator, type OidcEmulator } from "../../test/emulators/oidc";
import { signIn as signInWithDevIdp, USERS } from "../support/dev-idp";
import { linkThenUnlink, signedInAs, startEmulatedInstance } from "../support/emulated-providers";
import type { SecurityInstance } from "../support/security-instance";
import { EXTRA_APP_URLS, IDP_ACCESS_TOKEN_TTL, REFRESH_DUE_AFTER_MS } from "../support/stack";

/**
 * Two generic OpenID providers at once, as a company IdP and a customer IdP would be: a
 * Keycloak-style issuer with a path, and an Auth0-style one with a trailing slash, each with its own
 * name, button, callback, prompt, extra scopes and extra authorization parameters
 * (AUTH_OIDC_PROVIDERS and AUTH_OIDC_<NAME>_*).
 */

const callback = (id: string) => `${EXTRA_APP_URLS.security}/api/auth/callback/${id}`;
let staff: OidcEmulator;
let customers: OidcEmulator;
let instance: SecurityInstance;

test.describe.configure({ timeout: 120_000 });

test.beforeAll(async () => {
  test.setTimeout(300_000);
  staff = await startOidcEmulator({
    issuerPath: "/realms/staff",
    clientId: "app-staff",
    clientSecret: "staff-secret-0123456789",
    redirectUris: [callback("oidc-staff")],
    accounts: { sam: { sub: "f:5b1c:sam", name: "Sam Staff", email: "sam@acme.example", email_verified: true } },
    accessTokenTtlSeconds: Number(IDP_ACCESS_TOKEN_TTL),
  });
  customers = await startOidcEmulator({
    issuerPath: "/",
    clientId: "app-customers",
    clientSecret: "customers-secret-0123456789",
    redirectUris: [callback("oidc-customers")],
    accounts: {
      cleo: { sub: "auth0|64f0c1", name: "Cleo Customer", email: "cleo@customer.example", email_verified: true },
      carl: { sub: "auth0|64f0c2", name: "Carl Customer", email: "carl@customer.example", email_verified: true },
    },
  });
  instance = await startEmulatedInstance(
    {
      AUTH_OIDC_PROVIDERS: "staff,customers",
      AUTH_OIDC_STAFF_ISSUER: staff.issuer,
      AUTH_OIDC_STAFF_ID: "app-staff",
      AUTH_OIDC_STAFF_SECRET: "staff-secret-0123456789",
      AUTH_OIDC_STAFF_NAME: "Acme staff",
      AUTH_OIDC_STAFF_PROMPT: "login",
      AUTH_OIDC_STAFF_SCOPES: "groups",
      AUTH_OIDC_STAFF_AUTHORIZATION_PARAMS: "kc_idp_hint=corp-ad&acr_values=mfa",
      // Configured without the trailing slash the provider publishes.
      AUTH_OIDC_CUSTOMERS_ISSUER: customers.issuer.replace(/\/$/, ""),
      AUTH_OIDC_CUSTOMERS_ID: "app-customers",
      AUTH_OIDC_CUSTOMERS_SECRET: "customers-secret-0123456789",
      AUTH_OIDC_CUSTOMERS_NAME: "Customer account",
      AUTH_OIDC_CUSTOMERS_AUTHORIZATION_PARAMS: "audience=https://api.customer.example",
    },
    [],
    path.join(test.info().project.outputDir, "oidc-two-providers-instance.log"),
  );
});
test.afterAll(async () => {
  test.setTimeout(60_000);
  await instance?.stop();
  await staff?.close();
  await customers?.close();
});

/** A new browser on /login presses `button` and waits for the provider's account chooser. */
async function toProvider(browser: Browser, button: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${instance.url}/login`);
  await page.getByRole("button", { name: button }).click();
  await expect(page.getByRole("button", { name: "Cancel" })).toBeVisible();
  return page;
}

async function signIn(browser: Browser, button: string, account: string): Promise<Page> {
  const page = await toProvider(browser, button);
  await page.getByRole("button", { name: `Sign in as ${account}` }).click();
  await page.waitForURL(`${instance.url}/dashboard`);
  return page;
}

const me = (page: Page) => signedInAs(page, instance.url);

test("both providers have a button on /login, each named as configured", async ({ page }) => {
  await page.goto(`${instance.url}/login`);
  const providers = page.getByRole("list", { name: "Sign-in providers" });
  await expect(providers.getByRole("button", { name: "Continue with Acme staff" })).toBeVisible();
  await expect(providers.getByRole("button", { name: "Continue with Customer account" })).toBeVisible();
});

test("the staff IdP signs Sam in through its own callback, asked with its prompt, scopes and parameters", async ({ browser }) => {
  const page = await signIn(browser, "Continue with Acme staff", "Sam Staff");
  expect(await me(page)).toMatchObject({ email: "sam@acme.example", providers: ["oidc-staff"] });
  const asked = staff.lastAuthorization()!;
  expect(asked.get("redirect_uri")).toBe(callback("oidc-staff"));
  expect(asked.get("prompt")).toBe("login");
  expect(asked.get("scope")?.split(" ").sort()).toEqual(["email", "groups", "offline_access", "openid", "profile"]);
  expect(asked.get("kc_idp_hint")).toBe("corp-ad");
  expect(asked.get("acr_values")).toBe("mfa");
  expect(customers.lastAuthorization()).toBeUndefined();
});

test("the customer IdP (issuer published with a trailing slash) signs Cleo in as another person", async ({ browser }) => {
  const page = await signIn(browser, "Continue with Customer account", "Cleo Customer");
  expect(await me(page)).toMatchObject({ email: "cleo@customer.example", providers: ["oidc-customers"] });
  const asked = customers.lastAuthorization()!;
  expect(asked.get("redirect_uri")).toBe(callback("oidc-customers"));
  expect(asked.get("audience")).toBe("https://api.customer.example");
  expect(asked.has("prompt")).toBe(false);
});

test("a returning person gets the same account", async ({ browser }) => {
  const first = await me(await signIn(browser, "Continue with Acme staff", "Sam Staff"));
  const again = await me(await signIn(browser, "Continue with Acme staff", "Sam Staff"));
  expect(again.id).toBe(first.id);
});

test("Cancel at the provider brings the person back to /login with a plain sentence and a retry", async ({ browser }) => {
  const page = await toProvider(browser, "Continue with Customer account");
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.waitForURL(`${instance.url}/login?error=access_denied`);
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Sign-in was cancelled");
  await expect(page.getByRole("button", { name: "Try again with Customer account" })).toBeVisible();
});

test("an error the provider reports (temporarily_unavailable) ends on /login with the provider-error sentence, nobody signed in", async ({
  browser,
}) => {
  const page = await toProvider(browser, "Continue with Acme staff");
  staff.failNextAuthorization("temporarily_unavailable");
  await page.getByRole("button", { name: "Sign in as Sam Staff" }).click();
  await page.waitForURL(`${instance.url}/login?error=provider_error`);
  await expect(page.getByRole("main").getByRole("alert")).toContainText("The sign-in provider reported a problem");
  expect((await page.request.get(`${instance.url}/api/me`)).status()).toBe(401);
});

test("an expired access token is refreshed once for concurrent requests; 'Sign out of Acme staff too' ends the session at its end-session endpoint", async ({
  browser,
}) => {
  const page = await signIn(browser, "Continue with Acme staff", "Sam Staff");
  await page.waitForTimeout(REFRESH_DUE_AFTER_MS + 500);
  const before = staff.stats.refresh_token ?? 0;
  const answers = await Promise.all([1, 2, 3].map(() => page.request.get(`${instance.url}/api/provider/profile`)));
  for (const answer of answers) {
    expect(answer.status()).toBe(200);
    expect((await answer.json()).profile).toMatchObject({ sub: "f:5b1c:sam", email: "sam@acme.example" });
  }
  expect(staff.stats.refresh_token).toBe(before + 1);

  await page.goto(`${instance.url}/dashboard`);
  await page.getByLabel("More sign-out options").click();
  await page.getByRole("button", { name: "Sign out of Acme staff too" }).click();
  await page.waitForURL(`${instance.url}/`);
  expect(staff.lastLogout()?.get("post_logout_redirect_uri")).toBe(`${instance.url}/`);
  expect(staff.lastLogout()?.get("id_token_hint")).toMatch(/^eyJ/);
  expect((await page.request.get(`${instance.url}/api/me`)).status()).toBe(401);
});

test("a person signed in with the Dev IdP links the customer IdP from Settings, signs in with it as themselves, and unlinks it", async ({
  browser,
}) => {
  const page = await (await browser.newContext()).newPage();
  await signInWithDevIdp(page, USERS.alice, `${instance.url}/login`);
  const alice = await me(page);
  await linkThenUnlink(
    page,
    instance.url,
    { id: "oidc-customers", name: "Customer account" },
    {
      atProvider: () => page.getByRole("button", { name: "Sign in as Carl Customer" }).click(),
      linked: async () => expect((await me(await signIn(browser, "Continue with Customer account", "Carl Customer"))).id).toBe(alice.id),
    },
  );
});
