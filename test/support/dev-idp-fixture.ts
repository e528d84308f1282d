/**
 * Test support (not a test) for idp/*.test.ts: one Dev IdP per test file, run in-process on a
 * random port over real HTTP, and the steps the app takes against it (authorize, sign in,
 * exchange the code, refresh), done with fetch and the cookie-keeping Browser.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import { afterAll, beforeAll, expect } from "vitest";

import { startDevIdp, type DevIdp } from "@/idp/provider";
import { DEV_USERS, type DevUser } from "@/idp/users";
import { Browser, followWithin, parseLoginPage, pkcePair, randomToken, type Hop } from "@/test/support/idp-browser";

/** Short, so that a test can tell the configured lifetime from oidc-provider's default. */
export const ACCESS_TOKEN_TTL = 5;
export const APP_REDIRECT_URI = "http://localhost:3000/api/auth/callback/dev-idp";
export const APP_SIGNED_OUT_URI = "http://localhost:3000/login";
const APP_SCOPE = "openid email profile offline_access";

function user(email: string): DevUser {
  const found = DEV_USERS.find((u) => u.email === email);
  if (!found) throw new Error(`no test user ${email}`);
  return found;
}
export const alice = user("alice@example.com");
export const bob = user("bob@example.com");
export const eve = user("eve@example.com");

export function basicAuth(id: string, secret: string): string {
  // RFC 6749 §2.3.1: form-urlencode, then base64.
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

/** Stands in for the app's back-channel logout endpoint: keeps what the IdP posts, answers 200. */
export interface LogoutReceiver {
  uri: string;
  bodies: { contentType: string | undefined; body: string }[];
  server: Server;
}

async function startLogoutReceiver(): Promise<LogoutReceiver> {
  const bodies: LogoutReceiver["bodies"] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      bodies.push({ contentType: req.headers["content-type"], body });
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/auth/backchannel-logout`, bodies, server };
}

export interface AuthorizeOptions {
  /** `null` sends no prompt parameter; default "consent" (what the app sends). */
  prompt?: string | null;
  scope?: string;
  redirectUri?: string;
  codeChallenge?: string | null;
}

export interface Authorization {
  state: string;
  nonce: string;
  verifier: string;
  response: Response;
  url: string;
}

export interface AppCallback {
  callback: URL;
  hops: Hop[];
  auth: Authorization;
  browser: Browser;
}

export interface TokenSet {
  access_token: string;
  id_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

export interface LoginPage {
  auth: Authorization;
  html: string;
  pageUrl: string;
  form: ReturnType<typeof parseLoginPage>;
}

/** Starts the Dev IdP (and its logout receivers) before this file's tests and stops them after. */
export function useDevIdp(): DevIdpFixture {
  const fixture = new DevIdpFixture();
  beforeAll(() => fixture.start());
  afterAll(() => fixture.stop());
  return fixture;
}

/**
 * The IdP: test API on, ACCESS_TOKEN_TTL, back-channel logout to `receivers`. The steps are arrow
 * functions, so a test file can destructure them.
 */
export class DevIdpFixture {
  #idp: DevIdp | undefined;
  #discovery: Record<string, unknown> | undefined;
  /** Two back-channel logout endpoints: each must get its own logout token. */
  readonly receivers: LogoutReceiver[] = [];

  get idp(): DevIdp {
    if (!this.#idp) throw new Error("the Dev IdP is started in beforeAll");
    return this.#idp;
  }

  get discovery(): Record<string, unknown> {
    if (!this.#discovery) throw new Error("the Dev IdP is started in beforeAll");
    return this.#discovery;
  }

  async start(): Promise<void> {
    this.receivers.push(await startLogoutReceiver(), await startLogoutReceiver());
    this.#idp = await startDevIdp({
      port: 0,
      testApi: true,
      accessTokenTtlSeconds: ACCESS_TOKEN_TTL,
      backchannelLogoutUris: this.receivers.map((r) => r.uri),
    });
    const discovery = await fetch(`${this.#idp.issuer}/.well-known/openid-configuration`);
    this.#discovery = (await discovery.json()) as Record<string, unknown>;
  }

  async stop(): Promise<void> {
    await this.#idp?.close();
    for (const receiver of this.receivers) {
      receiver.server.closeAllConnections();
      await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
    }
  }

  endpoint = (name: string): string => {
    const value = this.discovery[name];
    if (typeof value !== "string") throw new Error(`discovery has no ${name}`);
    return value;
  };

  /** A POST as the registered client (client_secret_basic). */
  clientPost = (url: string, fields: Record<string, string>, secret = this.idp.client.clientSecret): Promise<Response> =>
    fetch(url, {
      method: "POST",
      headers: {
        authorization: basicAuth(this.idp.client.clientId, secret),
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(fields).toString(),
    });

  authorize = (browser: Browser, options: AuthorizeOptions = {}): Promise<Authorization> =>
    authorizeAt(this.endpoint("authorization_endpoint"), this.idp.client.clientId, browser, options);

  /** Authorize, then follow IdP-internal redirects to the login page (expects one). */
  openLoginPage = async (browser: Browser, options: AuthorizeOptions = {}): Promise<LoginPage> => {
    const auth = await this.authorize(browser, options);
    const { response, url, location } = await followWithin(browser, this.idp.issuer, auth.response, auth.url);
    expect(location, "expected to stay on the IdP").toBeUndefined();
    expect(response.status).toBe(200);
    const html = await response.text();
    return { auth, html, pageUrl: url, form: parseLoginPage(html) };
  };

  /** Full sign-in as `who`; returns the URL the app's redirect URI receives. */
  signIn = async (who: DevUser, options: AuthorizeOptions = {}, browser = new Browser()): Promise<AppCallback> => {
    const { auth, pageUrl, form } = await this.openLoginPage(browser, options);
    const loginUrl = new URL(form.loginAction, pageUrl).href;
    const posted = await browser.postForm(loginUrl, { csrf: form.csrf, email: who.email, password: who.password });
    const { location, hops } = await followWithin(browser, this.idp.issuer, posted, loginUrl);
    if (!location) throw new Error(`sign-in did not redirect back to the app (status ${hops.at(-1)?.status})`);
    return { callback: new URL(location), hops, auth, browser };
  };

  exchangeCode = async (cb: AppCallback): Promise<TokenSet> => {
    const code = cb.callback.searchParams.get("code");
    if (!code) throw new Error("no code");
    const response = await this.clientPost(this.endpoint("token_endpoint"), {
      grant_type: "authorization_code",
      code,
      redirect_uri: APP_REDIRECT_URI,
      code_verifier: cb.auth.verifier,
    });
    expect(response.status).toBe(200);
    return (await response.json()) as TokenSet;
  };

  refresh = (refreshToken: string): Promise<Response> =>
    this.clientPost(this.endpoint("token_endpoint"), { grant_type: "refresh_token", refresh_token: refreshToken });

  /** Verifies against the JWKS (iss, aud, RS256) and checks the nonce. */
  verifyIdToken = async (idToken: string, nonce: string): Promise<JWTPayload> => {
    const jwks = createRemoteJWKSet(new URL(this.endpoint("jwks_uri")));
    const { payload } = await jwtVerify(idToken, jwks, {
      issuer: this.idp.issuer,
      audience: this.idp.client.clientId,
      algorithms: ["RS256"],
    });
    expect(payload.nonce).toBe(nonce);
    return payload;
  };
}

/** An authorization request as the app sends it: PKCE S256, state, nonce. */
async function authorizeAt(
  authorizationEndpoint: string,
  clientId: string,
  browser: Browser,
  options: AuthorizeOptions,
): Promise<Authorization> {
  const { verifier, challenge } = pkcePair();
  const state = randomToken();
  const nonce = randomToken();
  const url = new URL(authorizationEndpoint);
  url.searchParams.set("client_id", clientId);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("redirect_uri", options.redirectUri ?? APP_REDIRECT_URI);
  url.searchParams.set("scope", options.scope ?? APP_SCOPE);
  url.searchParams.set("state", state);
  url.searchParams.set("nonce", nonce);
  if (options.codeChallenge !== null) {
    url.searchParams.set("code_challenge", options.codeChallenge ?? challenge);
    url.searchParams.set("code_challenge_method", "S256");
  }
  const prompt = options.prompt === undefined ? "consent" : options.prompt;
  if (prompt !== null) url.searchParams.set("prompt", prompt);
  const response = await browser.get(url.href);
  return { state, nonce, verifier, response, url: url.href };
}
