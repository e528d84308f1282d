import { expect, type Page } from "@playwright/test";

import { IDP_URL } from "./stack";

/** The Dev IdP's test users (idp/users.ts; listed in the README). */
export const USERS = {
  alice: { email: "alice@example.com", password: "alice-password", name: "Alice Example", sub: "dev-alice-5f0c2a91" },
  bob: { email: "bob@example.com", password: "bob-password", name: "Bob Example", sub: "dev-bob-8d3e7b14" },
  eve: { email: "eve@example.com", password: "eve-password", name: "Eve Example", sub: "dev-eve-c41a9e67" },
} as const;

export type TestUser = (typeof USERS)[keyof typeof USERS];

/** On /login: press "Continue with Dev IdP" and wait for the provider's own login page. */
export async function continueWithDevIdp(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Continue with Dev IdP" }).click();
  await page.waitForURL((url) => url.origin === IDP_URL);
  await expect(page.getByRole("heading", { name: /Dev IdP/ })).toBeVisible();
}

/** On the Dev IdP's login page: type the credentials and press "Sign in". */
export async function submitCredentials(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** The whole round trip from a page of the app to being signed in and back on the app. */
export async function signIn(page: Page, user: TestUser, startAt = "/login"): Promise<void> {
  await page.goto(startAt);
  await continueWithDevIdp(page);
  await submitCredentials(page, user.email, user.password);
  await page.waitForURL((url) => url.origin !== IDP_URL && !url.pathname.startsWith("/api/auth"));
}
