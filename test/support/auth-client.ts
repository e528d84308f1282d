/**
 * Test support (not a test): the whole sign-in, server side, for real. Our Auth.js configuration
 * with the database, the embedded Dev IdP over HTTP, and no browser: requests to the app go
 * straight into the Auth.js handler (as app/api/auth/[...nextauth]/route.ts does), and the IdP is
 * driven with a small cookie-keeping fetch client.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { Auth, type AuthConfig } from "@auth/core";

import type { DevIdp } from "@/idp/provider";
import { Browser, CookieJar, followWithin, parseLoginPage } from "@/test/support/idp-browser";
import { failedSignInRecorder, failureListener, withDatabase, type SessionOptions } from "@/lib/auth/with-database";
import { createAuthConfig } from "@/lib/auth/config";
import { withSignInErrorCodes } from "@/lib/auth/errors";
import type { Database } from "@/lib/db";
import { parseEnv, type AppEnv } from "@/lib/config/env";
import { providerOfAuthRequest, prepareProvider, withKnownIssuers } from "@/lib/providers/registry";
import { withAuthContext } from "@/lib/auth/request-context";
import { DEFAULT_SESSION_POLICY } from "@/lib/config/session-policy";
import type { TokenKeyring } from "@/lib/encryption/keyring";

export const TEST_APP = "http://localhost:3000";

export interface TestUser {
  email: string;
  password: string;
}

/** The app's Auth.js configuration for an environment (`NODE_ENV=test` and `AUTH_SECRET` are added), on `db`. */
export function testAuthConfigFor(
  source: Record<string, string>,
  options: { secret: string; db: Database; keyring: () => Promise<TokenKeyring>; sessions?: SessionOptions },
): AuthConfig {
  const { env, errors } = parseEnv({ NODE_ENV: "test", AUTH_SECRET: options.secret, ...source });
  if (!env) throw new Error(errors.join("\n"));
  const sessions = options.sessions ?? { policy: DEFAULT_SESSION_POLICY, now: () => new Date() };
  const config: AuthConfig = {
    ...withDatabase(createAuthConfig(env, sessions.policy), options.db, options.keyring, sessions),
    basePath: "/api/auth",
    trustHost: true,
  };
  envOfConfig.set(config, env);
  return config;
}

/** The environment each test configuration was built from: AppClient resolves issuers as lib/auth/next-auth.ts does. */
const envOfConfig = new WeakMap<AuthConfig, AppEnv>();

/** Auth.js's handler as lib/auth/next-auth.ts runs it: a sign-in start or callback first discovers its provider's issuer. */
function authHandler(config: AuthConfig): (request: Request) => Promise<Response> {
  const env = envOfConfig.get(config);
  if (!env) return (request) => Auth(request, config);
  return async (request) => {
    const provider = providerOfAuthRequest(request);
    if (provider) await prepareProvider(env, provider);
    return Auth(request, withKnownIssuers(config, env));
  };
}

/** The app's Auth.js configuration with the Dev IdP at `issuer`, on `db` (sessions: the default policy and the real clock). */
export function testAuthConfig(options: {
  issuer: string;
  secret: string;
  db: Database;
  keyring: () => Promise<TokenKeyring>;
  sessions?: SessionOptions;
}): AuthConfig {
  return testAuthConfigFor({ AUTH_DEV_IDP: "1", DEV_IDP_ISSUER: options.issuer }, options);
}

/**
 * The app as a browser sees it: Auth.js's route handler, wrapped as app/api/auth/[...nextauth]
 * wraps it (the request kept for the callbacks; failed sign-ins recorded when `db` is given), and
 * a cookie jar for localhost:3000.
 */
export class AppClient {
  readonly jar = new CookieJar();
  readonly handler: (request: Request) => Promise<Response>;

  readonly #headers: HeadersInit;

  constructor(config: AuthConfig, options: { db?: Database; sessions?: SessionOptions; headers?: HeadersInit } = {}) {
    this.#headers = options.headers ?? {};
    const sessions = options.sessions ?? { policy: DEFAULT_SESSION_POLICY, now: () => new Date() };
    const onFailure = options.db ? failureListener(failedSignInRecorder(config, options.db, sessions)) : undefined;
    this.handler = withAuthContext(withSignInErrorCodes(authHandler(config), { onFailure }));
  }

  /** The jar's cookies for the app, as lib/session/authenticate.ts takes them. */
  credentials(url = `${TEST_APP}/api/me`, headers: HeadersInit = {}): { headers: Headers; cookies: { name: string; value: string }[] } {
    const cookie = this.jar.headerFor(url) ?? "";
    const all = new Headers(headers);
    if (cookie) all.set("cookie", cookie);
    const cookies = cookie
      .split("; ")
      .filter(Boolean)
      .map((pair) => ({ name: pair.slice(0, pair.indexOf("=")), value: pair.slice(pair.indexOf("=") + 1) }));
    return { headers: all, cookies };
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(this.#headers);
    for (const [name, value] of new Headers(init.headers)) headers.set(name, value);
    const cookie = this.jar.headerFor(url);
    if (cookie) headers.set("cookie", cookie);
    const response = await this.handler(new Request(url, { ...init, headers }));
    this.jar.store(response);
    return response;
  }

  /** Presses "Continue with Dev IdP" (or another provider's button): returns where the browser is sent. */
  async startSignIn(callbackUrl = "/dashboard", provider = "dev-idp"): Promise<string> {
    const csrf = await this.request(`${TEST_APP}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const response = await this.request(`${TEST_APP}/api/auth/signin/${provider}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrfToken, callbackUrl }),
    });
    const location = response.headers.get("location");
    if (response.status !== 302 || !location) throw new Error(`sign-in did not start (HTTP ${response.status})`);
    return location;
  }

  async session(): Promise<Record<string, unknown> | null> {
    return (await (await this.request(`${TEST_APP}/api/auth/session`)).json()) as Record<string, unknown> | null;
  }
}

/**
 * At the IdP: open the authorization URL, and sign in (or cancel) on its login page. `browser` is
 * the person's browser at the IdP (its session cookie); a new one by default.
 */
export async function atIdp(idp: DevIdp, authorizationUrl: string, action: TestUser | "cancel", browser = new Browser()): Promise<string> {
  const first = await browser.get(authorizationUrl);
  const page = await followWithin(browser, idp.issuer, first, authorizationUrl);
  const form = parseLoginPage(await page.response.text());
  const target = new URL(action === "cancel" ? form.cancelAction : form.loginAction, page.url).href;
  const fields: Record<string, string> =
    action === "cancel" ? { csrf: form.csrf } : { csrf: form.csrf, email: action.email, password: action.password };
  const posted = await browser.postForm(target, fields);
  const back = await followWithin(browser, idp.issuer, posted, target);
  if (!back.location) throw new Error("the IdP did not send the browser back to the app");
  return back.location;
}

export async function signInAs(idp: DevIdp, app: AppClient, user: TestUser, callbackUrl?: string, browser?: Browser) {
  const authorizationUrl = await app.startSignIn(callbackUrl);
  const callback = await atIdp(idp, authorizationUrl, user, browser);
  return { callback, response: await app.request(callback) };
}

/** At the IdP, in `browser`: its end-session page, then "Sign out" (ends the IdP session, which sends back-channel logout). */
export async function endIdpSession(idp: DevIdp, browser: Browser): Promise<void> {
  const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as { end_session_endpoint: string };
  const page = await browser.get(discovery.end_session_endpoint);
  const html = await page.text();
  const action = /<form id="op.logoutForm" method="post" action="([^"]+)">/.exec(html)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !xsrf) throw new Error(`the IdP did not show its sign-out page (HTTP ${page.status})`);
  const done = await browser.postForm(new URL(action, discovery.end_session_endpoint).href, { xsrf, logout: "yes" });
  if (done.status >= 400) throw new Error(`the IdP did not sign out (HTTP ${done.status})`);
}

/**
 * A route handler on a real HTTP port, for what must reach the app over the network (the IdP's
 * back-channel logout). Returns its URL; `close()` stops it.
 */
export async function serveOverHttp(
  path: string,
  handler: (request: Request) => Promise<Response>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks);
    const response = await handler(new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, body }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
