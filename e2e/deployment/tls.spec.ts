import { expect, test } from "@playwright/test";

import { freshPgliteDatabase, productionEnv, startApp, waitUntilReady, type AppProcess } from "../support/app-process";
import { USERS, signIn } from "../support/dev-idp";
import { EXTRA_APP_URLS, PORT_BASE } from "../support/stack";
import { startTlsProxy, type TlsProxy } from "../support/tls-proxy";

/**
 * Served over https, as in production: a TLS-terminating reverse proxy (a self-signed certificate
 * made for this run) in front of an instance whose AUTH_URL is the https origin. The session
 * cookie must then be `__Secure-` prefixed and Secure, the CSRF cookie `__Host-`, none with a
 * Domain, and the whole sign-in must work.
 */

const PUBLIC_URL = EXTRA_APP_URLS.tls;
const APP_PORT = PORT_BASE + 217;

let app: AppProcess;
let proxy: TlsProxy;
let database: { remove(): void };

test.use({ ignoreHTTPSErrors: true });
// Starting an instance and signing in through the IdP: on a busy machine, more than the default 30 s.
test.describe.configure({ timeout: 180_000 });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const fresh = freshPgliteDatabase();
  database = fresh;
  app = startApp(APP_PORT, productionEnv(APP_PORT, { AUTH_URL: PUBLIC_URL, DATABASE_URL: fresh.url }));
  await waitUntilReady(app);
  proxy = await startTlsProxy(Number(new URL(PUBLIC_URL).port), APP_PORT);
});

test.afterAll(async () => {
  await proxy?.close();
  await app?.stop();
  database?.remove();
});

test("over https the session cookie is __Secure-, Secure and HttpOnly, the CSRF cookie __Host-, and sign-in works", async ({
  page,
  context,
}) => {
  const setCookies: string[] = [];
  page.on("response", async (response) => {
    for (const header of await response.headersArray()) if (header.name.toLowerCase() === "set-cookie") setCookies.push(header.value);
  });
  await signIn(page, USERS.alice, `${PUBLIC_URL}/login`);
  await expect(page).toHaveURL(`${PUBLIC_URL}/dashboard`);
  await expect(page.getByText(`Signed in as ${USERS.alice.email}`)).toBeVisible();

  const cookies = await context.cookies(PUBLIC_URL);
  const session = cookies.find((c) => c.name === "__Secure-authjs.session-token");
  expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: "Lax", path: "/" });
  expect(cookies.find((c) => c.name === "authjs.session-token")).toBeUndefined();
  expect(cookies.some((c) => c.name === "__Host-authjs.csrf-token")).toBe(true);
  for (const header of setCookies) {
    expect(header).not.toMatch(/;\s*domain=/i);
    if (header.startsWith("__Secure-") || header.startsWith("__Host-")) expect(header).toMatch(/;\s*Secure/i);
  }

  const me = await page.request.get(`${PUBLIC_URL}/api/me`);
  expect(me.status()).toBe(200);
  expect(me.headers()["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
});
