import { expect, test } from "@playwright/test";

import { USERS, signIn } from "./support/dev-idp";
import { captureProfileSave, redirectTarget, replayWithoutSession } from "./support/server-action";
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

  test("a tampered session cookie counts as signed out, with a clear message and no error page", async ({ page, browser, request }) => {
    await signIn(page, USERS.alice);
    const session = (await page.context().cookies(APP_URL)).find((c) => c.name === "authjs.session-token");
    expect(session).toBeDefined();
    const value = session!.value;
    // Flip one character in the middle of the JWE's ciphertext.
    const i = Math.floor(value.length / 2);
    const tampered = value.slice(0, i) + (value[i] === "A" ? "B" : "A") + value.slice(i + 1);

    // Present it from a browser that never had the app open. In the signed-in one, a request its
    // page still had going (a link prefetch) could carry the tampered cookie first, and that
    // response (rightly) deletes it before the navigation below: a flake seen in CI.
    const elsewhere = await browser.newContext();
    try {
      await elsewhere.addCookies([{ ...session!, value: tampered }]);
      const tab = await elsewhere.newPage();
      const response = await tab.goto("/dashboard");
      expect(response?.status()).toBe(200);
      await expect(tab).toHaveURL(/\/login\?callbackUrl=%2Fdashboard&error=session_expired$/);
      await expect(tab.getByRole("main").getByRole("alert")).toHaveText(/session has ended or is no longer valid/);
      // The way to /login deleted the cookie that does not read.
      expect((await elsewhere.cookies(APP_URL)).filter((c) => c.name.includes("session-token"))).toEqual([]);
    } finally {
      await elsewhere.close();
    }

    // An API caller presenting the same cookie is refused with JSON.
    const me = await request.get("/api/me", { headers: { cookie: `authjs.session-token=${tampered}` } });
    expect(me.status()).toBe(401);
    expect(await me.json()).toEqual({ error: "unauthorized" });
  });

  test("a server action replayed without a session is refused and changes nothing", async ({ page, playwright }) => {
    await signIn(page, USERS.alice, "/settings/profile");
    const captured = await captureProfileSave(page, USERS.alice.name);
    const replay = await replayWithoutSession(playwright, captured, USERS.alice.name, "Mallory Was Here");
    expect(redirectTarget(replay)).toMatch(/^\/login\?callbackUrl=%2Fsettings%2Fprofile/);
    expect(replay.text).not.toContain("Mallory Was Here");
    const me = await (await page.request.get("/api/me")).json();
    expect(me.name).toBe(USERS.alice.name);
  });
});
