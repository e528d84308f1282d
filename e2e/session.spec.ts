import { expect, test, type Request } from "@playwright/test";

import { USERS, signIn } from "./support/dev-idp";
import { APP_URL } from "./support/stack";

test.describe("sessions", () => {
  test("two people in two browsers each see only their own data", async ({ browser }) => {
    const aliceContext = await browser.newContext();
    const bobContext = await browser.newContext();
    try {
      const alice = await aliceContext.newPage();
      const bob = await bobContext.newPage();
      await signIn(alice, USERS.alice);
      await signIn(bob, USERS.bob);

      await alice.reload();
      await bob.reload();
      await expect(alice.getByText(`Signed in as ${USERS.alice.email}`)).toBeVisible();
      await expect(bob.getByText(`Signed in as ${USERS.bob.email}`)).toBeVisible();
      await expect(alice.getByText(USERS.bob.email)).toHaveCount(0);
      await expect(bob.getByText(USERS.alice.email)).toHaveCount(0);

      const aliceMe = await (await alice.request.get("/api/me")).json();
      const bobMe = await (await bob.request.get("/api/me")).json();
      expect(aliceMe.email).toBe(USERS.alice.email);
      expect(bobMe.email).toBe(USERS.bob.email);
      expect(aliceMe.id).not.toBe(bobMe.id);
    } finally {
      await aliceContext.close();
      await bobContext.close();
    }
  });

  test("a tampered session cookie counts as signed out, with a clear message and no error page", async ({ page, context }) => {
    await signIn(page, USERS.alice);
    const cookies = await context.cookies(APP_URL);
    const session = cookies.find((c) => c.name === "authjs.session-token");
    expect(session).toBeDefined();
    const value = session!.value;
    // Flip one character in the middle of the JWE's ciphertext.
    const i = Math.floor(value.length / 2);
    const tampered = value.slice(0, i) + (value[i] === "A" ? "B" : "A") + value.slice(i + 1);
    await context.addCookies([{ ...session!, value: tampered }]);

    const response = await page.goto("/dashboard");
    expect(response?.status()).toBe(200);
    await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fdashboard&error=session_expired$/);
    await expect(page.getByRole("alert")).toHaveText(/session has ended or is no longer valid/);

    const me = await page.request.get("/api/me");
    expect(me.status()).toBe(401);
    expect(await me.json()).toEqual({ error: "unauthorized" });
  });

  test("a server action replayed without a session is refused and changes nothing", async ({ page, playwright }) => {
    await signIn(page, USERS.alice, "/settings/profile");
    const actionRequest = page.waitForRequest((r) => r.method() === "POST" && Boolean(r.headers()["next-action"]));
    await page.getByLabel("Display name").fill(USERS.alice.name);
    await page.getByRole("button", { name: "Save" }).click();
    const captured: Request = await actionRequest;
    await expect(page.getByRole("status")).toHaveText("Saved.");

    // Replay the exact request (action id, router state, body) from a client with no cookies,
    // but with a new name in the body.
    const anonymous = await playwright.request.newContext({ baseURL: APP_URL });
    try {
      const headers = { ...captured.headers() };
      delete headers.cookie;
      const body = captured.postData()!.replace(USERS.alice.name, "Mallory Was Here");
      expect(body).toContain("Mallory Was Here");
      const replay = await anonymous.post(captured.url(), { headers, data: body, maxRedirects: 0 });
      expect(replay.status()).not.toBe(200);
      expect(await replay.text()).not.toContain("Mallory Was Here");
    } finally {
      await anonymous.dispose();
    }

    const me = await (await page.request.get("/api/me")).json();
    expect(me.name).toBe(USERS.alice.name);
  });
});
