import { expect, test, type APIResponse } from "@playwright/test";

import { USERS, signIn } from "../support/dev-idp";
import { signOutFromHeader } from "../support/sign-out";
import { APP_URL } from "../support/stack";

/**
 * What every response tells the browser: a nonce-based CSP on every HTML page (error pages too),
 * and the fixed headers on everything. The app under test is the production build, so HSTS is on.
 */

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

function expectFixedHeaders(response: APIResponse) {
  const headers = response.headers();
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(headers["cross-origin-opener-policy"]).toBe("same-origin");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
  expect(headers["x-powered-by"]).toBeUndefined();
}

/** The page's CSP: a fresh nonce for scripts, no inline scripts, no framing. Returns the nonce. */
async function expectStrictPagePolicy(response: APIResponse): Promise<string> {
  const csp = response.headers()["content-security-policy"];
  expect(csp, `${response.url()} has a CSP`).toBeTruthy();
  const policy = directives(csp!);
  const scripts = policy.get("script-src") ?? [];
  const nonce = scripts.find((s) => s.startsWith("'nonce-"))?.slice("'nonce-".length, -1);
  expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  expect(scripts).not.toContain("'unsafe-inline'");
  expect(scripts).not.toContain("'unsafe-eval'");
  // No inline styles either: the design is one stylesheet of Tailwind classes.
  expect(policy.get("style-src")).toEqual(["'self'"]);
  expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
  expect(policy.get("object-src")).toEqual(["'none'"]);
  expect(policy.get("base-uri")).toEqual(["'none'"]);
  // Every script Next.js rendered carries this response's nonce: none would run otherwise.
  const html = await response.text();
  const scriptTags = html.match(/<script\b[^>]*>/g) ?? [];
  expect(scriptTags.length).toBeGreaterThan(0);
  for (const tag of scriptTags) expect(tag).toContain(`nonce="${nonce}"`);
  return nonce!;
}

test.describe("security headers", () => {
  // Each test signs in through the IdP; on a busy 2-core machine that alone can take most of 30 s.
  test.describe.configure({ timeout: 90_000 });
  const publicPages = ["/", "/login", "/login?error=state_mismatch", "/login?callbackUrl=%2F%2Fevil.test"];

  for (const path of publicPages) {
    test(`${path} carries a nonce CSP and the fixed headers`, async ({ request }) => {
      const response = await request.get(path, { maxRedirects: 0 });
      expect(response.headers()["content-type"]).toContain("text/html");
      await expectStrictPagePolicy(response);
      expectFixedHeaders(response);
    });
  }

  test("each response gets its own nonce", async ({ request }) => {
    const first = await expectStrictPagePolicy(await request.get("/login"));
    const second = await expectStrictPagePolicy(await request.get("/login"));
    expect(first).not.toBe(second);
  });

  test("protected pages and API answers are not stored by any cache", async ({ page }) => {
    await signIn(page, USERS.alice);
    for (const path of ["/dashboard", "/settings/profile", "/settings/sessions"]) {
      const response = await page.request.get(path);
      expect(response.status()).toBe(200);
      expect(response.headers()["cache-control"], path).toContain("no-store");
      await expectStrictPagePolicy(response);
      expectFixedHeaders(response);
    }
    const me = await page.request.get("/api/me");
    expect(me.headers()["cache-control"]).toBe("no-store");
    // The not-found page (unknown paths are protected, so only a signed-in person sees it).
    const missing = await page.request.get("/no-such-page");
    expect(missing.status()).toBe(404);
    await expectStrictPagePolicy(missing);
    expectFixedHeaders(missing);
  });

  test("API responses, redirects and Auth.js's own answers get the fixed headers and an allow-nothing CSP", async ({ request }) => {
    for (const path of ["/api/me", "/api/health", "/api/auth/session", "/api/auth/csrf", "/.well-known/jwks.json"]) {
      const response = await request.get(path, { maxRedirects: 0 });
      expectFixedHeaders(response);
      expect(response.headers()["content-security-policy"], path).toContain("default-src 'none'");
    }
    const redirect = await request.get("/dashboard", { maxRedirects: 0 });
    expect(redirect.status()).toBe(307);
    expectFixedHeaders(redirect);
  });

  test("the app runs under its CSP: signing in, every page and signing out in a real browser report no violation", async ({ page }) => {
    const violations: string[] = [];
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) violations.push(message.text());
    });
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await page.goto("/login?error=state_mismatch");
    await expect(page.getByRole("alert").filter({ hasText: "sign-in attempt expired" })).toBeVisible();
    await signIn(page, USERS.alice);
    await expect(page.getByText(`Signed in as ${USERS.alice.email}`)).toBeVisible();
    for (const path of ["/settings/profile", "/settings/accounts", "/settings/sessions", "/settings/activity", "/no-such-page"]) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    }
    await page.getByRole("banner").locator("details > summary").click();
    await expect(page.getByRole("navigation", { name: "Account" })).toBeVisible();
    await signOutFromHeader(page, APP_URL);
    expect(violations).toEqual([]);
  });

  test("after the callback, no address and no outgoing Referer carries the code or the state", async ({ page }) => {
    const leaks: string[] = [];
    let afterCallback = false;
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith("/api/auth/callback/")) {
        afterCallback = true;
        return;
      }
      if (!afterCallback) return;
      // Synchronous on purpose: nothing would wait for an async handler, which could then outlive the test.
      const referer = request.headers()["referer"] ?? "";
      for (const value of [request.url(), referer])
        if (/[?&](code|state)=/.test(value)) leaks.push(`${request.url()} (referer ${referer})`);
    });
    await signIn(page, USERS.alice);
    await expect(page.getByText(`Signed in as ${USERS.alice.email}`)).toBeVisible();
    await page.reload();
    await expect(page.getByText(`Signed in as ${USERS.alice.email}`)).toBeVisible();
    expect(afterCallback).toBe(true);
    expect(page.url()).not.toMatch(/[?&](code|state)=/);
    expect(leaks).toEqual([]);
  });

  test("markup injected into a page cannot run script: no inline script, no inline handler", async ({ page }) => {
    // As if an escaping bug let markup into the server's HTML: the real response, its real headers,
    // with a script and an inline handler added that do not carry the nonce.
    await page.route("**/login", async (route) => {
      const response = await route.fetch();
      const injected = (await response.text()).replace(
        "</body>",
        `<script>window.__injected = "script"</script><img src="data:," onerror="window.__handler = 'handler'"></body>`,
      );
      await route.fulfill({ response, body: injected });
    });
    const violations: string[] = [];
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) violations.push(message.text());
    });
    await page.goto("/login");
    await expect(page.getByRole("button", { name: "Continue with Dev IdP" })).toBeVisible();
    const ran = await page.evaluate(() => {
      const w = window as unknown as { __injected?: string; __handler?: string };
      return [w.__injected ?? null, w.__handler ?? null];
    });
    expect(ran).toEqual([null, null]);
    // Both were blocked by the policy, not skipped for some other reason.
    expect(violations.length).toBeGreaterThanOrEqual(2);
  });
});
