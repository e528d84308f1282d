import { expect, test, type Page } from "@playwright/test";

import { USERS, signIn } from "../support/dev-idp";
import { IDP_URL } from "../support/stack";

/**
 * Every action shows that it is under way. The app answers fast on this machine, so each test
 * holds the request back for a moment to look at the page while it waits.
 */

const HOLD_MS = 1_500;

/** Holds back the page's server actions (POSTs to its own path); everything else passes untouched. */
async function holdServerActions(page: Page, pathname: string): Promise<void> {
  await page.route(
    (url) => url.pathname === pathname,
    async (route) => {
      if (route.request().method() === "POST") await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
      await route.continue();
    },
  );
}

// Each test signs in or waits on purpose; a loaded CI machine needs more than the default.
test.describe.configure({ timeout: 60_000 });

test("a sign-in button is disabled and shows a spinner while the authorization URL is being built", async ({ page }) => {
  await page.goto("/login");
  await holdServerActions(page, "/login");
  await page.getByRole("button", { name: "Continue with Dev IdP" }).click();

  const pending = page.getByRole("button", { name: "Connecting to Dev IdP…" });
  await expect(pending).toBeDisabled();
  // The spinner (a span) has taken the mark's place (an svg).
  await expect(pending.locator("span[aria-hidden=true]")).toBeVisible();
  await page.waitForURL((url) => url.origin === IDP_URL);
});

test("the profile form says 'Saving…' and cannot be sent twice while the server action runs", async ({ page }) => {
  await signIn(page, USERS.bob, "/settings/profile");
  await holdServerActions(page, "/settings/profile");
  await page.getByLabel("Display name").fill(USERS.bob.name);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("button", { name: "Saving…" })).toBeDisabled();
  await expect(page.getByRole("status")).toHaveText("Saved.");
  await expect(page.getByRole("button", { name: "Save" })).toBeEnabled();
});

// prefers-reduced-motion (WCAG 2.3.3): colour fades stop and the spinner slows down, but still
// turns, so the wait stays visible. The first case proves the check can tell the two apart.
for (const [motion, expected] of [
  ["no-preference", { fade: "0.15s", turn: "0.7s" }],
  ["reduce", { fade: "0s", turn: "1.6s" }],
] as const) {
  test(`motion set to ${motion}: a button fades in ${expected.fade} and the spinner turns once in ${expected.turn}`, async ({ page }) => {
    await page.emulateMedia({ reducedMotion: motion });
    await page.goto("/login");
    await holdServerActions(page, "/login");
    const button = page.getByRole("button", { name: "Continue with Dev IdP" });
    expect(await button.evaluate((el) => getComputedStyle(el).transitionDuration)).toBe(expected.fade);
    await button.click();
    const spinner = page.getByRole("button", { name: "Connecting to Dev IdP…" }).locator("span[aria-hidden=true]");
    await expect(spinner).toBeVisible();
    expect(await spinner.evaluate((el) => getComputedStyle(el).animationDuration)).toBe(expected.turn);
    await page.waitForURL((url) => url.origin === IDP_URL);
  });
}
