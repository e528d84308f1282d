/**
 * A complete programmatic sign-in through the real app over HTTP, as a browser does it but without
 * one: fetch and a cookie jar per origin (test/support/idp-browser.ts's Browser), redirects followed by hand.
 *
 *   GET  <app>/api/auth/csrf                      csrf token + cookie
 *   POST <app>/api/auth/signin/dev-idp            302 to the IdP's authorization endpoint
 *        (Better Auth: POST <app>/api/auth/sign-in/social, the IdP's address in JSON)
 *   GET  <idp>/auth?…  → /interaction/<uid>       the IdP's login page
 *   POST <idp>/interaction/<uid>/login            email, password, csrf → 303s back to the app
 *   GET  <app>/api/auth/callback/dev-idp?code…    code exchange, user upsert, session cookie
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

/** Whose sign-in the app speaks: Auth.js's (this app and the Auth.js peers) or Better Auth's. */
export type Flavour = "authjs" | "better-auth";

const SESSION_COOKIE: Record<Flavour, RegExp> = {
  authjs: /^(__Secure-)?authjs\.session-token(\.\d+)?$/,
  "better-auth": /^(__Secure-)?better-auth\.session_token$/,
};
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

/** Auth.js: its CSRF token, then the sign-in form's POST, answered with a redirect to the IdP. */
async function startAuthjs(app: Browser, appOrigin: string, signal: AbortSignal): Promise<string> {
  const csrfResponse = await app.request(`${appOrigin}/api/auth/csrf`, { signal });
  if (csrfResponse.status !== 200) throw new Error(`GET /api/auth/csrf answered ${csrfResponse.status}`);
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken?: string };
  if (!csrfToken) throw new Error("no csrfToken from /api/auth/csrf");
  const start = await app.request(`${appOrigin}/api/auth/signin/dev-idp`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, callbackUrl: "/dashboard" }).toString(),
    signal,
  });
  await start.arrayBuffer();
  const location = start.headers.get("location");
  if (start.status !== 302 || !location)
    throw new Error(`POST /api/auth/signin/dev-idp answered ${start.status} → ${location ?? "(no location)"}`);
  return location;
}

/** Better Auth: what its client's signIn.social() sends, answered with the IdP's address in JSON. */
async function startBetterAuth(app: Browser, appOrigin: string, signal: AbortSignal): Promise<string> {
  const start = await app.request(`${appOrigin}/api/auth/sign-in/social`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: appOrigin },
    body: JSON.stringify({ provider: "dev-idp", callbackURL: "/dashboard" }),
    signal,
  });
  const body = (await start.json().catch(() => ({}))) as { url?: string };
  if (start.status !== 200 || !body.url) throw new Error(`POST /api/auth/sign-in/social answered ${start.status}: ${JSON.stringify(body)}`);
  return body.url;
}

export async function signIn(appUrl: string, idpIssuer: string, user: Credentials, flavour: Flavour = "authjs"): Promise<SignIn> {
  const appOrigin = new URL(appUrl).origin;
  const browser = new TwoOriginBrowser(appOrigin);
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  const started = performance.now();

  const authorizationUrl = await (flavour === "authjs" ? startAuthjs : startBetterAuth)(browser.app, appOrigin, signal);
  if (new URL(authorizationUrl, appOrigin).origin !== idpIssuer)
    throw new Error(`the sign-in started at ${authorizationUrl}, not at the IdP`);

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
  const session = all.filter(([name]) => SESSION_COOKIE[flavour].test(name));
  if (session.length === 0) throw new Error("the callback set no session cookie");
  return {
    sessionCookie: session.map(([name, value]) => `${name}=${value}`).join("; "),
    cookieHeader: all.map(([name, value]) => `${name}=${value}`).join("; "),
    totalMs: finished - started,
    callbackMs: finished - callbackStarted,
  };
}
