/**
 * startDevIdp's extraUsers option: more people who can sign in (the bench's many first-time
 * users), each with their own claims and avatar, and not listed on the login page.
 */
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startDevIdp, type DevIdp } from "@/idp/provider";
import type { DevUser } from "@/idp/users";
import { APP_REDIRECT_URI, alice, basicAuth, useDevIdp, type TokenSet } from "@/test/support/dev-idp-fixture";
import { Browser, followWithin, parseLoginPage, pkcePair, randomToken } from "@/test/support/idp-browser";

const dev = useDevIdp();

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
      headers: {
        authorization: basicAuth(many.client.clientId, many.client.clientSecret),
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: code ?? "",
        redirect_uri: APP_REDIRECT_URI,
        code_verifier: verifier,
      }).toString(),
    });
    expect(tokens.status).toBe(200);
    const claims = decodeJwt(((await tokens.json()) as TokenSet).id_token);
    expect(claims).toMatchObject({
      sub: carol.sub,
      email: carol.email,
      name: carol.name,
      picture: `${many.issuer}/avatars/carol.svg`,
      nonce,
    });
    const avatar = await fetch(`${many.issuer}/avatars/carol.svg`);
    expect(avatar.status).toBe(200);
    expect(await avatar.text()).toContain("CL");
  });

  it("the default IdP does not know them", async () => {
    const avatar = await fetch(`${dev.idp.issuer}/avatars/carol.svg`);
    await avatar.arrayBuffer();
    expect(avatar.status).toBe(404);
  });

  it("refuses an extra user who clashes with a built-in one", async () => {
    await expect(startDevIdp({ port: 0, extraUsers: [{ ...carol, email: alice.email }] })).rejects.toThrow(/email/);
  });
});
