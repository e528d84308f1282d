/**
 * The Dev IdP's test API (`/__test/*`), which tests use to count grants, look for issued tokens and
 * revoke a user's grants; and that it does not exist unless turned on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startDevIdp, type DevIdp } from "@/idp/provider";
import { alice, bob, eve, useDevIdp, type TokenSet } from "@/test/support/dev-idp-fixture";
import { followWithin } from "@/test/support/idp-browser";

const dev = useDevIdp();
const { authorize, clientPost, endpoint, exchangeCode, refresh, signIn } = dev;

describe("test API (DEV_IDP_TEST_API=1)", () => {
  async function stats() {
    const response = await fetch(`${dev.idp.issuer}/__test/stats`);
    expect(response.status).toBe(200);
    return (await response.json()) as { grants: { authorization_code: number; refresh_token: number }; revocations: number };
  }

  it("counts token grants by grant_type and revocations, and reset-stats zeroes them", async () => {
    expect((await fetch(`${dev.idp.issuer}/__test/reset-stats`, { method: "POST" })).status).toBe(200);
    expect(await stats()).toEqual({ grants: { authorization_code: 0, refresh_token: 0 }, revocations: 0 });

    const tokens = await exchangeCode(await signIn(bob));
    const r1 = (await (await refresh(tokens.refresh_token!)).json()) as TokenSet;
    await refresh(r1.refresh_token!);
    await clientPost(endpoint("revocation_endpoint"), { token: tokens.access_token });
    // A failed refresh (reused token) is not a grant.
    await refresh(tokens.refresh_token!);

    expect(await stats()).toEqual({ grants: { authorization_code: 1, refresh_token: 2 }, revocations: 1 });
    expect(dev.idp.stats()).toEqual(await stats());

    await fetch(`${dev.idp.issuer}/__test/reset-stats`, { method: "POST" });
    expect(await stats()).toEqual({ grants: { authorization_code: 0, refresh_token: 0 }, revocations: 0 });
  });

  it("revoke-grants?sub= revokes every grant of that user so their next refresh fails with invalid_grant, other users unaffected", async () => {
    const aliceSignIn = await signIn(alice);
    const aliceTokens = [await exchangeCode(aliceSignIn), await exchangeCode(await signIn(alice))];
    const eveTokens = await exchangeCode(await signIn(eve));

    const response = await fetch(`${dev.idp.issuer}/__test/revoke-grants?sub=${encodeURIComponent(alice.sub)}`, {
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
    const { location, hops } = await followWithin(aliceSignIn.browser, dev.idp.issuer, again.response, again.url);
    expect(location).toBeDefined();
    const fresh = await exchangeCode({ callback: new URL(location!), hops, auth: again, browser: aliceSignIn.browser });
    expect((await refresh(fresh.refresh_token!)).status).toBe(200);
  });

  it("issued-tokens lists the tokens handed out, per user, so tests can look for them where they must not appear", async () => {
    const tokens = await exchangeCode(await signIn(bob));
    const refreshed = (await (await refresh(tokens.refresh_token!)).json()) as TokenSet;
    const response = await fetch(`${dev.idp.issuer}/__test/issued-tokens?sub=${encodeURIComponent(bob.sub)}`);
    expect(response.status).toBe(200);
    const { tokens: issued } = (await response.json()) as { tokens: unknown[] };
    expect(issued.slice(-2)).toEqual([
      {
        grantType: "authorization_code",
        sub: bob.sub,
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        idToken: tokens.id_token,
      },
      {
        grantType: "refresh_token",
        sub: bob.sub,
        accessToken: refreshed.access_token,
        refreshToken: refreshed.refresh_token,
        idToken: refreshed.id_token,
      },
    ]);
    expect(dev.idp.issuedTokens(bob.sub)).toEqual(issued);
    expect(dev.idp.issuedTokens(alice.sub).some((t) => t.accessToken === tokens.access_token)).toBe(false);
  });

  it("rejects wrong methods and a missing sub", async () => {
    expect((await fetch(`${dev.idp.issuer}/__test/stats`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${dev.idp.issuer}/__test/revoke-grants`, { method: "POST" })).status).toBe(400);
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
    expect((await fetch(`${plain.issuer}/__test/revoke-grants?sub=${encodeURIComponent(alice.sub)}`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${plain.issuer}/__test/issued-tokens`)).status).toBe(404);
  });
});
