import { expect, test } from "@playwright/test";

import { USERS, signIn } from "../support/dev-idp";
import { captureProfileSave, replayWithoutSession } from "../support/server-action";
import { NO_PROXY_APP_URL } from "../support/stack";

/**
 * This project runs against a build of the app whose proxy matches no path at all
 * (e2e/support/app-server.ts). Whatever the proxy would have stopped must still be stopped by
 * the pages, actions and route handlers themselves (lib/dal.ts).
 */
test.describe("without the proxy", () => {
  test("the proxy really is out of the way: a 404 page is served to anonymous visitors", async ({ request }) => {
    // With the proxy active this would redirect to /login (unknown paths are protected there).
    const response = await request.get("/no-such-page", { maxRedirects: 0 });
    expect(response.status()).toBe(404);
  });

  for (const path of ["/dashboard", "/settings/profile", "/settings/accounts"]) {
    test(`${path} still sends an anonymous visitor to /login`, async ({ page, request }) => {
      const raw = await request.get(path, { maxRedirects: 0 });
      expect(raw.status()).toBe(307);
      expect(raw.headers()["location"]).toBe(`/login?callbackUrl=${encodeURIComponent(path)}`);
      expect(await raw.text()).not.toContain("Signed in as");

      await page.goto(path);
      await expect(page).toHaveURL(`${NO_PROXY_APP_URL}/login?callbackUrl=${encodeURIComponent(path)}`);
    });
  }

  test("the RSC payload of a protected page is refused too", async ({ request }) => {
    const response = await request.get("/dashboard", { headers: { RSC: "1" }, maxRedirects: 0 });
    expect(await response.text()).not.toContain("Signed in as");
  });

  for (const path of ["/api/me", "/api/provider/profile"]) {
    test(`${path} still answers 401 JSON`, async ({ request }) => {
      const response = await request.get(path);
      expect(response.status()).toBe(401);
      expect(await response.json()).toEqual({ error: "unauthorized" });
    });
  }

  test("the profile server action still refuses a request without a session", async ({ page, playwright }) => {
    await signIn(page, USERS.bob, "/settings/profile");
    const captured = await captureProfileSave(page, USERS.bob.name);
    const replay = await replayWithoutSession(playwright, captured, USERS.bob.name, "Mallory Was Here");
    // No proxy answered: the action itself called requireUser() and redirected to /login.
    expect(replay.headers["x-action-redirect"]).toMatch(/^\/login\?callbackUrl=%2Fsettings%2Fprofile/);
    const me = await (await page.request.get("/api/me")).json();
    expect(me.name).toBe(USERS.bob.name);
  });
});
