import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect, test } from "@playwright/test";

import { freshPgliteDatabase, productionEnv, startApp, waitUntilReady, type AppProcess } from "../support/app-process";
import { USERS, signIn } from "../support/dev-idp";
import { EXTRA_APP_URLS, PORT_BASE } from "../support/stack";

/**
 * Served over https, as in production: a TLS-terminating reverse proxy (a self-signed certificate
 * made for this run) in front of an instance whose AUTH_URL is the https origin. The session
 * cookie must then be `__Secure-` prefixed and Secure, the CSRF cookie `__Host-`, none with a
 * Domain, and the whole sign-in must work.
 */

const PUBLIC_URL = EXTRA_APP_URLS.tls;
const APP_PORT = PORT_BASE + 217;

let app: AppProcess;
let proxy: Server;
let database: { remove(): void };
let certDir: string;

test.use({ ignoreHTTPSErrors: true });
// Starting an instance and signing in through the IdP: on a busy machine, more than the default 30 s.
test.describe.configure({ timeout: 180_000 });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  certDir = mkdtempSync(path.join(tmpdir(), "oauth-e2e-tls-"));
  const made = spawnSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
      "-keyout", path.join(certDir, "key.pem"), "-out", path.join(certDir, "cert.pem")],
    { encoding: "utf8" },
  );
  if (made.status !== 0) throw new Error(`openssl could not make a certificate:\n${made.stderr}`);

  const fresh = freshPgliteDatabase();
  database = fresh;
  app = startApp(APP_PORT, productionEnv(APP_PORT, { AUTH_URL: PUBLIC_URL, DATABASE_URL: fresh.url }));
  await waitUntilReady(app);

  // What nginx or a load balancer does: terminate TLS, pass the request on with X-Forwarded-*.
  proxy = createServer({ key: readFileSync(path.join(certDir, "key.pem")), cert: readFileSync(path.join(certDir, "cert.pem")) }, (req, res) => {
    const upstream = httpRequest(
      {
        host: "127.0.0.1",
        port: APP_PORT,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, "x-forwarded-proto": "https", "x-forwarded-host": req.headers.host ?? "" },
      },
      (upstreamResponse) => {
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(res);
      },
    );
    upstream.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(Number(new URL(PUBLIC_URL).port), "127.0.0.1", resolve));
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  proxy?.closeAllConnections();
  await app?.stop();
  database?.remove();
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

test("over https the session cookie is __Secure-, Secure and HttpOnly, the CSRF cookie __Host-, and sign-in works", async ({ page, context }) => {
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
