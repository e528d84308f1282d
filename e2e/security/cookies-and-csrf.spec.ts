import { encode } from "@auth/core/jwt";
import { expect, test, type BrowserContext, type Page } from "@playwright/test";

import { USERS, signIn } from "../support/dev-idp";
import { captureProfileSave } from "../support/server-action";
import { APP_URL, TEST_AUTH_SECRET } from "../support/stack";

/**
 * The session cookie's shape, what a damaged or foreign cookie gets (signed out, never a 500),
 * session fixation, and CSRF on every state-changing entry point.
 */

const SESSION_COOKIE = "authjs.session-token";

async function sessionCookie(context: BrowserContext) {
  const cookie = (await context.cookies(APP_URL)).find((c) => c.name === SESSION_COOKIE);
  expect(cookie, "session cookie").toBeDefined();
  return cookie!;
}

/**
 * Signed out means: protected page → /login, API → 401 JSON. Never a 500. A cookie that decrypts
 * but names no usable session goes by /api/auth/session-ended, which deletes it.
 */
async function expectSignedOut(page: Page, what: string) {
  const response = await page.request.get("/dashboard", { maxRedirects: 0 });
  expect(response.status(), what).toBe(307);
  let location = response.headers().location ?? "";
  if (location.startsWith("/api/auth/session-ended")) {
    const ended = await page.request.get(location, { maxRedirects: 0 });
    expect(ended.status(), what).toBe(303);
    const deletions = ended
      .headersArray()
      .filter((h) => h.name.toLowerCase() === "set-cookie" && h.value.startsWith(`${SESSION_COOKIE}=;`));
    expect(deletions.length, `${what}: the dead cookie is deleted`).toBeGreaterThan(0);
    location = ended.headers().location ?? "";
  }
  expect(location, what).toContain("/login");
  const me = await page.request.get("/api/me");
  expect(me.status(), what).toBe(401);
  expect(await me.json(), what).toEqual({ error: "unauthorized" });
}

test.describe("the session cookie", () => {
  // Each test signs in through the IdP; on a busy 2-core machine that alone can take most of 30 s.
  test.describe.configure({ timeout: 90_000 });
  test("is HttpOnly, SameSite=Lax, host-only and under 4 KB per Set-Cookie", async ({ page }) => {
    const setCookies: string[] = [];
    page.on("response", async (response) => {
      if (new URL(response.url()).pathname.startsWith("/api/auth/callback/")) {
        for (const header of await response.headersArray()) if (header.name.toLowerCase() === "set-cookie") setCookies.push(header.value);
      }
    });
    await signIn(page, USERS.alice);
    const session = setCookies.filter((c) => c.startsWith(`${SESSION_COOKIE}=`));
    expect(session).toHaveLength(1);
    for (const header of setCookies) {
      expect(header.length).toBeLessThanOrEqual(4096);
      expect(header).not.toMatch(/;\s*domain=/i);
    }
    expect(session[0]).toMatch(/;\s*HttpOnly/i);
    expect(session[0]).toMatch(/;\s*SameSite=Lax/i);
    expect(session[0]).toMatch(/;\s*Path=\//i);
  });

  test("damaged, re-chunked or foreign cookies mean signed out, never an error", async ({ page, context }) => {
    test.setTimeout(180_000);
    await signIn(page, USERS.alice);
    await page.goto("about:blank");
    const original = await sessionCookie(context);
    const value = original.value;
    const foreignSecret = await encode({
      token: { sub: "someone", sid: "made-up" },
      secret: "a-different-secret-0123456789abcdefghijklmnop",
      salt: SESSION_COOKIE,
    });
    const sameSecretNoSession = await encode({ token: { sub: "someone", sid: "made-up" }, secret: TEST_AUTH_SECRET, salt: SESSION_COOKIE });
    const cases: [string, { name: string; value: string }[]][] = [
      ["truncated", [{ name: SESSION_COOKIE, value: value.slice(0, value.length - 20) }]],
      ["one character changed", [{ name: SESSION_COOKIE, value: value.slice(0, 40) + (value[40] === "A" ? "B" : "A") + value.slice(41) }]],
      ["garbage", [{ name: SESSION_COOKIE, value: "not.a.jwe.at.all" }]],
      ["empty", [{ name: SESSION_COOKIE, value: "" }]],
      ["10 KB of junk in chunks", [0, 1, 2].map((i) => ({ name: `${SESSION_COOKIE}.${i}`, value: "x".repeat(3500) }))],
      [
        "re-chunked out of order",
        [
          { name: `${SESSION_COOKIE}.0`, value: value.slice(Math.floor(value.length / 2)) },
          { name: `${SESSION_COOKIE}.1`, value: value.slice(0, Math.floor(value.length / 2)) },
        ],
      ],
      ["sealed with another secret", [{ name: SESSION_COOKIE, value: foreignSecret }]],
      ["sealed with our secret but naming no real session", [{ name: SESSION_COOKIE, value: sameSecretNoSession }]],
    ];
    for (const [what, cookies] of cases) {
      await context.clearCookies();
      await context.addCookies(cookies.map((c) => ({ ...c, url: APP_URL })));
      await expectSignedOut(page, what);
      const response = await page.goto("/dashboard");
      expect(response?.status(), what).toBe(200);
      await expect(page, what).toHaveURL(/\/login\?/);
      await page.goto("about:blank");
    }
  });

  test("a sign-in always issues a new session: a cookie planted before it is not adopted (no fixation)", async ({ page, context }) => {
    // A cookie the attacker chose (sealed with the app's secret, the worst case), planted before the
    // victim signs in. The sign-in must replace it with a session of its own.
    const planted = await encode({
      token: { sub: "attacker-chosen", sid: "attacker-chosen-sid" },
      secret: TEST_AUTH_SECRET,
      salt: SESSION_COOKIE,
    });
    await context.addCookies([{ name: SESSION_COOKIE, value: planted, url: APP_URL }]);
    await signIn(page, USERS.alice);
    const after = await sessionCookie(context);
    expect(after.value).not.toBe(planted);
    const me = await (await page.request.get("/api/me")).json();
    expect(me.email).toBe(USERS.alice.email);
    const sessions = await page.request.get("/settings/sessions");
    expect(await sessions.text()).not.toContain("attacker-chosen");
  });
});

test.describe("CSRF", () => {
  test.describe.configure({ timeout: 90_000 });
  test("a sign-in POST without the CSRF token does not start a sign-in", async ({ request }) => {
    const response = await request.post("/api/auth/signin/dev-idp", { form: { callbackUrl: "/dashboard" }, maxRedirects: 0 });
    const location = response.headers().location ?? "";
    expect(location).not.toContain("/auth?");
    expect(new URL(location, APP_URL).origin).toBe(APP_URL);
  });

  test("a sign-out POST without the CSRF token leaves the session alone", async ({ page }) => {
    await signIn(page, USERS.alice);
    const response = await page.request.post("/api/auth/signout", { form: { callbackUrl: "/" }, maxRedirects: 0 });
    expect(new URL(response.headers().location ?? "/", APP_URL).origin).toBe(APP_URL);
    expect((await page.request.get("/api/me")).status()).toBe(200);
  });

  for (const [what, headers] of [
    ["a foreign Origin", { origin: "https://evil.test" }],
    ["Origin: null", { origin: "null" }],
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
  ] as const) {
    test(`a server action sent with ${what} is refused and changes nothing`, async ({ page }) => {
      await signIn(page, USERS.alice, "/settings/profile");
      const captured = await captureProfileSave(page, "Alice Before");
      const body = captured.postData()!.replace("Alice Before", "Alice Hijacked");
      const replay = await page.request.post(captured.url(), {
        headers: { ...captured.headers(), ...headers },
        data: body,
        maxRedirects: 0,
      });
      expect(replay.status()).toBe(403);
      expect(await replay.json()).toEqual({ error: "cross_site_request" });
      const me = await (await page.request.get("/api/me")).json();
      expect(me.name).toBe("Alice Before");
    });

    test(`POST /api/token with ${what} is refused`, async ({ page }) => {
      await signIn(page, USERS.alice);
      const response = await page.request.post("/api/token", { headers: { ...headers } });
      expect(response.status()).toBe(403);
    });
  }
});

test.describe("hostile input gets a generic answer", () => {
  test.describe.configure({ timeout: 90_000 });
  test("the Auth.js error page and our login page escape what they are given", async ({ request }) => {
    for (const path of ["/api/auth/error?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/login?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E"]) {
      const response = await request.get(path);
      expect(response.status(), path).toBeLessThan(500);
      const html = await response.text();
      expect(html, path).not.toContain("<script>alert(1)</script>");
    }
  });

  test("a bogus Next-Action header is refused without internals", async ({ request }) => {
    const response = await request.post("/settings/profile", {
      headers: { "next-action": "0000000000000000000000000000000000000000", "content-type": "text/plain;charset=UTF-8" },
      data: "[]",
      maxRedirects: 0,
    });
    const body = await response.text();
    expect(body).not.toMatch(/prisma|at [\w.]+ \(|node_modules|AUTH_SECRET/i);
  });

  test("malformed JSON, wrong content types and a huge body get JSON errors", async ({ page }) => {
    await signIn(page, USERS.alice);
    for (const [what, init] of [
      ["malformed JSON", { headers: { "content-type": "application/json", origin: APP_URL }, data: "{not json" }],
      ["a 1 MB body", { headers: { "content-type": "application/json", origin: APP_URL }, data: `{"x":"${"a".repeat(1_000_000)}"}` }],
    ] as const) {
      const response = await page.request.post("/api/token", init);
      expect(response.status(), what).toBeLessThan(500);
      expect(await response.text(), what).not.toMatch(/prisma|at [\w.]+ \(|node_modules/i);
    }
  });

  test("garbage cookies of every name leave public pages working", async ({ browser }) => {
    const context = await browser.newContext();
    try {
      await context.addCookies(
        [
          "authjs.csrf-token",
          "authjs.callback-url",
          "authjs.state",
          "authjs.pkce.code_verifier",
          "authjs.nonce",
          "authjs.session-token.0",
        ].map((name) => ({
          name,
          value: "garbage%%%{}[]",
          url: APP_URL,
        })),
      );
      const page = await context.newPage();
      for (const path of ["/", "/login", "/api/health"]) {
        const response = await page.goto(path);
        expect(response?.status(), path).toBe(200);
      }
      const csrf = await page.request.get("/api/auth/csrf");
      expect(csrf.status()).toBe(200);
    } finally {
      await context.close();
    }
  });
});
