/**
 * Signing out at the Dev IdP (RP-initiated logout) over real HTTP, and the back-channel logout
 * tokens it then posts to every registered copy of the app.
 */
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";

import { APP_SIGNED_OUT_URI, alice, bob, useDevIdp } from "@/test/support/dev-idp-fixture";
import { followWithin, randomToken } from "@/test/support/idp-browser";

const dev = useDevIdp();
const { authorize, endpoint, exchangeCode, receivers, refresh, signIn } = dev;

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
    const followed = await followWithin(browser, dev.idp.issuer, again.response, again.url);
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
        issuer: dev.idp.issuer,
        audience: dev.idp.client.clientId,
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
    expect(dev.discovery.backchannel_logout_supported).toBe(true);
    expect(dev.discovery.backchannel_logout_session_supported).toBe(true);
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
