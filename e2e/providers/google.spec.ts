import path from "node:path";

import { expect, test, type Browser, type Page } from "@playwright/test";

import { GOOGLE_ACCOUNTS, startGoogleEmulator, type GoogleAccount, type GoogleEmulator } from "../../test/emulators/google";
import { expectButtonLook, linkThenUnlink, routeToEmulators, signedInAs, startEmulatedInstance } from "../support/emulated-providers";
import type { SecurityInstance } from "../support/security-instance";
import { signIn as signInWithDevIdp, USERS } from "../support/dev-idp";
import { signOutFromHeader } from "../support/sign-out";
import { EXTRA_APP_URLS, IDP_ACCESS_TOKEN_TTL, REFRESH_DUE_AFTER_MS } from "../support/stack";

/**
 * Sign in with Google, against an emulator of Google's documented behaviour (test/emulators/google.ts):
 * the app is the production build, configured only with AUTH_GOOGLE_ID/SECRET, and talks to
 * https://accounts.google.com and Google's other hosts, which the test routes to the emulator.
 */

const CLIENT = { clientId: "1234567890-e2e.apps.googleusercontent.com", clientSecret: "GOCSPX-e2e-emulated-secret" };

let google: GoogleEmulator;
let instance: SecurityInstance | undefined;

test.describe.configure({ timeout: 120_000 });

async function startApp(logName: string, extra: Record<string, string> = {}): Promise<SecurityInstance> {
  await instance?.stop();
  instance = await startEmulatedInstance(
    { AUTH_GOOGLE_ID: CLIENT.clientId, AUTH_GOOGLE_SECRET: CLIENT.clientSecret, ...extra },
    [google],
    path.join(test.info().project.outputDir, logName),
  );
  return instance;
}

test.beforeAll(async () => {
  test.setTimeout(300_000);
  google = await startGoogleEmulator({
    ...CLIENT,
    redirectUris: [`${EXTRA_APP_URLS.security}/api/auth/callback/google`],
    accessTokenTtlSeconds: Number(IDP_ACCESS_TOKEN_TTL),
  });
});
test.afterAll(async () => {
  test.setTimeout(60_000);
  await instance?.stop();
  await google?.close();
});

/** A new browser on /login presses "Continue with Google" and waits for Google's account chooser. */
async function toAccountChooser(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  await routeToEmulators(context, google);
  const page = await context.newPage();
  await page.goto(`${instance!.url}/login`);
  await page.getByRole("button", { name: "Continue with Google" }).click();
  await page.waitForURL((url) => url.origin === "https://accounts.google.com");
  await expect(page.getByRole("heading", { name: "Choose an account" })).toBeVisible();
  return page;
}

async function signIn(browser: Browser, account: GoogleAccount): Promise<Page> {
  const page = await toAccountChooser(browser);
  await page.getByRole("button", { name: account.name }).click();
  await page.waitForURL(`${instance!.url}/dashboard`);
  return page;
}

const me = (page: Page) => signedInAs(page, instance!.url);

test.describe("any Google account", () => {
  test.beforeAll(async () => {
    test.setTimeout(300_000);
    await startApp("google-instance.log");
  });

  test("the button follows Google's branding in light and dark: Roboto Medium served by the app, Google's fill, stroke and text colours", async ({
    page,
  }) => {
    await page.goto(`${instance!.url}/login`);
    const name = "Continue with Google";
    const light = await expectButtonLook(page, name, "light", {
      background: "rgb(255, 255, 255)",
      border: "rgb(116, 119, 117)",
      color: "rgb(31, 31, 31)",
      fontWeight: "500",
    });
    await expectButtonLook(page, name, "dark", {
      background: "rgb(19, 19, 20)",
      border: "rgb(142, 145, 143)",
      color: "rgb(227, 227, 227)",
      fontWeight: "500",
    });
    // The first family is the Roboto face next/font declares, and the browser loaded it from us.
    const family = light.fontFamily
      .split(",")[0]!
      .trim()
      .replace(/^['"]|['"]$/g, "");
    expect(light.fontFamily).toMatch(/Arial/);
    await expect
      .poll(() =>
        page.evaluate(
          (wanted) => [...document.fonts].some((face) => face.family.replace(/^['"]|['"]$/g, "") === wanted && face.status === "loaded"),
          family,
        ),
      )
      .toBe(true);
    // The G keeps its four colours in both themes.
    const g = page.getByRole("button", { name }).locator("svg path");
    expect(await g.evaluateAll((paths) => paths.map((path) => path.getAttribute("fill")))).toEqual([
      "#EA4335",
      "#4285F4",
      "#FBBC05",
      "#34A853",
    ]);
  });

  test("a new person signs in with Google and lands on the dashboard with Google's name and verified address", async ({ browser }) => {
    const page = await signIn(browser, GOOGLE_ACCOUNTS.ada);
    await expect(page.getByRole("heading", { name: /Ada Lovelace/ })).toBeVisible();
    expect(await me(page)).toMatchObject({ email: "ada.lovelace@gmail.com", name: "Ada Lovelace", providers: ["google"] });
    // What the app asked Google for: a refresh token needs offline access and a consent screen.
    const asked = google.lastAuthorization()!;
    expect(Object.fromEntries(["access_type", "prompt", "code_challenge_method", "response_type"].map((p) => [p, asked.get(p)]))).toEqual({
      access_type: "offline",
      prompt: "consent",
      code_challenge_method: "S256",
      response_type: "code",
    });
    expect(asked.get("scope")?.split(" ").sort()).toEqual(["email", "openid", "profile"]);
    expect(asked.has("hd")).toBe(false);
  });

  test("a returning person gets the same account, even after Google rotated its signing key", async ({ browser }) => {
    const first = await me(await signIn(browser, GOOGLE_ACCOUNTS.grace));
    await google.rotateKey();
    const again = await me(await signIn(browser, GOOGLE_ACCOUNTS.grace));
    expect(again.id).toBe(first.id);
  });

  test("Cancel at Google brings the person back to /login with a plain sentence and a retry", async ({ browser }) => {
    const page = await toAccountChooser(browser);
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.waitForURL(`${instance!.url}/login?error=access_denied`);
    await expect(page.getByRole("main").getByRole("alert")).toContainText("Sign-in was cancelled");
    await expect(page.getByRole("button", { name: "Try again with Google" })).toBeVisible();
  });

  test("an error Google reports (admin_policy_enforced) ends on /login with the provider-error sentence, nobody signed in", async ({
    browser,
  }) => {
    const page = await toAccountChooser(browser);
    google.failNextAuthorization("admin_policy_enforced");
    await page.getByRole("button", { name: GOOGLE_ACCOUNTS.ada.name }).click();
    await page.waitForURL(`${instance!.url}/login?error=provider_error`);
    await expect(page.getByRole("main").getByRole("alert")).toContainText("The sign-in provider reported a problem");
    expect((await page.request.get(`${instance!.url}/api/me`)).status()).toBe(401);
  });

  test("an expired access token is refreshed once for concurrent requests; sign-out revokes the grant at Google", async ({ browser }) => {
    const page = await signIn(browser, GOOGLE_ACCOUNTS.ada);
    const signedInAt = Date.now();
    await page.waitForTimeout(Math.max(0, signedInAt + REFRESH_DUE_AFTER_MS + 500 - Date.now()));
    google.resetStats();
    const answers = await Promise.all([1, 2, 3].map(() => page.request.get(`${instance!.url}/api/provider/profile`)));
    for (const answer of answers) {
      expect(answer.status()).toBe(200);
      expect((await answer.json()).profile).toMatchObject({ sub: GOOGLE_ACCOUNTS.ada.sub, email: GOOGLE_ACCOUNTS.ada.email });
    }
    expect(google.stats.refresh_token).toBe(1);

    await page.goto(`${instance!.url}/dashboard`);
    await signOutFromHeader(page, instance!.url);
    await expect.poll(() => google.stats.revoke ?? 0).toBe(1);
  });

  test("a person signed in with the Dev IdP links Google from /settings/accounts, signs in with it, then unlinks it, which revokes the grant at Google", async ({
    browser,
  }) => {
    const context = await browser.newContext();
    await routeToEmulators(context, google);
    const page = await context.newPage();
    await signInWithDevIdp(page, USERS.bob, `${instance!.url}/login`);
    const bob = await me(page);
    await linkThenUnlink(
      page,
      instance!.url,
      { id: "google", name: "Google" },
      {
        async atProvider() {
          await page.waitForURL((url) => url.origin === "https://accounts.google.com");
          // Nobody here has signed in with this account: one that has a user of its own is never linked to another.
          await page.getByRole("button", { name: GOOGLE_ACCOUNTS.mallory.name }).click();
        },
        async linked() {
          const viaGoogle = await signIn(browser, GOOGLE_ACCOUNTS.mallory);
          expect((await me(viaGoogle)).id).toBe(bob.id);
          google.resetStats();
        },
      },
    );
    expect(google.stats.revoke).toBe(1);
  });
});

test.describe("AUTH_GOOGLE_HOSTED_DOMAIN=example.com", () => {
  test.beforeAll(async () => {
    test.setTimeout(300_000);
    await startApp("google-hosted-domain-instance.log", { AUTH_GOOGLE_HOSTED_DOMAIN: "example.com" });
  });

  test("a Workspace account of example.com signs in, and Google is sent the hd hint", async ({ browser }) => {
    const page = await signIn(browser, GOOGLE_ACCOUNTS.grace);
    expect((await me(page)).email).toBe("grace@example.com");
    expect(google.lastAuthorization()?.get("hd")).toBe("example.com");
  });

  for (const account of [GOOGLE_ACCOUNTS.ada, GOOGLE_ACCOUNTS.mallory]) {
    test(`${account.email} (${account.hd ? `hd ${account.hd}` : "no hd"}) is refused with 'account not allowed' and is not signed in`, async ({
      browser,
    }) => {
      const page = await toAccountChooser(browser);
      await page.getByRole("button", { name: account.name }).click();
      await page.waitForURL(`${instance!.url}/login?error=account_not_allowed`);
      await expect(page.getByRole("main").getByRole("alert")).toContainText("only accepts accounts from certain organisations");
      expect((await page.request.get(`${instance!.url}/api/me`)).status()).toBe(401);
    });
  }
});
