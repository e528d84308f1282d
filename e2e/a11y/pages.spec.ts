import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Locator, type Page } from "@playwright/test";

import { USERS, continueWithDevIdp, signIn, submitCredentials } from "../support/dev-idp";
import { APP_URL, IDP_URL } from "../support/stack";

/**
 * Every page, signed out and signed in, in both colour schemes and on a phone, checked with axe:
 * no serious or critical violation (contrast, names, labels, landmarks, ARIA). Plus the whole
 * sign-in and sign-out with the keyboard alone.
 */

const THEMES = ["light", "dark"] as const;
const PHONE = { width: 360, height: 740 };

async function expectNoSeriousViolations(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`,
    );
  expect(serious, `axe on ${what} (${page.url()})`).toEqual([]);
  // A check that looked at nothing would pass too: make sure axe saw the page.
  expect(results.passes.length, `axe ran rules on ${what}`).toBeGreaterThan(10);
}

async function checkSignedOutPages(page: Page, theme: string): Promise<void> {
  for (const path of ["/", "/login", "/login?error=access_denied", "/login?error=state_mismatch"]) {
    await page.goto(path);
    await expectNoSeriousViolations(page, `${path} signed out, ${theme}`);
  }
  // The Dev IdP's own pages: the login form, then the same form with a wrong-password error.
  await page.goto("/login");
  await continueWithDevIdp(page);
  await expectNoSeriousViolations(page, `Dev IdP login, ${theme}`);
  await submitCredentials(page, USERS.alice.email, "not-her-password");
  await expect(page.getByRole("alert")).toBeVisible();
  await expectNoSeriousViolations(page, `Dev IdP login with an error, ${theme}`);
}

async function checkSignedInPages(page: Page, theme: string): Promise<void> {
  await signIn(page, USERS.alice, "/dashboard");
  await expect(page).toHaveURL(`${APP_URL}/dashboard`);
  for (const path of [
    "/dashboard",
    "/settings/profile",
    "/settings/accounts",
    "/settings/sessions",
    "/settings/activity",
    "/no-such-page",
  ]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectNoSeriousViolations(page, `${path} signed in, ${theme}`);
  }

  // Open menus and inline errors are part of the pages too.
  await page.goto("/dashboard");
  await page.getByRole("banner").locator("summary").click();
  await expect(page.getByRole("navigation", { name: "Account" })).toBeVisible();
  await expectNoSeriousViolations(page, `/dashboard with the account menu open, ${theme}`);
  await page.keyboard.press("Escape");
  await page.getByLabel("More sign-out options").click();
  await expect(page.getByRole("main").getByRole("button", { name: "Sign out of Dev IdP too" })).toBeVisible();
  await expectNoSeriousViolations(page, `/dashboard with more sign-out options, ${theme}`);

  await page.goto("/settings/profile");
  await page.getByLabel("Display name").fill(" ");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Enter a display name.");
  await expectNoSeriousViolations(page, `/settings/profile with a validation error, ${theme}`);
}

test.describe("axe: no serious or critical violations", () => {
  // Up to a dozen pages, each analysed by axe, per test.
  test.describe.configure({ timeout: 180_000 });

  for (const theme of THEMES) {
    test(`signed-out pages and the Dev IdP's pages, ${theme} theme`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: theme });
      await checkSignedOutPages(page, theme);
    });

    test(`signed-in pages, open menus and inline errors, ${theme} theme`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: theme });
      await checkSignedInPages(page, theme);
    });
  }

  test.describe("on a 360 px phone", () => {
    test.use({ viewport: PHONE, isMobile: true, hasTouch: true });

    test("signed-out pages and the Dev IdP's pages", async ({ page }) => {
      await checkSignedOutPages(page, "phone");
    });

    test("signed-in pages, open menus and inline errors", async ({ page }) => {
      await checkSignedInPages(page, "phone");
    });
  });
});

/** Presses Tab until the focused element's name matches, and returns it (at most 40 presses). */
async function tabTo(page: Page, name: string | RegExp): Promise<Locator> {
  const matches = (text: string) => (typeof name === "string" ? text === name : name.test(text));
  for (let presses = 0; presses < 40; presses++) {
    await page.keyboard.press("Tab");
    // Read the active element without waiting for one: focus may also be on the page itself.
    const text = await page.evaluate(() => {
      const element = document.activeElement;
      if (!element || element === document.body) return "";
      return (element.getAttribute("aria-label") ?? element.textContent ?? "").replace(/\s+/g, " ").trim();
    });
    if (matches(text)) return page.locator(":focus");
  }
  throw new Error(`Tab never reached ${String(name)}`);
}

async function expectVisibleFocus(element: Locator): Promise<void> {
  await expect(element).toBeFocused();
  const outline = await element.evaluate((el) => {
    const style = getComputedStyle(el);
    return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
  expect(outline.style).not.toBe("none");
  expect(outline.width).toBeGreaterThanOrEqual(2);
}

test("keyboard only: sign in through the Dev IdP and sign out from the avatar menu, with a visible focus ring", async ({
  page,
  context,
}) => {
  await page.goto("/login");
  const button = await tabTo(page, "Continue with Dev IdP");
  await expectVisibleFocus(button);
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => url.origin === IDP_URL);

  // The IdP's form puts the cursor in the email field.
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.keyboard.type(USERS.alice.email);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.keyboard.type(USERS.alice.password);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${APP_URL}/dashboard`);
  await expect(page.getByText(`Signed in as ${USERS.alice.email}`)).toBeVisible();

  // The avatar menu opens with Enter, closes with Escape (focus back on it), and opens again.
  const summary = await tabTo(page, /account menu$/);
  await expectVisibleFocus(summary);
  const menu = page.getByRole("banner");
  const menuSignOut = menu.getByRole("button", { name: "Sign out", exact: true });
  await page.keyboard.press("Enter");
  await expect(menuSignOut).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(menuSignOut).toBeHidden();
  await expect(menu.locator("summary")).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(menuSignOut).toBeVisible();

  const focusedSignOut = await tabTo(page, "Sign out");
  await expect(menuSignOut).toBeFocused();
  await expectVisibleFocus(focusedSignOut);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(`${APP_URL}/`);
  expect((await context.cookies(APP_URL)).map((c) => c.name)).not.toContain("authjs.session-token");
});

test("the skip link is the first stop and moves focus to the main content", async ({ page }) => {
  await page.goto("/login");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("main")).toBeFocused();
  // The next Tab goes into the page, past the header.
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Continue with Dev IdP" })).toBeFocused();
});
