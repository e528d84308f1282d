import { generateKeyPairSync } from "node:crypto";
import path from "node:path";

import { expect, test, type Browser, type Page } from "@playwright/test";

import { APPLE_ACCOUNTS, startAppleEmulator, type AppleAccount, type AppleEmulator } from "../../test/emulators/apple";
import { signIn as signInWithDevIdp, USERS } from "../support/dev-idp";
import { expectButtonLook, linkThenUnlink, routeToEmulators, signedInAs, startEmulatedInstance } from "../support/emulated-providers";
import type { SecurityInstance } from "../support/security-instance";
import { signOutFromHeader } from "../support/sign-out";
import { EXTRA_APP_URLS } from "../support/stack";
import { startTlsProxy, type TlsProxy } from "../support/tls-proxy";

/**
 * Sign in with Apple against an emulator of Apple's documented behaviour (test/emulators/apple.ts),
 * over https as Apple requires: a TLS-terminating proxy in front of the instance. Apple answers with
 * a cross-site POST (form_post) from appleid.apple.com, checks the client secret the app signs with
 * the team's ES256 key, and sends the name only on the first authorization.
 */

const PUBLIC_URL = EXTRA_APP_URLS.appleTls;
const SERVICES_ID = "com.example.oauth-next-app.web";
const TEAM = { teamId: "A1B2C3D4E5", keyId: "K9L8M7N6P5" };
const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });

let apple: AppleEmulator;
let instance: SecurityInstance | undefined;
let proxy: TlsProxy | undefined;

test.use({ ignoreHTTPSErrors: true });
test.describe.configure({ timeout: 120_000 });

test.beforeAll(async () => {
  test.setTimeout(300_000);
  apple = await startAppleEmulator({
    clientId: SERVICES_ID,
    ...TEAM,
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
    redirectUris: [`${PUBLIC_URL}/api/auth/callback/apple`],
  });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  instance = await startEmulatedInstance(
    {
      AUTH_URL: PUBLIC_URL,
      AUTH_APPLE_ID: SERVICES_ID,
      AUTH_APPLE_TEAM_ID: TEAM.teamId,
      AUTH_APPLE_KEY_ID: TEAM.keyId,
      // As pasted into a one-line variable: newlines written as \n.
      AUTH_APPLE_PRIVATE_KEY: pem.trim().replaceAll("\n", "\\n"),
    },
    [apple],
    path.join(test.info().project.outputDir, "apple-instance.log"),
  );
  proxy = await startTlsProxy(Number(new URL(PUBLIC_URL).port), Number(new URL(instance.url).port));
});
test.afterAll(async () => {
  test.setTimeout(60_000);
  await proxy?.close();
  await instance?.stop();
  await apple?.close();
});

interface Started {
  page: Page;
  setCookies: string[];
  /** Every request the browser made to the callback URL. */
  callbackRequests: string[];
}

async function toApple(browser: Browser): Promise<Started> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  await routeToEmulators(context, apple);
  const page = await context.newPage();
  const setCookies: string[] = [];
  const callbackRequests: string[] = [];
  page.on("request", (request) => {
    if (request.url().startsWith(`${PUBLIC_URL}/api/auth/callback/apple`)) callbackRequests.push(request.url());
  });
  page.on("response", async (response) => {
    for (const header of await response.headersArray()) if (header.name.toLowerCase() === "set-cookie") setCookies.push(header.value);
  });
  await page.goto(`${PUBLIC_URL}/login`);
  await page.getByRole("button", { name: "Continue with Apple" }).click();
  await page.waitForURL((url) => url.origin === "https://appleid.apple.com");
  await expect(page.getByRole("heading", { name: "Use your Apple Account" })).toBeVisible();
  return { page, setCookies, callbackRequests };
}

async function signIn(browser: Browser, account: AppleAccount): Promise<Started> {
  const started = await toApple(browser);
  await started.page.getByRole("button", { name: `Continue as ${account.firstName} ${account.lastName}` }).click();
  await started.page.waitForURL(`${PUBLIC_URL}/dashboard`);
  return started;
}

const me = (page: Page) => signedInAs(page, PUBLIC_URL);

test("a new person signs in through Apple's cross-site form_post, named from the first authorization, with a private relay address", async ({
  browser,
}) => {
  const { page, setCookies, callbackRequests } = await signIn(browser, APPLE_ACCOUNTS.tim);
  expect(await me(page)).toMatchObject({ name: "Tim Apple", email: APPLE_ACCOUNTS.tim.email, providers: ["apple"] });
  expect(apple.lastAuthorization()?.get("response_mode")).toBe("form_post");
  expect(apple.lastAuthorization()?.get("scope")).toBe("name email");

  // The client secret the app signed: the team's key, the Services ID, a day long.
  const secret = apple.lastClientSecret()!;
  expect(secret).toMatchObject({ iss: TEAM.teamId, sub: SERVICES_ID, aud: "https://appleid.apple.com" });
  expect((secret.exp as number) - (secret.iat as number)).toBe(24 * 60 * 60);

  // The cross-site POST was relayed to a same-site GET, its form carried in a one-minute __Host-
  // cookie (never in a URL), deleted once used. Only the state and nonce cookies are SameSite=None,
  // as Auth.js makes them for any form_post provider; the app loosens nothing.
  const set = (name: string) => setCookies.filter((header) => header.startsWith(`${name}=`));
  for (const name of ["__Secure-authjs.pkce.code_verifier", "__Secure-authjs.callback-url", "__Host-authjs.form-post"]) {
    expect(set(name).length, name).toBeGreaterThan(0);
    for (const header of set(name)) expect(header, name).toMatch(/SameSite=Lax/i);
  }
  expect(set("__Host-authjs.form-post").at(-1)).toMatch(/Max-Age=0/);
  expect(callbackRequests.some((url) => new URL(url).search !== "")).toBe(false);
  const cookies = await page.context().cookies(PUBLIC_URL);
  expect(cookies.find((c) => c.name === "__Secure-authjs.session-token")).toMatchObject({ sameSite: "Lax", secure: true, httpOnly: true });
  expect(cookies.find((c) => c.name === "__Host-authjs.form-post")).toBeUndefined();
});

test("the button follows Apple's rules: black with a white logo and title on the light page, white with black on the dark one", async ({
  browser,
}) => {
  const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
  await page.goto(`${PUBLIC_URL}/login`);
  const name = "Continue with Apple";
  await expectButtonLook(page, name, "light", { background: "rgb(0, 0, 0)", color: "rgb(255, 255, 255)" });
  await expectButtonLook(page, name, "dark", { background: "rgb(255, 255, 255)", color: "rgb(0, 0, 0)" });
  // The logo is drawn in the title's colour.
  expect(await page.getByRole("button", { name }).locator("svg path").getAttribute("fill")).toBe("currentColor");
});

test("the linked-accounts page says Apple shares nothing after sign-in, and /api/provider/profile answers 404 not_offered without touching Apple", async ({
  browser,
}) => {
  const { page } = await signIn(browser, APPLE_ACCOUNTS.jony);
  await page.goto(`${PUBLIC_URL}/settings/accounts`);
  await expect(page.getByTestId("provider-profile")).toContainText("Apple tells apps who you are only when you sign in");
  const before = { ...apple.stats };
  const answer = await page.request.get(`${PUBLIC_URL}/api/provider/profile`);
  expect(answer.status()).toBe(404);
  expect(await answer.json()).toEqual({ error: "not_offered" });
  expect(apple.stats).toEqual(before);
});

test("a returning person (Apple sends no name the second time) keeps the same account and name", async ({ browser }) => {
  const first = await me((await signIn(browser, APPLE_ACCOUNTS.jony)).page);
  const again = await me((await signIn(browser, APPLE_ACCOUNTS.jony)).page);
  expect(again).toMatchObject({ id: first.id, name: "Jony Ive", email: "jony@design.example" });
});

test("Cancel at Apple (user_cancelled_authorize) brings the person back to /login with a plain sentence", async ({ browser }) => {
  const { page } = await toApple(browser);
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.waitForURL(`${PUBLIC_URL}/login?error=access_denied`);
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Sign-in was cancelled");
});

test("an error Apple reports in its POSTed form (invalid_request) ends on /login with the provider-error sentence, nobody signed in", async ({
  browser,
}) => {
  const { page } = await toApple(browser);
  apple.failNextAuthorization("invalid_request");
  await page.getByRole("button", { name: `Continue as ${APPLE_ACCOUNTS.jony.firstName} ${APPLE_ACCOUNTS.jony.lastName}` }).click();
  await page.waitForURL(`${PUBLIC_URL}/login?error=provider_error`);
  await expect(page.getByRole("main").getByRole("alert")).toContainText("The sign-in provider reported a problem");
  expect((await page.request.get(`${PUBLIC_URL}/api/me`)).status()).toBe(401);
});

test("sign-out revokes the token at Apple with a client secret the app signed", async ({ browser }) => {
  const { page } = await signIn(browser, APPLE_ACCOUNTS.tim);
  const before = apple.stats.revoke ?? 0;
  await signOutFromHeader(page, PUBLIC_URL);
  await expect.poll(() => apple.stats.revoke ?? 0).toBe(before + 1);
  expect(apple.stats.invalid_client ?? 0).toBe(0);
});

test("a person signed in with another provider links Apple from Settings (the relayed callback carries their session and intent), and unlinking revokes at Apple", async ({
  browser,
}) => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  await routeToEmulators(context, apple);
  const page = await context.newPage();
  await signInWithDevIdp(page, USERS.alice, `${PUBLIC_URL}/login`);
  const revokedBefore = apple.stats.revoke ?? 0;
  await linkThenUnlink(
    page,
    PUBLIC_URL,
    { id: "apple", name: "Apple" },
    {
      atProvider: () => page.getByRole("button", { name: "Continue as Craig Federighi" }).click(),
      linked: async () => expect((await me(page)).email).toBe(USERS.alice.email),
    },
  );
  await expect.poll(() => apple.stats.revoke ?? 0).toBe(revokedBefore + 1);
  expect(apple.stats.invalid_client ?? 0).toBe(0);
});
