import { expect, test } from "@playwright/test";

import { USERS, continueWithDevIdp, signIn, submitCredentials } from "../support/dev-idp";
import { APP_URL } from "../support/stack";

/**
 * Open redirects: every place a callbackUrl enters (the login page, Auth.js's own sign-in
 * endpoint, the redirect a signed-in visitor gets from /login) keeps people on our origin,
 * whatever spelling of another host the value uses. Each answer is fast and clean.
 */

const PAYLOADS = [
  "//evil.test",
  "/\\evil.test",
  "\\/evil.test",
  "https:evil.test",
  "http:/evil.test",
  "/%2F%2Fevil.test",
  "/%5Cevil.test",
  "/%09/evil.test",
  "https://localhost:3000@evil.test",
  "https://localhost.evil.test",
  `${APP_URL}@evil.test`,
  "javascript:alert(1)",
  "http://[",
  "x".repeat(20 * 1024),
];

const label = (payload: string) => (payload.length > 60 ? `${payload.slice(0, 10)}… (${payload.length} chars)` : payload);

function expectOnOrigin(target: string | undefined, what: string) {
  expect(target, what).toBeTruthy();
  const url = new URL(target!, APP_URL);
  expect(url.origin, what).toBe(APP_URL);
  expect(url.protocol, what).toBe(new URL(APP_URL).protocol);
}

test.describe("callbackUrl stays on our origin", () => {
  // Each test signs in through the IdP; on a busy 2-core machine that alone can take most of 30 s.
  test.describe.configure({ timeout: 90_000 });
  for (const payload of PAYLOADS) {
    test(`the login page keeps ${label(payload)} on our origin`, async ({ request }) => {
      const started = Date.now();
      const response = await request.get(`/login?callbackUrl=${encodeURIComponent(payload)}`);
      // A 20 KB query is over Node's header limit: refused cleanly (431) before any of our code.
      if (payload.length > 16_000) {
        expect(response.status()).toBe(431);
        expect(await response.text()).not.toMatch(/at .*\.(js|ts):\d+/);
        return;
      }
      expect(response.status()).toBe(200);
      expect(Date.now() - started).toBeLessThan(5_000);
      const html = await response.text();
      const hidden = [...html.matchAll(/name="callbackUrl" value="([^"]*)"/g)].map((m) => m[1]!.replaceAll("&amp;", "&"));
      expect(hidden.length).toBeGreaterThan(0);
      for (const value of hidden) {
        expect(value.startsWith("/") && !value.startsWith("//")).toBe(true);
        expectOnOrigin(value, `hidden callbackUrl for ${label(payload)}`);
      }
    });

    test(`Auth.js's sign-in endpoint keeps ${label(payload)} on our origin`, async ({ request }) => {
      const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
      const response = await request.post("/api/auth/signin/dev-idp", {
        form: { csrfToken, callbackUrl: payload },
        maxRedirects: 0,
      });
      expect(response.status()).toBe(302);
      const cookie = response
        .headersArray()
        .find((h) => h.name.toLowerCase() === "set-cookie" && h.value.startsWith("authjs.callback-url="));
      expect(cookie).toBeTruthy();
      const value = decodeURIComponent(cookie!.value.split(";")[0]!.slice("authjs.callback-url=".length));
      expectOnOrigin(value, `callback-url cookie for ${label(payload)}`);
    });
  }

  test("a signed-in visitor sent to /login with any payload is redirected on our origin", async ({ page }) => {
    await signIn(page, USERS.alice);
    for (const payload of PAYLOADS.filter((p) => p.length < 16_000)) {
      const response = await page.request.get(`/login?callbackUrl=${encodeURIComponent(payload)}`, { maxRedirects: 0 });
      expect(response.status(), label(payload)).toBe(307);
      expectOnOrigin(response.headers().location, `redirect for ${label(payload)}`);
    }
  });

  for (const payload of ["//evil.test", "/%5Cevil.test", "https://localhost.evil.test"]) {
    test(`a complete sign-in started with ${payload} ends on our origin`, async ({ page }) => {
      await page.goto(`/login?callbackUrl=${encodeURIComponent(payload)}`);
      await continueWithDevIdp(page);
      await submitCredentials(page, USERS.bob.email, USERS.bob.password);
      await page.waitForURL((url) => url.origin === APP_URL && !url.pathname.startsWith("/api/auth"));
      expect(new URL(page.url()).origin).toBe(APP_URL);
      await expect(page.getByText(`Signed in as ${USERS.bob.email}`)).toBeVisible();
    });
  }
});
