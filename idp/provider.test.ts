/**
 * End-to-end tests of the Dev IdP over real HTTP (no mocks): the IdP runs in-process on a
 * random port and is driven with fetch plus a small cookie jar, the way Auth.js and a
 * browser would drive it.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startDevIdp, type DevIdp } from "./provider";
import { Browser, followWithin, parseLoginPage, pkcePair, randomToken, type Hop } from "../test/support/idp-browser";
import { DEV_USERS, type DevUser } from "./users";

const ACCESS_TOKEN_TTL = 5;
const APP_REDIRECT_URI = "http://localhost:3000/api/auth/callback/dev-idp";
const APP_SIGNED_OUT_URI = "http://localhost:3000/login";
const APP_SCOPE = "openid email profile offline_access";

function user(email: string): DevUser {
  const found = DEV_USERS.find((u) => u.email === email);
  if (!found) throw new Error(`no test user ${email}`);
  return found;
}
const alice = user("alice@example.com");
const bob = user("bob@example.com");
const eve = user("eve@example.com");

let idp: DevIdp;
let discovery: Record<string, unknown>;

/** Stands in for the app's back-channel logout endpoint: keeps what the IdP posts, answers 200. */
interface LogoutReceiver {
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

let receivers: LogoutReceiver[] = [];

beforeAll(async () => {
  receivers = [await startLogoutReceiver(), await startLogoutReceiver()];
  idp = await startDevIdp({
    port: 0,
    testApi: true,
    accessTokenTtlSeconds: ACCESS_TOKEN_TTL,
    backchannelLogoutUris: receivers.map((r) => r.uri),
  });
  discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
});

afterAll(async () => {
  await idp?.close();
  for (const receiver of receivers) {
    receiver.server.closeAllConnections();
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
  }
});

function endpoint(name: string): string {
  const value = discovery[name];
  if (typeof value !== "string") throw new Error(`discovery has no ${name}`);
  return value;
}

function basicAuth(id: string, secret: string): string {
  // RFC 6749 §2.3.1: form-urlencode, then base64.
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

function clientPost(url: string, fields: Record<string, string>, secret = idp.client.clientSecret): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      authorization: basicAuth(idp.client.clientId, secret),
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(fields).toString(),
  });
}

interface AuthorizeOptions {
  /** `null` sends no prompt parameter; default "consent" (what the app sends). */
  prompt?: string | null;
  scope?: string;
  redirectUri?: string;
  codeChallenge?: string | null;
}

interface Authorization {
  state: string;
  nonce: string;
  verifier: string;
  response: Response;
  url: string;
}

async function authorize(browser: Browser, options: AuthorizeOptions = {}): Promise<Authorization> {
  const { verifier, challenge } = pkcePair();
  const state = randomToken();
  const nonce = randomToken();
  const url = new URL(endpoint("authorization_endpoint"));
  url.searchParams.set("client_id", idp.client.clientId);
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

/** Authorize, then follow IdP-internal redirects to the login page (expects one). */
async function openLoginPage(browser: Browser, options: AuthorizeOptions = {}) {
  const auth = await authorize(browser, options);
  const { response, url, location } = await followWithin(browser, idp.issuer, auth.response, auth.url);
  expect(location, "expected to stay on the IdP").toBeUndefined();
  expect(response.status).toBe(200);
  const html = await response.text();
  return { auth, html, pageUrl: url, form: parseLoginPage(html) };
}

interface AppCallback {
  callback: URL;
  hops: Hop[];
  auth: Authorization;
  browser: Browser;
}

/** Full sign-in as `who`; returns the URL the app's redirect URI receives. */
async function signIn(who: DevUser, options: AuthorizeOptions = {}, browser = new Browser()): Promise<AppCallback> {
  const { auth, pageUrl, form } = await openLoginPage(browser, options);
  const loginUrl = new URL(form.loginAction, pageUrl).href;
  const posted = await browser.postForm(loginUrl, { csrf: form.csrf, email: who.email, password: who.password });
  const { location, hops } = await followWithin(browser, idp.issuer, posted, loginUrl);
  if (!location) throw new Error(`sign-in did not redirect back to the app (status ${hops.at(-1)?.status})`);
  return { callback: new URL(location), hops, auth, browser };
}

interface TokenSet {
  access_token: string;
  id_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

async function exchangeCode(cb: AppCallback): Promise<TokenSet> {
  const code = cb.callback.searchParams.get("code");
  if (!code) throw new Error("no code");
  const response = await clientPost(endpoint("token_endpoint"), {
    grant_type: "authorization_code",
    code,
    redirect_uri: APP_REDIRECT_URI,
    code_verifier: cb.auth.verifier,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as TokenSet;
}

function refresh(refreshToken: string): Promise<Response> {
  return clientPost(endpoint("token_endpoint"), { grant_type: "refresh_token", refresh_token: refreshToken });
}

async function verifyIdToken(idToken: string, nonce: string): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(endpoint("jwks_uri")));
  const { payload } = await jwtVerify(idToken, jwks, {
    issuer: idp.issuer,
    audience: idp.client.clientId,
    algorithms: ["RS256"],
  });
  expect(payload.nonce).toBe(nonce);
  return payload;
}

describe("discovery", () => {
  it("publishes the endpoints the app needs, S256 PKCE, client_secret_basic and RFC 9207 iss support", () => {
    expect(discovery.issuer).toBe(idp.issuer);
    for (const name of [
      "authorization_endpoint",
      "token_endpoint",
      "userinfo_endpoint",
      "jwks_uri",
      "revocation_endpoint",
      "end_session_endpoint",
    ]) {
      expect(endpoint(name).startsWith(`${idp.issuer}/`), name).toBe(true);
    }
    expect(discovery.authorization_response_iss_parameter_supported).toBe(true);
    expect(discovery.code_challenge_methods_supported).toEqual(["S256"]);
    expect(discovery.token_endpoint_auth_methods_supported).toEqual(["client_secret_basic"]);
    expect(discovery.id_token_signing_alg_values_supported).toEqual(["RS256"]);
    expect(discovery.scopes_supported).toEqual(expect.arrayContaining(["openid", "email", "profile", "offline_access"]));
    expect(discovery.grant_types_supported).toEqual(expect.arrayContaining(["authorization_code", "refresh_token"]));
  });
});

describe("login page", () => {
  it("is our own accessible page with labelled Email/Password fields, Sign in/Cancel and the test users", async () => {
    const { html } = await openLoginPage(new Browser());
    expect(html).toContain('<html lang="en">');
    expect(html).toContain("<title>Dev IdP — sign in</title>");
    expect(html).toMatch(/<main>[\s\S]*<h1>Dev IdP — sign in<\/h1>[\s\S]*<\/main>/);
    expect(html).toMatch(/local test identity provider/i);
    expect(html).toContain('<label for="email">Email</label>');
    expect(html).toMatch(/<input id="email" name="email" type="email" autocomplete="username"/);
    expect(html).toContain('<label for="password">Password</label>');
    expect(html).toMatch(/<input id="password" name="password" type="password"/);
    expect(html).toMatch(/<button type="submit"[^>]*>Sign in<\/button>/);
    expect(html).toMatch(/<button type="submit"[^>]*>Cancel<\/button>/);
    for (const u of DEV_USERS) expect(html).toContain(u.email);
    // Not oidc-provider's dev interaction page, and no external assets.
    expect(html).not.toMatch(/https?:\/\/(?!localhost|127\.0\.0\.1)[^"'\s]*\.(css|js|woff2?)/);
    expect(html).not.toContain("<script");
  });
});

describe("authorization code flow (as the app does it)", () => {
  it("PKCE + state + nonce + offline_access + prompt=consent: login goes straight back to the redirect URI with code, state and iss", async () => {
    const cb = await signIn(alice);
    expect(`${cb.callback.origin}${cb.callback.pathname}`).toBe(APP_REDIRECT_URI);
    expect(cb.callback.searchParams.get("code")).toBeTruthy();
    expect(cb.callback.searchParams.get("state")).toBe(cb.auth.state);
    expect(cb.callback.searchParams.get("iss")).toBe(idp.issuer);
    expect(cb.callback.searchParams.get("error")).toBeNull();
    // Every hop after the login POST was a redirect: no consent (or other) page was shown.
    expect(cb.hops.every((h) => h.status === 303 || h.status === 302)).toBe(true);
  });

  it("exchanges the code with client_secret_basic for tokens incl. a refresh token and the configured access token TTL", async () => {
    const cb = await signIn(alice);
    const tokens = await exchangeCode(cb);
    expect(tokens.token_type).toBe("Bearer");
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.id_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.expires_in).toBe(ACCESS_TOKEN_TTL);
    expect(tokens.scope.split(" ").sort()).toEqual(["email", "offline_access", "openid", "profile"]);
  });

  it("the ID token is RS256, verifies against the JWKS (iss, aud, nonce) and carries email, email_verified, name and picture", async () => {
    const cb = await signIn(alice);
    const tokens = await exchangeCode(cb);
    expect(decodeProtectedHeader(tokens.id_token).alg).toBe("RS256");
    const claims = await verifyIdToken(tokens.id_token, cb.auth.nonce);
    expect(claims.sub).toBe(alice.sub);
    expect(claims.sub).not.toContain("@");
    expect(claims.email).toBe("alice@example.com");
    expect(claims.email_verified).toBe(true);
    expect(claims.name).toBe("Alice Example");
    expect(claims.given_name).toBe("Alice");
    expect(claims.family_name).toBe("Example");
    expect(claims.picture).toBe(`${idp.issuer}/avatars/alice.svg`);
  });

  it("userinfo returns sub, email, name and picture for the access token", async () => {
    const tokens = await exchangeCode(await signIn(alice));
    const response = await fetch(endpoint("userinfo_endpoint"), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      sub: alice.sub,
      email: "alice@example.com",
      email_verified: true,
      name: "Alice Example",
      picture: `${idp.issuer}/avatars/alice.svg`,
    });
  });

  it("the user's picture URL serves an SVG avatar from the IdP", async () => {
    const response = await fetch(`${idp.issuer}/avatars/alice.svg`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    const svg = await response.text();
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain(">AE</text>");
  });

  it("refresh works and rotates: the new refresh token differs and reusing the old one fails with invalid_grant", async () => {
    const tokens = await exchangeCode(await signIn(alice));
    const first = await refresh(tokens.refresh_token!);
    expect(first.status).toBe(200);
    const rotated = (await first.json()) as TokenSet;
    expect(rotated.access_token).toBeTruthy();
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);

    const reuse = await refresh(tokens.refresh_token!);
    expect(reuse.status).toBe(400);
    expect(((await reuse.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("a refreshed ID token still verifies and keeps the profile claims", async () => {
    const cb = await signIn(alice);
    const tokens = await exchangeCode(cb);
    const refreshed = (await (await refresh(tokens.refresh_token!)).json()) as TokenSet;
    const claims = await verifyIdToken(refreshed.id_token, cb.auth.nonce);
    expect(claims).toMatchObject({ sub: alice.sub, email: "alice@example.com", name: "Alice Example" });
  });

  it("revoking the refresh token (RFC 7009) makes the next refresh fail with invalid_grant", async () => {
    const tokens = await exchangeCode(await signIn(alice));
    const revoked = await clientPost(endpoint("revocation_endpoint"), {
      token: tokens.refresh_token!,
      token_type_hint: "refresh_token",
    });
    expect(revoked.status).toBe(200);
    const after = await refresh(tokens.refresh_token!);
    expect(after.status).toBe(400);
    expect(((await after.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("offline_access without any prompt parameter also yields a refresh token (treated as prompt=consent)", async () => {
    const cb = await signIn(alice, { prompt: null });
    expect(cb.callback.searchParams.get("code")).toBeTruthy();
    const tokens = await exchangeCode(cb);
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.scope.split(" ")).toContain("offline_access");
  });

  it("without offline_access no refresh token is issued", async () => {
    const tokens = await exchangeCode(await signIn(alice, { scope: "openid email profile", prompt: null }));
    expect(tokens.refresh_token).toBeUndefined();
  });

  it("a second sign-in in the same browser with prompt=consent returns to the app without any page", async () => {
    const browser = new Browser();
    await signIn(alice, {}, browser);
    const again = await authorize(browser, { prompt: "consent" });
    const { location, hops } = await followWithin(browser, idp.issuer, again.response, again.url);
    expect(hops.every((h) => h.status === 303 || h.status === 302)).toBe(true);
    expect(location).toBeDefined();
    const callback = new URL(location!);
    expect(callback.searchParams.get("state")).toBe(again.state);
    const tokens = await exchangeCode({ callback, hops, auth: again, browser });
    expect(tokens.refresh_token).toBeTruthy();
    expect((await verifyIdToken(tokens.id_token, again.nonce)).sub).toBe(alice.sub);
  });

  it("a wrong code_verifier is rejected at the token endpoint (PKCE is enforced)", async () => {
    const cb = await signIn(alice);
    const response = await clientPost(endpoint("token_endpoint"), {
      grant_type: "authorization_code",
      code: cb.callback.searchParams.get("code")!,
      redirect_uri: APP_REDIRECT_URI,
      code_verifier: pkcePair().verifier,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("an authorization request without code_challenge is refused", async () => {
    const browser = new Browser();
    const auth = await authorize(browser, { codeChallenge: null });
    const { location } = await followWithin(browser, idp.issuer, auth.response, auth.url);
    expect(location).toBeDefined();
    const callback = new URL(location!);
    expect(callback.searchParams.get("error")).toBe("invalid_request");
    expect(callback.searchParams.get("code")).toBeNull();
  });

  it("a wrong client secret is rejected with invalid_client", async () => {
    const cb = await signIn(alice);
    const response = await clientPost(
      endpoint("token_endpoint"),
      {
        grant_type: "authorization_code",
        code: cb.callback.searchParams.get("code")!,
        redirect_uri: APP_REDIRECT_URI,
        code_verifier: cb.auth.verifier,
      },
      "not-the-secret",
    );
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe("invalid_client");
  });

  it("eve's ID token and userinfo carry email_verified: false", async () => {
    const cb = await signIn(eve);
    const tokens = await exchangeCode(cb);
    const claims = await verifyIdToken(tokens.id_token, cb.auth.nonce);
    expect(claims.email).toBe("eve@example.com");
    expect(claims.email_verified).toBe(false);
    const info = (await (
      await fetch(endpoint("userinfo_endpoint"), { headers: { authorization: `Bearer ${tokens.access_token}` } })
    ).json()) as Record<string, unknown>;
    expect(info.email_verified).toBe(false);
  });
});

describe("sign-in failures", () => {
  it("Cancel sends the app error=access_denied with its state (and iss)", async () => {
    const browser = new Browser();
    const { auth, pageUrl, form } = await openLoginPage(browser);
    const cancelUrl = new URL(form.cancelAction, pageUrl).href;
    const posted = await browser.postForm(cancelUrl, { csrf: form.csrf });
    const { location } = await followWithin(browser, idp.issuer, posted, cancelUrl);
    expect(location).toBeDefined();
    const callback = new URL(location!);
    expect(`${callback.origin}${callback.pathname}`).toBe(APP_REDIRECT_URI);
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("state")).toBe(auth.state);
    expect(callback.searchParams.get("iss")).toBe(idp.issuer);
    expect(callback.searchParams.get("code")).toBeNull();
  });

  it("a wrong password re-renders the login page (401, role=alert) without redirecting, and escapes the submitted email", async () => {
    const browser = new Browser();
    const { pageUrl, form } = await openLoginPage(browser);
    const hostile = `x"><script>alert(1)</script>@example.com`;
    const response = await browser.postForm(new URL(form.loginAction, pageUrl).href, {
      csrf: form.csrf,
      email: hostile,
      password: "alice-password",
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("location")).toBeNull();
    const html = await response.text();
    expect(html).toMatch(/<p class="alert" role="alert"[^>]*>Wrong email or password\.<\/p>/);
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.com");

    // Alice's real email with a wrong password is refused the same way...
    const wrong = await browser.postForm(new URL(form.loginAction, pageUrl).href, {
      csrf: form.csrf,
      email: "alice@example.com",
      password: "bob-password",
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("location")).toBeNull();

    // ...and the same interaction still accepts the right password afterwards.
    const right = await browser.postForm(new URL(form.loginAction, pageUrl).href, {
      csrf: form.csrf,
      email: "alice@example.com",
      password: "alice-password",
    });
    const { location } = await followWithin(browser, idp.issuer, right, pageUrl);
    expect(new URL(location!).searchParams.get("code")).toBeTruthy();
  });

  it("a login POST without the page's CSRF token is refused with 403 and no redirect", async () => {
    const browser = new Browser();
    const { pageUrl, form } = await openLoginPage(browser);
    const response = await browser.postForm(new URL(form.loginAction, pageUrl).href, {
      csrf: "forged",
      email: alice.email,
      password: alice.password,
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("location")).toBeNull();
  });

  it("an unregistered redirect_uri is refused at the IdP and never redirected to", async () => {
    const browser = new Browser();
    const auth = await authorize(browser, { redirectUri: "http://localhost:3000/api/auth/callback/evil" });
    expect(auth.response.status).toBe(400);
    expect(auth.response.headers.get("location")).toBeNull();
    expect(await auth.response.text()).toContain("redirect_uri");
  });
});

describe("RP-initiated logout", () => {
  it("end_session with id_token_hint and a registered post_logout_redirect_uri shows our confirmation and ends at that URI", async () => {
    const cb = await signIn(alice);
    const tokens = await exchangeCode(cb);
    const { browser } = cb;
    const state = randomToken();
    const url = new URL(endpoint("end_session_endpoint"));
    url.searchParams.set("id_token_hint", tokens.id_token);
    url.searchParams.set("post_logout_redirect_uri", APP_SIGNED_OUT_URI);
    url.searchParams.set("state", state);

    const page = await browser.get(url.href);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain("<h1>Sign out of Dev IdP?</h1>");
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)">/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    expect(action).toBeTruthy();
    expect(xsrf).toBeTruthy();

    const confirmed = await browser.postForm(new URL(action!, url).href, { xsrf: xsrf!, logout: "yes" });
    expect(confirmed.status).toBe(303);
    const back = new URL(confirmed.headers.get("location")!);
    expect(`${back.origin}${back.pathname}`).toBe(APP_SIGNED_OUT_URI);
    expect(back.searchParams.get("state")).toBe(state);

    // The IdP session is gone: the next authorization asks for credentials again...
    const again = await authorize(browser);
    const followed = await followWithin(browser, idp.issuer, again.response, again.url);
    expect(followed.location).toBeUndefined();
    expect(await followed.response.text()).toContain("Dev IdP — sign in");
    // ...but, as with Google, offline_access grants outlive the IdP session (oidc-provider
    // marks them persistsLogout): the app must revoke its refresh token itself.
    expect((await refresh(tokens.refresh_token!)).status).toBe(200);
  });

  it("ending the session at the IdP posts each registered back-channel logout URI its own logout token (sub and the ID token's sid)", async () => {
    const cb = await signIn(bob);
    const tokens = await exchangeCode(cb);
    const sid = decodeJwt(tokens.id_token).sid;
    expect(typeof sid).toBe("string");
    for (const receiver of receivers) receiver.bodies.length = 0;

    const page = await cb.browser.get(endpoint("end_session_endpoint"));
    const html = await page.text();
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)">/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    await cb.browser.postForm(new URL(action!, endpoint("end_session_endpoint")).href, { xsrf: xsrf!, logout: "yes" });

    const jwks = createRemoteJWKSet(new URL(endpoint("jwks_uri")));
    const jtis = new Set<unknown>();
    for (const receiver of receivers) {
      expect(receiver.bodies).toHaveLength(1);
      expect(receiver.bodies[0]!.contentType).toBe("application/x-www-form-urlencoded");
      const logoutToken = new URLSearchParams(receiver.bodies[0]!.body).get("logout_token")!;
      const { payload, protectedHeader } = await jwtVerify(logoutToken, jwks, {
        issuer: idp.issuer,
        audience: idp.client.clientId,
        typ: "logout+jwt",
      });
      expect(protectedHeader.alg).toBe("RS256");
      expect(payload).toMatchObject({ sub: bob.sub, sid, events: { "http://schemas.openid.net/event/backchannel-logout": {} } });
      expect(payload).not.toHaveProperty("nonce");
      jtis.add(payload.jti);
    }
    expect(jtis.size).toBe(receivers.length);
  });

  it("publishes back-channel logout support with sessions in discovery", () => {
    expect(discovery.backchannel_logout_supported).toBe(true);
    expect(discovery.backchannel_logout_session_supported).toBe(true);
  });

  it("an unregistered post_logout_redirect_uri is refused", async () => {
    const tokens = await exchangeCode(await signIn(alice));
    const url = new URL(endpoint("end_session_endpoint"));
    url.searchParams.set("id_token_hint", tokens.id_token);
    url.searchParams.set("post_logout_redirect_uri", "http://localhost:3000/elsewhere");
    const response = await fetch(url, { redirect: "manual" });
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
  });
});

describe("test API (DEV_IDP_TEST_API=1)", () => {
  async function stats() {
    const response = await fetch(`${idp.issuer}/__test/stats`);
    expect(response.status).toBe(200);
    return (await response.json()) as { grants: { authorization_code: number; refresh_token: number }; revocations: number };
  }

  it("counts token grants by grant_type and revocations, and reset-stats zeroes them", async () => {
    expect((await fetch(`${idp.issuer}/__test/reset-stats`, { method: "POST" })).status).toBe(200);
    expect(await stats()).toEqual({ grants: { authorization_code: 0, refresh_token: 0 }, revocations: 0 });

    const tokens = await exchangeCode(await signIn(bob));
    const r1 = (await (await refresh(tokens.refresh_token!)).json()) as TokenSet;
    await refresh(r1.refresh_token!);
    await clientPost(endpoint("revocation_endpoint"), { token: tokens.access_token });
    // A failed refresh (reused token) is not a grant.
    await refresh(tokens.refresh_token!);

    expect(await stats()).toEqual({ grants: { authorization_code: 1, refresh_token: 2 }, revocations: 1 });
    expect(idp.stats()).toEqual(await stats());

    await fetch(`${idp.issuer}/__test/reset-stats`, { method: "POST" });
    expect(await stats()).toEqual({ grants: { authorization_code: 0, refresh_token: 0 }, revocations: 0 });
  });

  it("revoke-grants?sub= revokes every grant of that user so their next refresh fails with invalid_grant, other users unaffected", async () => {
    const aliceSignIn = await signIn(alice);
    const aliceTokens = [await exchangeCode(aliceSignIn), await exchangeCode(await signIn(alice))];
    const eveTokens = await exchangeCode(await signIn(eve));

    const response = await fetch(`${idp.issuer}/__test/revoke-grants?sub=${encodeURIComponent(alice.sub)}`, {
      method: "POST",
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { revokedGrants: number };
    expect(body.revokedGrants).toBeGreaterThanOrEqual(2);

    for (const t of aliceTokens) {
      const after = await refresh(t.refresh_token!);
      expect(after.status).toBe(400);
      expect(((await after.json()) as { error: string }).error).toBe("invalid_grant");
      const info = await fetch(endpoint("userinfo_endpoint"), { headers: { authorization: `Bearer ${t.access_token}` } });
      expect(info.status).toBe(401);
    }
    expect((await refresh(eveTokens.refresh_token!)).status).toBe(200);

    // Alice can still sign in again in the same browser (her IdP session survives) and gets working tokens.
    const again = await authorize(aliceSignIn.browser);
    const { location, hops } = await followWithin(aliceSignIn.browser, idp.issuer, again.response, again.url);
    expect(location).toBeDefined();
    const fresh = await exchangeCode({ callback: new URL(location!), hops, auth: again, browser: aliceSignIn.browser });
    expect((await refresh(fresh.refresh_token!)).status).toBe(200);
  });

  it("issued-tokens lists the tokens handed out, per user, so tests can look for them where they must not appear", async () => {
    const tokens = await exchangeCode(await signIn(bob));
    const refreshed = (await (await refresh(tokens.refresh_token!)).json()) as TokenSet;
    const response = await fetch(`${idp.issuer}/__test/issued-tokens?sub=${encodeURIComponent(bob.sub)}`);
    expect(response.status).toBe(200);
    const { tokens: issued } = (await response.json()) as { tokens: unknown[] };
    expect(issued.slice(-2)).toEqual([
      { grantType: "authorization_code", sub: bob.sub, accessToken: tokens.access_token, refreshToken: tokens.refresh_token, idToken: tokens.id_token },
      { grantType: "refresh_token", sub: bob.sub, accessToken: refreshed.access_token, refreshToken: refreshed.refresh_token, idToken: refreshed.id_token },
    ]);
    expect(idp.issuedTokens(bob.sub)).toEqual(issued);
    expect(idp.issuedTokens(alice.sub).some((t) => t.accessToken === tokens.access_token)).toBe(false);
  });

  it("rejects wrong methods and a missing sub", async () => {
    expect((await fetch(`${idp.issuer}/__test/stats`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${idp.issuer}/__test/revoke-grants`, { method: "POST" })).status).toBe(400);
  });
});

describe("test API off (default)", () => {
  let plain: DevIdp;
  beforeAll(async () => {
    plain = await startDevIdp({ port: 0 });
  });
  afterAll(async () => {
    await plain?.close();
  });

  it("answers 404 on every /__test endpoint when DEV_IDP_TEST_API is unset", async () => {
    expect((await fetch(`${plain.issuer}/__test/stats`)).status).toBe(404);
    expect((await fetch(`${plain.issuer}/__test/reset-stats`, { method: "POST" })).status).toBe(404);
    expect(
      (await fetch(`${plain.issuer}/__test/revoke-grants?sub=${encodeURIComponent(alice.sub)}`, { method: "POST" })).status,
    ).toBe(404);
    expect((await fetch(`${plain.issuer}/__test/issued-tokens`)).status).toBe(404);
  });
});

describe("extraUsers option", () => {
  const carol: DevUser = {
    sub: "load-carol-1",
    email: "carol@load.example",
    password: "carol-password",
    name: "Carol Load",
    givenName: "Carol",
    familyName: "Load",
    emailVerified: true,
    avatar: "carol.svg",
    color: "#475569",
  };
  let many: DevIdp;
  beforeAll(async () => {
    many = await startDevIdp({ port: 0, extraUsers: [carol] });
  });
  afterAll(async () => {
    await many?.close();
  });

  it("an extra user signs in and gets their own claims; the login page still lists only the built-in users", async () => {
    const browser = new Browser();
    const { verifier, challenge } = pkcePair();
    const nonce = randomToken();
    const authorization = new URL(`${many.issuer}/auth`);
    authorization.search = new URLSearchParams({
      client_id: many.client.clientId,
      redirect_uri: APP_REDIRECT_URI,
      response_type: "code",
      scope: "openid email profile",
      state: randomToken(),
      nonce,
      code_challenge: challenge,
      code_challenge_method: "S256",
    }).toString();
    const page = await followWithin(browser, many.issuer, await browser.get(authorization.href), authorization.href);
    const html = await page.response.text();
    expect(html).toContain(alice.email);
    expect(html).not.toContain(carol.email);
    const form = parseLoginPage(html);
    const loginUrl = new URL(form.loginAction, page.url).href;
    const posted = await browser.postForm(loginUrl, { csrf: form.csrf, email: carol.email, password: carol.password });
    const { location } = await followWithin(browser, many.issuer, posted, loginUrl);
    const code = location ? new URL(location).searchParams.get("code") : null;
    expect(code).toBeTruthy();
    const tokens = await fetch(`${many.issuer}/token`, {
      method: "POST",
      headers: { authorization: basicAuth(many.client.clientId, many.client.clientSecret), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", code: code ?? "", redirect_uri: APP_REDIRECT_URI, code_verifier: verifier }).toString(),
    });
    expect(tokens.status).toBe(200);
    const claims = decodeJwt(((await tokens.json()) as TokenSet).id_token);
    expect(claims).toMatchObject({ sub: carol.sub, email: carol.email, name: carol.name, picture: `${many.issuer}/avatars/carol.svg`, nonce });
    const avatar = await fetch(`${many.issuer}/avatars/carol.svg`);
    expect(avatar.status).toBe(200);
    expect(await avatar.text()).toContain("CL");
  });

  it("the default IdP does not know them", async () => {
    const avatar = await fetch(`${idp.issuer}/avatars/carol.svg`);
    await avatar.arrayBuffer();
    expect(avatar.status).toBe(404);
  });

  it("refuses an extra user who clashes with a built-in one", async () => {
    await expect(startDevIdp({ port: 0, extraUsers: [{ ...carol, email: alice.email }] })).rejects.toThrow(/email/);
  });
});
