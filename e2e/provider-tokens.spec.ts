import { expect, test, type BrowserContext, type Page } from "@playwright/test";

import { USERS, signIn } from "./support/dev-idp";
import { idpStats, issuedTokens, refreshAtIdp, resetIdpStats, revokeGrantsAtIdp, type IssuedTokens } from "./support/idp-test-api";
import { APP_URL, IDP_URL, REFRESH_DUE_AFTER_MS } from "./support/stack";

/**
 * Provider tokens end to end: the Dev IdP issues access tokens that live 65 s, so the app's token
 * is due for a refresh 5 s after it was issued (e2e/support/stack.ts). Nothing here is mocked:
 * what the provider saw is read from the Dev IdP's test API.
 */

/** Waits (wall-clock, on purpose) until the token issued at `issuedAt` is due for a refresh. */
async function waitUntilRefreshDue(page: Page, issuedAt: number): Promise<void> {
  const remaining = issuedAt + REFRESH_DUE_AFTER_MS + 500 - Date.now();
  if (remaining > 0) await page.waitForTimeout(remaining);
}

async function expectLiveProfile(page: Page, user: (typeof USERS)[keyof typeof USERS]): Promise<void> {
  const panel = page.getByTestId("provider-profile");
  await expect(panel.getByRole("heading", { name: "Provider profile" })).toBeVisible();
  await expect(panel.getByTestId("provider-profile-name")).toHaveText(user.name);
  await expect(panel.getByTestId("provider-profile-email")).toHaveText(user.email);
  await expect(panel.getByTestId("provider-profile-subject")).toHaveText(user.sub);
}

test.describe("provider tokens", () => {
  test.describe.configure({ timeout: 90_000 });

  test("an expired token is refreshed once for two tabs at the same time, and the grant stays valid", async ({ page, context }) => {
    await signIn(page, USERS.alice, "/dashboard");
    const signedInAt = Date.now();
    await waitUntilRefreshDue(page, signedInAt);
    await resetIdpStats();

    const tab = await context.newPage();
    const [, api] = await Promise.all([page.goto("/settings/accounts"), tab.goto("/api/provider/profile")]);

    await expectLiveProfile(page, USERS.alice);
    await expect(page.getByTestId("connection-dev-idp").getByText("Connected")).toBeVisible();
    expect(api?.status()).toBe(200);
    expect(await api?.json()).toEqual({
      provider: "dev-idp",
      profile: { sub: USERS.alice.sub, name: USERS.alice.name, email: USERS.alice.email, picture: `${IDP_URL}/avatars/alice.svg` },
    });
    expect((await idpStats()).grants.refresh_token).toBe(1);
    const refreshedAt = Date.now();

    // A reused refresh token would have revoked the grant: a later refresh proves it is intact.
    await waitUntilRefreshDue(page, refreshedAt);
    await page.reload();
    await expectLiveProfile(page, USERS.alice);
    expect((await idpStats()).grants.refresh_token).toBe(2);
  });

  test("a grant revoked at the provider asks for 'Reconnect Dev IdP'; reconnecting restores it and keeps the person's data", async ({
    page,
  }) => {
    await signIn(page, USERS.bob, "/settings/accounts");
    await expectLiveProfile(page, USERS.bob);
    const me = await (await page.request.get("/api/me")).json();

    await revokeGrantsAtIdp(USERS.bob.sub);
    await page.reload();
    // The stored token has not expired, but the provider refuses it: one refresh, invalid_grant.
    await expect(page.getByTestId("provider-profile").getByRole("alert")).toContainText("no longer accepts");
    await expect(page.getByTestId("connection-dev-idp").getByText("Needs reconnect")).toBeVisible();
    const api = await page.request.get("/api/provider/profile");
    expect(api.status()).toBe(409);
    expect(await api.json()).toEqual({ error: "reconnect_required" });

    await resetIdpStats();
    await page.getByRole("button", { name: "Reconnect Dev IdP" }).click();
    // Still signed in at the IdP: it grants again without asking for the password.
    await page.waitForURL(`${APP_URL}/settings/accounts`);
    await expectLiveProfile(page, USERS.bob);
    await expect(page.getByTestId("connection-dev-idp").getByText("Connected")).toBeVisible();
    expect((await idpStats()).grants.authorization_code).toBe(1);
    expect(await (await page.request.get("/api/me")).json()).toEqual(me);
  });

  test("signing out revokes the refresh token at the provider and lands on the home page", async ({ page }) => {
    await signIn(page, USERS.alice, "/dashboard");
    const { refreshToken } = (await issuedTokens(USERS.alice.sub)).at(-1)!;
    expect(refreshToken).toBeTruthy();
    await resetIdpStats();

    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page).toHaveURL(`${APP_URL}/`);
    expect((await idpStats()).revocations).toBe(1);
    expect(await refreshAtIdp(refreshToken!)).toEqual({ status: 400, error: "invalid_grant" });
  });

  test("'Sign out of Dev IdP too' also ends the session at the IdP (RP-initiated logout)", async ({ page, context }) => {
    await signIn(page, USERS.alice, "/dashboard");
    await resetIdpStats();

    await page.getByLabel("More sign-out options").click();
    await page.getByRole("button", { name: "Sign out of Dev IdP too" }).click();
    await page.waitForURL((url) => url.origin === IDP_URL);
    await expect(page.getByRole("heading", { name: "Sign out of Dev IdP?" })).toBeVisible();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page).toHaveURL(`${APP_URL}/`);
    expect((await context.cookies(APP_URL)).map((c) => c.name)).not.toContain("authjs.session-token");
    expect((await idpStats()).revocations).toBe(1);

    // Signed out at the IdP too: signing in again asks for the password.
    await page.goto("/login");
    await page.getByRole("button", { name: "Continue with Dev IdP" }).click();
    await page.waitForURL((url) => url.origin === IDP_URL);
    await expect(page.getByLabel("Password")).toBeVisible();
  });

  test("no provider token appears in HTML, RSC payloads, API responses or cookies, after sign-in and after a refresh", async ({
    page,
    context,
  }) => {
    await signIn(page, USERS.eve, "/settings/accounts");
    await expectNoTokenLeak(page, context, await issuedTokens(USERS.eve.sub));
    // The scan itself may have refreshed the token already; whatever the app holds now was
    // issued before this moment, so it is due for a refresh a few seconds later.
    const scannedAt = Date.now();
    const issuedBefore = (await issuedTokens(USERS.eve.sub)).length;

    await waitUntilRefreshDue(page, scannedAt);
    await resetIdpStats();
    await page.goto("/settings/accounts");
    await expect(page.getByTestId("provider-profile-subject")).toHaveText(USERS.eve.sub);
    expect((await idpStats()).grants.refresh_token).toBe(1);
    const issued = await issuedTokens(USERS.eve.sub);
    expect(issued.length).toBe(issuedBefore + 1);
    await expectNoTokenLeak(page, context, issued);
  });
});

/**
 * Every value the IdP ever issued to this person (access, refresh and ID tokens, and each ID
 * token's signature on its own), searched for in everything the app sends the browser. The e2e
 * database is a PGlite folder the app server holds exclusively, so the values come from the
 * provider that issued them, which is the same set the app stores.
 */
async function expectNoTokenLeak(page: Page, context: BrowserContext, issued: IssuedTokens[]): Promise<void> {
  const secrets = issued
    .flatMap((t) => [t.accessToken, t.refreshToken, t.idToken, t.idToken?.split(".")[2]])
    .filter((v): v is string => typeof v === "string" && v.length >= 16);
  expect(secrets.length).toBeGreaterThanOrEqual(3);

  const documents: [string, string][] = [];
  for (const path of ["/", "/dashboard", "/settings/profile", "/settings/accounts"]) {
    documents.push([`HTML ${path}`, await (await page.request.get(path)).text()]);
    documents.push([`RSC ${path}`, await (await page.request.get(path, { headers: { RSC: "1" } })).text()]);
  }
  for (const path of ["/api/auth/session", "/api/me", "/api/provider/profile"]) {
    documents.push([path, await (await page.request.get(path)).text()]);
  }
  await page.goto("/settings/accounts");
  documents.push(["rendered /settings/accounts", await page.content()]);
  documents.push(["cookies", (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("\n")]);

  // The pages did render what they should (a failed render would leak nothing and prove nothing).
  expect(documents.find(([name]) => name === "RSC /settings/accounts")?.[1]).toContain("Provider profile");
  expect(documents.find(([name]) => name === "/api/auth/session")?.[1]).toContain('"provider":"dev-idp"');

  for (const [name, text] of documents) {
    for (const secret of secrets) {
      expect(text.includes(secret), `${name} contains a provider token`).toBe(false);
    }
  }
}
