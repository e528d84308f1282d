import { expect, test } from "@playwright/test";

import { USERS, continueWithDevIdp, signIn, submitCredentials } from "./support/dev-idp";
import { APP_URL, IDP_URL } from "./support/stack";

test.describe("signing in with the Dev IdP", () => {
  test("a protected page sends an anonymous visitor to /login with a callbackUrl, and sign-in returns there", async ({ page }) => {
    await page.goto("/settings/profile");
    await expect(page).toHaveURL(`${APP_URL}/login?callbackUrl=%2Fsettings%2Fprofile`);
    await continueWithDevIdp(page);
    await submitCredentials(page, USERS.alice.email, USERS.alice.password);
    await expect(page).toHaveURL(`${APP_URL}/settings/profile`);
    await expect(page.getByLabel("Display name")).toHaveValue(USERS.alice.name);
  });

  test("the authorization request carries our client, redirect URI, scopes, PKCE S256, state and nonce", async ({ page }) => {
    await page.goto("/login");
    const authorize = page.waitForRequest((request) => request.url().startsWith(`${IDP_URL}/auth?`));
    await page.getByRole("button", { name: "Continue with Dev IdP" }).click();
    const params = new URL((await authorize).url()).searchParams;
    expect(params.get("client_id")).toBe("oauth-next-app");
    expect(params.get("redirect_uri")).toBe(`${APP_URL}/api/auth/callback/dev-idp`);
    expect(params.get("response_type")).toBe("code");
    expect(params.get("scope")?.split(" ")).toEqual(expect.arrayContaining(["openid", "email", "profile"]));
    expect(params.get("code_challenge_method")).toBe("S256");
    expect(params.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("state")?.length).toBeGreaterThan(20);
    expect(params.get("nonce")?.length).toBeGreaterThan(20);
  });

  test("alice lands on the dashboard with her email, name, picture and provider, in an HttpOnly cookie session", async ({
    page,
    context,
  }) => {
    await signIn(page, USERS.alice);
    await expect(page).toHaveURL(`${APP_URL}/dashboard`);
    await expect(page.getByText(`Signed in as ${USERS.alice.email}`)).toBeVisible();
    await expect(page.getByRole("heading", { name: `Hello, ${USERS.alice.name}` })).toBeVisible();
    await expect(page.getByTestId("signed-in-provider")).toHaveText("Dev IdP");
    const picture = page.getByRole("img", { name: `Profile picture of ${USERS.alice.name}` });
    await expect(picture).toHaveAttribute("src", new RegExp(`^${IDP_URL.replaceAll(".", "\\.")}/`));

    const session = (await context.cookies(APP_URL)).find((c) => c.name === "authjs.session-token");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Lax");
    // The provider's code and state never stay in the address bar.
    expect(page.url()).not.toMatch(/[?&](code|state)=/);
  });

  test("/api/me answers the signed-in user as JSON, and 401 JSON without a session", async ({ page, request }) => {
    await signIn(page, USERS.alice);
    const me = await page.request.get("/api/me");
    expect(me.status()).toBe(200);
    expect(me.headers()["cache-control"]).toBe("no-store");
    const body = await me.json();
    expect(body).toEqual({
      id: expect.any(String),
      email: USERS.alice.email,
      name: expect.any(String),
      image: expect.stringMatching(new RegExp(`^${IDP_URL.replaceAll(".", "\\.")}/`)),
      providers: ["dev-idp"],
    });

    const anonymous = await request.get("/api/me", { maxRedirects: 0 });
    expect(anonymous.status()).toBe(401);
    expect(await anonymous.json()).toEqual({ error: "unauthorized" });
  });

  test("/api/health says ok once the database answers, and tells an anonymous caller nothing more", async ({ request }) => {
    const health = await request.get("/api/health");
    expect(health.status()).toBe(200);
    // Details (database, session cache) only with HEALTH_DETAILS=1 (e2e/deployment reads them).
    expect(await health.json()).toEqual({ status: "ok" });
  });

  test("a display-name change is validated, saved and still there after a reload", async ({ page }) => {
    await signIn(page, USERS.bob, "/settings/profile");
    const field = page.getByLabel("Display name");

    await field.fill("   ");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Enter a display name.");

    await field.fill("x".repeat(81));
    await expect(field).toHaveValue("x".repeat(80));
    // The browser's maxlength is only a hint: without it, the server action still refuses.
    await field.evaluate((input) => input.removeAttribute("maxlength"));
    await field.fill("x".repeat(81));
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Use at most 80 characters.");

    await field.fill("  Bobby Tables  ");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("status")).toHaveText("Saved.");
    await page.reload();
    await expect(page.getByLabel("Display name")).toHaveValue("Bobby Tables");
    await page.goto("/dashboard");
    await expect(page.getByRole("heading", { name: "Hello, Bobby Tables" })).toBeVisible();

    // Put the name back so other tests see the IdP's name.
    await page.goto("/settings/profile");
    await page.getByLabel("Display name").fill(USERS.bob.name);
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("status")).toHaveText("Saved.");
  });

  test("signing out clears the cookie and every protected page and API refuses afterwards", async ({ page, context }) => {
    await signIn(page, USERS.alice);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(`${APP_URL}/`);
    expect((await context.cookies(APP_URL)).map((c) => c.name)).not.toContain("authjs.session-token");

    await page.goto("/dashboard");
    await expect(page).toHaveURL(`${APP_URL}/login?callbackUrl=%2Fdashboard`);
    const me = await page.request.get("/api/me");
    expect(me.status()).toBe(401);
  });

  test("Cancel at the IdP brings the person back to a friendly message with a retry button", async ({ page, context }) => {
    await page.goto("/login");
    await continueWithDevIdp(page);
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect(page).toHaveURL(`${APP_URL}/login?error=access_denied`);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText(/Sign-in was cancelled/);
    await expect(page.getByRole("button", { name: "Try again with Dev IdP" })).toBeVisible();
    expect((await context.cookies(APP_URL)).map((c) => c.name)).not.toContain("authjs.session-token");
  });

  test("a wrong password keeps the person on the IdP with an error and nothing reaches the app", async ({ page }) => {
    await page.goto("/login");
    await continueWithDevIdp(page);
    const callbacks: string[] = [];
    page.on("request", (r) => r.url().includes("/api/auth/callback/") && callbacks.push(r.url()));
    await submitCredentials(page, USERS.alice.email, "not-her-password");
    await expect(page.getByRole("main").getByRole("alert")).toBeVisible();
    expect(new URL(page.url()).origin).toBe(IDP_URL);
    expect(callbacks).toEqual([]);
  });

  test("a callback whose state cookie is gone is refused with the 'start again' message", async ({ page, context }) => {
    await page.goto("/login");
    await continueWithDevIdp(page);
    // As if the attempt was started in another browser: the app's check cookies are missing.
    await context.clearCookies({ domain: "localhost" });
    await submitCredentials(page, USERS.alice.email, USERS.alice.password);
    await expect(page).toHaveURL(`${APP_URL}/login?error=state_mismatch`);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText(/expired or was started in another tab or browser/);
    expect((await context.cookies(APP_URL)).map((c) => c.name)).not.toContain("authjs.session-token");
  });

  test("eve, whose address the IdP has not verified, gets her own account without that address", async ({ page }) => {
    await signIn(page, USERS.eve);
    await expect(page).toHaveURL(`${APP_URL}/dashboard`);
    await expect(page.getByRole("heading", { name: `Hello, ${USERS.eve.name}` })).toBeVisible();
    const me = await (await page.request.get("/api/me")).json();
    expect(me.email).toBeNull();
    expect(me.name).toBe(USERS.eve.name);
  });
});
