/**
 * A complete programmatic sign-in through the real app over HTTP, as a browser does it but without
 * one: fetch and a cookie jar per origin (test/support/idp-browser.ts's Browser), redirects followed by hand.
 *
 *   GET  <app>/api/auth/csrf                      csrf token + cookie
 *   POST <app>/api/auth/signin/dev-idp            302 to the IdP's authorization endpoint
 *   GET  <idp>/auth?…  → /interaction/<uid>       the IdP's login page
 *   POST <idp>/interaction/<uid>/login            email, password, csrf → 303s back to the app
 *   GET  <app>/api/auth/callback/dev-idp?code…    code exchange, userinfo, user upsert, session cookie
 *
 * The callback request is timed on its own: from the client, it is the server-side time of the
 * callback handler plus one loopback round trip.
 */
import { performance } from "node:perf_hooks";

import { Browser, followWithin, parseLoginPage } from "../../test/support/idp-browser";

export interface Credentials {
  email: string;
  password: string;
}

export interface SignIn {
  /** The `name=value` pairs of the app's session cookie(s), ready for a Cookie header. */
  sessionCookie: string;
  /**
   * Every cookie a browser would now send to the app (session, CSRF token, callback URL): what
   * the bench sends with authenticated requests, so the app does not re-issue the others each time.
   */
  cookieHeader: string;
  /** Milliseconds: the whole flow, and the callback request alone. */
  totalMs: number;
  callbackMs: number;
}

const SESSION_COOKIE = /^(__Secure-)?authjs\.session-token(\.\d+)?$/;
const TIMEOUT_MS = 30_000;

/** A browser for two origins: each keeps its own cookies, as a real one would. */
class TwoOriginBrowser {
  readonly app = new Browser();
  readonly idp = new Browser();
  constructor(private readonly appOrigin: string) {}
  for(url: string): Browser {
    return new URL(url).origin === this.appOrigin ? this.app : this.idp;
  }
}

function cookiePairs(browser: Browser, url: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const pair of (browser.jar.headerFor(url) ?? "").split("; ")) {
    const eq = pair.indexOf("=");
    if (eq > 0) pairs.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return pairs;
}

export async function signIn(appUrl: string, idpIssuer: string, user: Credentials): Promise<SignIn> {
  const appOrigin = new URL(appUrl).origin;
  const browser = new TwoOriginBrowser(appOrigin);
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  const started = performance.now();

  const csrfResponse = await browser.app.request(`${appOrigin}/api/auth/csrf`, { signal });
  if (csrfResponse.status !== 200) throw new Error(`GET /api/auth/csrf answered ${csrfResponse.status}`);
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken?: string };
  if (!csrfToken) throw new Error("no csrfToken from /api/auth/csrf");

  const start = await browser.app.request(`${appOrigin}/api/auth/signin/dev-idp`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, callbackUrl: "/dashboard" }).toString(),
    signal,
  });
  await start.arrayBuffer();
  const authorizationUrl = start.headers.get("location");
  if (start.status !== 302 || !authorizationUrl || new URL(authorizationUrl, appOrigin).origin !== idpIssuer) {
    throw new Error(`POST /api/auth/signin/dev-idp answered ${start.status} → ${authorizationUrl ?? "(no location)"}`);
  }

  const first = await browser.idp.request(authorizationUrl, { signal });
  const page = await followWithin(browser.idp, idpIssuer, first, authorizationUrl);
  if (page.response.status !== 200) throw new Error(`the IdP's login page answered ${page.response.status}`);
  const form = parseLoginPage(await page.response.text());
  const loginUrl = new URL(form.loginAction, page.url).href;
  const posted = await browser.idp.request(loginUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf: form.csrf, email: user.email, password: user.password }).toString(),
    signal,
  });
  const back = await followWithin(browser.idp, idpIssuer, posted, loginUrl);
  await back.response.arrayBuffer();
  if (!back.location) throw new Error(`the IdP did not send the browser back to the app (HTTP ${back.response.status})`);
  const callbackUrl = new URL(back.location);
  if (callbackUrl.origin !== appOrigin || callbackUrl.pathname !== "/api/auth/callback/dev-idp") {
    throw new Error(`the IdP sent the browser to ${callbackUrl.origin}${callbackUrl.pathname}`);
  }

  const callbackStarted = performance.now();
  const callback = await browser.for(callbackUrl.href).request(callbackUrl.href, { signal });
  await callback.arrayBuffer();
  const finished = performance.now();
  const landing = callback.headers.get("location") ?? "";
  if (callback.status !== 302 || new URL(landing, appOrigin).pathname !== "/dashboard") {
    throw new Error(`the callback answered ${callback.status} → ${landing || "(no location)"}`);
  }
  const all = [...cookiePairs(browser.app, `${appOrigin}/`)];
  const session = all.filter(([name]) => SESSION_COOKIE.test(name));
  if (session.length === 0) throw new Error("the callback set no session cookie");
  return {
    sessionCookie: session.map(([name, value]) => `${name}=${value}`).join("; "),
    cookieHeader: all.map(([name, value]) => `${name}=${value}`).join("; "),
    totalMs: finished - started,
    callbackMs: finished - callbackStarted,
  };
}
