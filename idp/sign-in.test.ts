/**
 * Signing in at the Dev IdP the way the app does it (authorization code, PKCE, state, nonce), over
 * real HTTP: what it publishes, its login page, the redirect back to the app, and every way a
 * sign-in must fail.
 */
import { describe, expect, it } from "vitest";

import { DEV_USERS } from "@/idp/users";
import { APP_REDIRECT_URI, alice, useDevIdp } from "@/test/support/dev-idp-fixture";
import { Browser, followWithin, pkcePair } from "@/test/support/idp-browser";

const dev = useDevIdp();
const { authorize, clientPost, endpoint, exchangeCode, openLoginPage, signIn, verifyIdToken } = dev;

describe("discovery", () => {
  it("publishes the endpoints the app needs, S256 PKCE, client_secret_basic and RFC 9207 iss support", () => {
    expect(dev.discovery.issuer).toBe(dev.idp.issuer);
    for (const name of [
      "authorization_endpoint",
      "token_endpoint",
      "userinfo_endpoint",
      "jwks_uri",
      "revocation_endpoint",
      "end_session_endpoint",
    ]) {
      expect(endpoint(name).startsWith(`${dev.idp.issuer}/`), name).toBe(true);
    }
    expect(dev.discovery.authorization_response_iss_parameter_supported).toBe(true);
    expect(dev.discovery.code_challenge_methods_supported).toEqual(["S256"]);
    expect(dev.discovery.token_endpoint_auth_methods_supported).toEqual(["client_secret_basic"]);
    expect(dev.discovery.id_token_signing_alg_values_supported).toEqual(["RS256"]);
    expect(dev.discovery.scopes_supported).toEqual(expect.arrayContaining(["openid", "email", "profile", "offline_access"]));
    expect(dev.discovery.grant_types_supported).toEqual(expect.arrayContaining(["authorization_code", "refresh_token"]));
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
    expect(cb.callback.searchParams.get("iss")).toBe(dev.idp.issuer);
    expect(cb.callback.searchParams.get("error")).toBeNull();
    // Every hop after the login POST was a redirect: no consent (or other) page was shown.
    expect(cb.hops.every((h) => h.status === 303 || h.status === 302)).toBe(true);
  });

  it("a second sign-in in the same browser with prompt=consent returns to the app without any page", async () => {
    const browser = new Browser();
    await signIn(alice, {}, browser);
    const again = await authorize(browser, { prompt: "consent" });
    const { location, hops } = await followWithin(browser, dev.idp.issuer, again.response, again.url);
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
    const { location } = await followWithin(browser, dev.idp.issuer, auth.response, auth.url);
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
});

describe("sign-in failures", () => {
  it("Cancel sends the app error=access_denied with its state (and iss)", async () => {
    const browser = new Browser();
    const { auth, pageUrl, form } = await openLoginPage(browser);
    const cancelUrl = new URL(form.cancelAction, pageUrl).href;
    const posted = await browser.postForm(cancelUrl, { csrf: form.csrf });
    const { location } = await followWithin(browser, dev.idp.issuer, posted, cancelUrl);
    expect(location).toBeDefined();
    const callback = new URL(location!);
    expect(`${callback.origin}${callback.pathname}`).toBe(APP_REDIRECT_URI);
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("state")).toBe(auth.state);
    expect(callback.searchParams.get("iss")).toBe(dev.idp.issuer);
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
    const { location } = await followWithin(browser, dev.idp.issuer, right, pageUrl);
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
