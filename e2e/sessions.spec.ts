import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";

import { USERS, signIn } from "./support/dev-idp";
import { signOutFromHeader } from "./support/sign-out";
import { APP_URL, IDP_URL } from "./support/stack";

/**
 * Sessions people can see and end (issue 5), on the real app, the real Dev IdP and a real
 * database: a revoked session is refused on its very next request, whichever instance, device or
 * provider revoked it, and a copy of its cookie is worth nothing afterwards.
 */

// Other devices get user agents of their own, so each is recognisable on /settings/sessions
// among the sessions other tests left behind for alice.
const FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI_ON_MACOS =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
const EDGE_ON_WINDOWS =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";

async function signedInDevice(browser: Browser, userAgent?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(userAgent ? { userAgent } : {});
  const page = await context.newPage();
  await signIn(page, USERS.alice, "/dashboard");
  await expect(page).toHaveURL(`${APP_URL}/dashboard`);
  return { context, page };
}

const sessionList = (page: Page) => page.getByRole("list", { name: "Active sessions" });
const sessionItem = (page: Page, text: string) => sessionList(page).getByRole("listitem").filter({ hasText: text });

/** The next navigation of a signed-out device ends on the login page, not on the page it asked for. */
async function expectSignedOut(page: Page): Promise<void> {
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fdashboard/);
  expect((await page.request.get("/api/me")).status()).toBe(401);
}

async function expectSignedIn(page: Page): Promise<void> {
  await page.goto("/dashboard");
  await expect(page).toHaveURL(`${APP_URL}/dashboard`);
  await expect(page.getByText(`Signed in as ${USERS.alice.email}`)).toBeVisible();
}

test.describe("sessions people can see and end", () => {
  // Up to three browsers each sign in through the IdP: on a busy 2-core machine that alone can pass 30 s.
  test.describe.configure({ timeout: 120_000 });

  test("/settings/sessions lists this device (marked) and the other one, and 'Sign out everywhere else' ends the other on its next navigation", async ({
    browser,
  }) => {
    const here = await signedInDevice(browser);
    const elsewhere = await signedInDevice(browser, FIREFOX_ON_LINUX);
    try {
      await here.page.goto("/settings/sessions");
      await expect(here.page.getByRole("heading", { name: "Sessions", level: 1 })).toBeVisible();
      const current = sessionItem(here.page, "This device");
      await expect(current).toHaveCount(1);
      await expect(current).not.toContainText("Firefox");
      const other = sessionItem(here.page, "Firefox on Linux");
      await expect(other).toHaveCount(1);
      await expect(other).not.toContainText("This device");
      // This device is never offered a per-session "Sign out" (that is the header's job).
      await expect(current.getByRole("button", { name: "Sign out" })).toHaveCount(0);

      await here.page.getByRole("button", { name: "Sign out everywhere else" }).click();
      await expect(sessionList(here.page).getByRole("listitem")).toHaveCount(1);
      await expect(sessionItem(here.page, "This device")).toHaveCount(1);
      await expect(here.page.getByText("You are not signed in anywhere else.")).toBeVisible();

      await expectSignedOut(elsewhere.page);
      await expectSignedIn(here.page);
    } finally {
      await here.context.close();
      await elsewhere.context.close();
    }
  });

  test("a browser whose session was ended elsewhere deletes its dead cookie on the next page, and signs the next person in as themselves", async ({
    browser,
  }) => {
    const here = await signedInDevice(browser);
    const shared = await signedInDevice(browser, FIREFOX_ON_LINUX);
    const other = await signedInDevice(browser, SAFARI_ON_MACOS);
    try {
      await here.page.goto("/settings/sessions");
      await here.page.getByRole("button", { name: "Sign out everywhere else" }).click();
      await expect(here.page.getByText("You are not signed in anywhere else.")).toBeVisible();

      // The next page this browser asks for deletes the dead cookie on the way to /login.
      await other.page.goto("/dashboard");
      await expect(other.page).toHaveURL(/\/login\?callbackUrl=%2Fdashboard&error=session_expired$/);
      expect((await other.context.cookies(APP_URL)).filter((c) => c.name.includes("session-token"))).toEqual([]);

      // The shared computer: Alice's cookie is still there (no page visited since), and Bob signs
      // in. He is signed in as himself, not refused as "another account than the one linked here".
      expect((await shared.context.cookies(APP_URL)).some((c) => c.name.includes("session-token"))).toBe(true);
      await shared.context.clearCookies({ domain: new URL(IDP_URL).hostname });
      await signIn(shared.page, USERS.bob, "/login");
      await expect(shared.page).toHaveURL(`${APP_URL}/dashboard`);
      await expect(shared.page.getByText(`Signed in as ${USERS.bob.email}`)).toBeVisible();
      await expectSignedIn(here.page);
    } finally {
      await here.context.close();
      await shared.context.close();
      await other.context.close();
    }
  });

  test("'Sign out' next to one session ends that device only", async ({ browser }) => {
    const here = await signedInDevice(browser);
    const laptop = await signedInDevice(browser, SAFARI_ON_MACOS);
    const desktop = await signedInDevice(browser, EDGE_ON_WINDOWS);
    try {
      await here.page.goto("/settings/sessions");
      await sessionItem(here.page, "Safari on macOS").getByRole("button", { name: "Sign out" }).click();
      await expect(sessionItem(here.page, "Safari on macOS")).toHaveCount(0);
      await expect(sessionItem(here.page, "Edge on Windows")).toHaveCount(1);

      await expectSignedOut(laptop.page);
      await expectSignedIn(desktop.page);
      await expectSignedIn(here.page);
    } finally {
      await here.context.close();
      await laptop.context.close();
      await desktop.context.close();
    }
  });

  test("a session cookie captured before sign-out is worth nothing afterwards (replayed: login page, API 401)", async ({ browser }) => {
    const { context, page } = await signedInDevice(browser);
    const thief = await browser.newContext();
    try {
      const captured = (await context.cookies(APP_URL)).filter((c) => c.name.includes("session-token"));
      expect(captured.length).toBeGreaterThan(0);
      await signOutFromHeader(page, APP_URL);

      // The stolen copy, in another browser: the JWT still decrypts, but its session is revoked.
      await thief.addCookies(captured);
      const stolen = await thief.newPage();
      const response = await stolen.goto("/dashboard");
      expect(response?.status()).toBe(200);
      await expect(stolen).toHaveURL(/\/login\?callbackUrl=%2Fdashboard/);
      await expect(stolen.getByText(USERS.alice.email)).toHaveCount(0);
      const me = await thief.request.get("/api/me");
      expect(me.status()).toBe(401);
      expect(await me.json()).toEqual({ error: "unauthorized" });
    } finally {
      await context.close();
      await thief.close();
    }
  });

  test("ending the session at the Dev IdP signs that browser out of the app (back-channel logout), and only that one", async ({
    browser,
  }) => {
    const here = await signedInDevice(browser);
    const elsewhere = await signedInDevice(browser, FIREFOX_ON_LINUX);
    try {
      // At the IdP, in this browser (its IdP session cookie): end the session there. The IdP posts
      // a logout token naming this session's sid to the app, server to server.
      const discovery = (await (await here.page.request.get(`${IDP_URL}/.well-known/openid-configuration`)).json()) as {
        end_session_endpoint: string;
      };
      await here.page.goto(discovery.end_session_endpoint);
      await expect(here.page.getByRole("heading", { name: "Sign out of Dev IdP?" })).toBeVisible();
      await here.page.getByRole("button", { name: "Sign out", exact: true }).click();
      await expect(here.page.getByRole("heading", { name: "Signed out" })).toBeVisible();

      // The browser never came back to the app, yet its cookie is still there and refused.
      expect((await here.context.cookies(APP_URL)).some((c) => c.name.includes("session-token"))).toBe(true);
      await expectSignedOut(here.page);
      await expect(here.page.getByRole("main").getByRole("alert")).toHaveText(/session has ended/);
      // Alice's other browser has an IdP session of its own (another sid): it stays signed in.
      await expectSignedIn(elsewhere.page);
    } finally {
      await here.context.close();
      await elsewhere.context.close();
    }
  });

  test("/settings/activity shows the sign-in with its provider, device and result", async ({ browser }) => {
    const { context, page } = await signedInDevice(browser, SAFARI_ON_MACOS);
    try {
      await page.goto("/settings/activity");
      await expect(page.getByRole("heading", { name: "Sign-in activity", level: 1 })).toBeVisible();
      // Most recent first: the sign-in that just happened.
      const latest = page.getByRole("table").getByRole("row").nth(1);
      await expect(latest).toContainText("Dev IdP");
      await expect(latest).toContainText("Safari on macOS");
      await expect(latest).toContainText("Signed in");
    } finally {
      await context.close();
    }
  });
});
