/**
 * Test support (not a test): the whole sign-in, server side, for real. Our Auth.js configuration
 * with the database, the embedded Dev IdP over HTTP, and no browser: requests to the app go
 * straight into the Auth.js handler (as app/api/auth/[...nextauth]/route.ts does), and the IdP is
 * driven with a small cookie-keeping fetch client.
 */
import { Auth, type AuthConfig } from "@auth/core";

import type { DevIdp } from "@/idp/provider";
import { Browser, CookieJar, followWithin, parseLoginPage } from "@/idp/test-browser";
import { withDatabase } from "@/lib/auth-with-database";
import { createAuthConfig } from "@/lib/auth.config";
import { withSignInErrorCodes } from "@/lib/auth-errors";
import type { Database } from "@/lib/db";
import { parseEnv } from "@/lib/env";
import type { TokenKeyring } from "@/lib/token-keys";

export const TEST_APP = "http://localhost:3000";

export interface TestUser {
  email: string;
  password: string;
}

/** The app's Auth.js configuration with the Dev IdP at `issuer`, on `db`. */
export function testAuthConfig(options: {
  issuer: string;
  secret: string;
  db: Database;
  keyring: () => Promise<TokenKeyring>;
}): AuthConfig {
  const { env, errors } = parseEnv({ NODE_ENV: "test", AUTH_SECRET: options.secret, AUTH_DEV_IDP: "1", DEV_IDP_ISSUER: options.issuer });
  if (!env) throw new Error(errors.join("\n"));
  return { ...withDatabase(createAuthConfig(env), options.db, options.keyring), basePath: "/api/auth", trustHost: true };
}

/** The app as a browser sees it: Auth.js's route handler and a cookie jar for localhost:3000. */
export class AppClient {
  readonly jar = new CookieJar();
  readonly handler: (request: Request) => Promise<Response>;

  constructor(config: AuthConfig) {
    this.handler = withSignInErrorCodes((request: Request) => Auth(request, config));
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.jar.headerFor(url);
    if (cookie) headers.set("cookie", cookie);
    const response = await this.handler(new Request(url, { ...init, headers }));
    this.jar.store(response);
    return response;
  }

  /** Presses "Continue with Dev IdP": returns where the browser is sent. */
  async startSignIn(callbackUrl = "/dashboard"): Promise<string> {
    const csrf = await this.request(`${TEST_APP}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const response = await this.request(`${TEST_APP}/api/auth/signin/dev-idp`, {
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

/** At the IdP: open the authorization URL, and sign in (or cancel) on its login page. */
export async function atIdp(idp: DevIdp, authorizationUrl: string, action: TestUser | "cancel"): Promise<string> {
  const browser = new Browser();
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

export async function signInAs(idp: DevIdp, app: AppClient, user: TestUser, callbackUrl?: string) {
  const authorizationUrl = await app.startSignIn(callbackUrl);
  const callback = await atIdp(idp, authorizationUrl, user);
  return { callback, response: await app.request(callback) };
}
