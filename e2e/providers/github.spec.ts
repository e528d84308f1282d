import path from "node:path";

import { expect, test, type Browser, type Page } from "@playwright/test";

import { GITHUB_ACCOUNTS, startGitHubEmulator, type GitHubAccount, type GitHubEmulator } from "../../test/emulators/github";
import { signIn as signInWithDevIdp, USERS } from "../support/dev-idp";
import { linkThenUnlink, routeToEmulators, signedInAs, startEmulatedInstance } from "../support/emulated-providers";
import type { SecurityInstance } from "../support/security-instance";
import { signOutFromHeader } from "../support/sign-out";
import { EXTRA_APP_URLS, IDP_ACCESS_TOKEN_TTL, REFRESH_DUE_AFTER_MS } from "../support/stack";

/**
 * Sign in with GitHub, against an emulator of GitHub's documented behaviour (test/emulators/github.ts):
 * plain OAuth 2.0, errors with status 200, addresses from the emails API, tokens that never expire
 * or expire with single-use refresh tokens, and grant deletion for sign-out.
 */

const CLIENT = { clientId: "Iv1.e2e0123456789abc", clientSecret: "e2e-github-client-secret-0123456789abcdef" };

let github: GitHubEmulator;
let instance: SecurityInstance | undefined;

test.describe.configure({ timeout: 120_000 });

async function startApp(logName: string, extra: Record<string, string> = {}): Promise<void> {
  await instance?.stop();
  instance = await startEmulatedInstance(
    { AUTH_GITHUB_ID: CLIENT.clientId, AUTH_GITHUB_SECRET: CLIENT.clientSecret, ...extra },
    [github],
    path.join(test.info().project.outputDir, logName),
  );
}

test.beforeAll(async () => {
  github = await startGitHubEmulator({ ...CLIENT, callbackUrl: `${EXTRA_APP_URLS.security}/api/auth/callback/github` });
});
test.afterAll(async () => {
  test.setTimeout(60_000);
  await instance?.stop();
  await github?.close();
});

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  await routeToEmulators(context, github);
  return context.newPage();
}

/** From a page of the app, presses `button` and waits for GitHub's authorization page. */
async function toGitHub(page: Page, button: string): Promise<void> {
  await page.getByRole("button", { name: button, exact: true }).click();
  await page.waitForURL((url) => url.origin === "https://github.com");
  await expect(page.getByRole("heading", { name: "Authorize the app" })).toBeVisible();
}

async function signIn(browser: Browser, account: GitHubAccount): Promise<Page> {
  const page = await newPage(browser);
  await page.goto(`${instance!.url}/login`);
  await toGitHub(page, "Continue with GitHub");
  await page.getByRole("button", { name: `Authorize as ${account.login}` }).click();
  await page.waitForURL(`${instance!.url}/dashboard`);
  return page;
}

const me = (page: Page) => signedInAs(page, instance!.url);

async function liveProfiles(page: Page, count: number): Promise<unknown[]> {
  const answers = await Promise.all(Array.from({ length: count }, () => page.request.get(`${instance!.url}/api/provider/profile`)));
  return Promise.all(
    answers.map(async (answer) => {
      expect(answer.status()).toBe(200);
      return (await answer.json()).profile;
    }),
  );
}

test.describe("any GitHub account", () => {
  test.beforeAll(async () => {
    test.setTimeout(300_000);
    await startApp("github-instance.log");
  });

  test("a new person signs in with GitHub; the address stored is the verified primary one from the emails API", async ({ browser }) => {
    const page = await signIn(browser, GITHUB_ACCOUNTS.octocat);
    await expect(page.getByRole("heading", { name: /The Octocat/ })).toBeVisible();
    expect(await me(page)).toMatchObject({ name: "The Octocat", email: "octocat@github.example", providers: ["github"] });
    expect(github.lastAuthorization()?.get("scope")).toBe("read:user user:email");
    expect(github.lastAuthorization()?.get("code_challenge_method")).toBe("S256");
    // GitHub answers form-encoded unless asked for JSON.
    expect(github.lastTokenRequest()?.accept).toContain("application/json");
  });

  test("a returning person gets the same account, found by GitHub's numeric id", async ({ browser }) => {
    const first = await me(await signIn(browser, GITHUB_ACCOUNTS.octocat));
    const again = await me(await signIn(browser, GITHUB_ACCOUNTS.octocat));
    expect(again.id).toBe(first.id);
  });

  test("a person whose only address GitHub has not verified signs in without one, named by their login", async ({ browser }) => {
    const page = await signIn(browser, GITHUB_ACCOUNTS.hubot);
    expect(await me(page)).toMatchObject({ name: "hubot", email: null });
  });

  test("Cancel at GitHub brings the person back to /login with a plain sentence", async ({ browser }) => {
    const page = await newPage(browser);
    await page.goto(`${instance!.url}/login`);
    await toGitHub(page, "Continue with GitHub");
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.waitForURL(`${instance!.url}/login?error=access_denied`);
    await expect(page.getByRole("main").getByRole("alert")).toContainText("Sign-in was cancelled");
  });

  test("a code GitHub refuses with status 200 and error=bad_verification_code ends on /login, nobody signed in", async ({ browser }) => {
    const page = await newPage(browser);
    await page.goto(`${instance!.url}/login`);
    await toGitHub(page, "Continue with GitHub");
    github.failNextTokenExchange("bad_verification_code");
    await page.getByRole("button", { name: "Authorize as octocat" }).click();
    // As a spent or replayed code is at any provider: the answer could not be used.
    await page.waitForURL(`${instance!.url}/login?error=invalid_response`);
    await expect(page.getByRole("main").getByRole("alert")).toContainText("We couldn't verify the sign-in provider's answer");
    expect((await page.request.get(`${instance!.url}/api/me`)).status()).toBe(401);
  });

  test("a token that never expires is used as it is: no refresh, ever", async ({ browser }) => {
    github.setExpiringTokens(null);
    const page = await signIn(browser, GITHUB_ACCOUNTS.octocat);
    github.resetStats();
    await page.waitForTimeout(REFRESH_DUE_AFTER_MS + 500);
    expect(await liveProfiles(page, 2)).toEqual([
      expect.objectContaining({ sub: String(GITHUB_ACCOUNTS.octocat.id), email: "octocat@github.example" }),
      expect.objectContaining({ sub: String(GITHUB_ACCOUNTS.octocat.id) }),
    ]);
    expect(github.stats.refresh_token).toBeUndefined();
  });

  test("expiring tokens are refreshed once for concurrent requests, the replaced refresh token kept; sign-out deletes the grant", async ({
    browser,
  }) => {
    github.setExpiringTokens(Number(IDP_ACCESS_TOKEN_TTL));
    try {
      const page = await signIn(browser, GITHUB_ACCOUNTS.monalisa);
      await page.waitForTimeout(REFRESH_DUE_AFTER_MS + 500);
      github.resetStats();
      await liveProfiles(page, 3);
      expect(github.stats.refresh_token).toBe(1);
      // The second refresh only works with the refresh token the first one returned.
      await page.waitForTimeout(REFRESH_DUE_AFTER_MS + 500);
      await liveProfiles(page, 1);
      expect(github.stats.refresh_token).toBe(2);

      await page.goto(`${instance!.url}/dashboard`);
      await signOutFromHeader(page, instance!.url);
      await expect.poll(() => github.stats.grant_deleted ?? 0).toBe(1);
    } finally {
      github.setExpiringTokens(null);
    }
  });

  test("a person signed in with the Dev IdP links GitHub from /settings/accounts, then unlinks it, which deletes the grant at GitHub", async ({
    browser,
  }) => {
    const page = await newPage(browser);
    await signInWithDevIdp(page, USERS.alice, `${instance!.url}/login`);
    await linkThenUnlink(
      page,
      instance!.url,
      { id: "github", name: "GitHub" },
      {
        async atProvider() {
          await page.waitForURL((url) => url.origin === "https://github.com");
          // A GitHub account nobody here signed in with: one that already has a user is never linked to another.
          await page.getByRole("button", { name: "Authorize as mojombo" }).click();
        },
        linked: async () => github.resetStats(),
      },
    );
    // Unlinked here, and the app's authorization deleted at GitHub.
    expect(github.stats.grant_deleted).toBe(1);
  });
});

test.describe("AUTH_GITHUB_ALLOWED_ORGS=acme-corp", () => {
  test.beforeAll(async () => {
    test.setTimeout(300_000);
    await startApp("github-orgs-instance.log", { AUTH_GITHUB_ALLOWED_ORGS: "acme-corp" });
  });

  test("a member of acme-corp signs in, and the app asked GitHub for read:org to check", async ({ browser }) => {
    const page = await signIn(browser, GITHUB_ACCOUNTS.monalisa);
    expect((await me(page)).email).toBe("mona@acme.example");
    expect(github.lastAuthorization()?.get("scope")).toBe("read:user user:email read:org");
  });

  test("someone outside acme-corp is refused with 'account not allowed' and is not signed in", async ({ browser }) => {
    const page = await newPage(browser);
    await page.goto(`${instance!.url}/login`);
    await toGitHub(page, "Continue with GitHub");
    await page.getByRole("button", { name: "Authorize as octocat" }).click();
    await page.waitForURL(`${instance!.url}/login?error=account_not_allowed`);
    await expect(page.getByRole("main").getByRole("alert")).toContainText("only accepts accounts from certain organisations");
    expect((await page.request.get(`${instance!.url}/api/me`)).status()).toBe(401);
  });
});
