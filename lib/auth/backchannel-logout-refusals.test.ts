/**
 * OIDC Back-Channel Logout 1.0 (RP side): every verification rule of §2.6 has its own test, and
 * every refusal also proves that nothing was revoked: a forged or replayed logout token must never
 * sign anybody out. Setup in test/support/backchannel-logout-fixture.ts.
 */
import { base64url, exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";

import { LOGOUT_EVENT, MAX_LOGOUT_TOKEN_AGE_SECONDS } from "@/lib/auth/backchannel-logout";
import { ALICE_SUB, CLIENT_ID, CLIENT_SECRET, form, post, seconds, useBackchannelLogout } from "@/test/support/backchannel-logout-fixture";

const fixture = useBackchannelLogout();
const { deliver, expectAccepted, expectRefused, logoutToken, send, unsecuredToken } = fixture;

describe("refused logout tokens (400, nothing revoked)", () => {
  it("from an issuer that is not one of the app's providers", async () => {
    await expectRefused(await send(await logoutToken({ iss: "https://idp.evil.example" })), /issuer is not a provider/);
  });

  it("whose iss differs from the provider the lookup matched (the issuer is pinned in verification)", async () => {
    const lenient = async () => fixture.issuerEntry;
    const response = await deliver(post(form(await logoutToken({ iss: `${fixture.issuer}/other` }))), { issuerFor: lenient });
    await expectRefused(response, /issuer does not match/);
  });

  it("for another client (wrong aud)", async () => {
    await expectRefused(await send(await logoutToken({ aud: "another-client" })), /not for this client/);
  });

  it("without aud", async () => {
    await expectRefused(await send(await logoutToken({ aud: undefined })), /not for this client/);
  });

  it("without iat", async () => {
    await expectRefused(await send(await logoutToken({ iat: undefined })), /lacks a required claim/);
  });

  it("issued longer ago than the accepted age (iat too old), even with exp still ahead", async () => {
    const iat = seconds(fixture.now) - MAX_LOGOUT_TOKEN_AGE_SECONDS - 61;
    await expectRefused(await send(await logoutToken({ iat, exp: seconds(fixture.now) + 600 })), /issued too long ago/);
  });

  it("issued in the future beyond the clock skew", async () => {
    await expectRefused(
      await send(await logoutToken({ iat: seconds(fixture.now) + 120, exp: seconds(fixture.now) + 240 })),
      /in the future/,
    );
  });

  it("expired (exp passed beyond the clock skew)", async () => {
    await expectRefused(await send(await logoutToken({ iat: seconds(fixture.now) - 200, exp: seconds(fixture.now) - 61 })), /has expired/);
  });

  it("without jti", async () => {
    await expectRefused(await send(await logoutToken({ jti: undefined })), /lacks a required claim/);
  });

  it("replayed: the same jti a second time is refused and revokes nothing more", async () => {
    const token = await logoutToken({ jti: "once-only", sid: "op-sid-alice-1", sub: undefined });
    await expectAccepted(await send(token));
    // Alice signs in again through the same provider session; a replay must not sign her out.
    await fixture.db.userSession.update({ where: { id: fixture.sessions.aliceOne }, data: { revokedAt: null, revokedReason: null } });
    await expectRefused(await send(token), /already used/);
  });

  it("replayed with a fresh signature: a jti seen once is refused whatever else changed", async () => {
    await expectAccepted(await send(await logoutToken({ jti: "same-jti", sid: "op-sid-alice-1", sub: undefined })));
    await fixture.db.userSession.update({ where: { id: fixture.sessions.aliceOne }, data: { revokedAt: null, revokedReason: null } });
    await expectRefused(await send(await logoutToken({ jti: "same-jti", sid: "op-sid-alice-2", sub: undefined })), /already used/);
  });

  it("the same token delivered twice at once (two instances) is accepted once", async () => {
    const token = await logoutToken({ jti: "concurrent" });
    const responses = await Promise.all([send(token), send(token)]);
    expect(responses.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  it("without the events claim", async () => {
    await expectRefused(await send(await logoutToken({ events: undefined })), /lacks a required claim/);
  });

  it.each([
    ["another event", { "http://schemas.openid.net/event/something-else": {} }],
    ["the logout event as a string instead of an object", { [LOGOUT_EVENT]: "yes" }],
    ["the logout event as an array", { [LOGOUT_EVENT]: [] }],
    ["an array of events", [LOGOUT_EVENT]],
    ["an events string", LOGOUT_EVENT],
  ])("whose events claim holds %s", async (_label, events) => {
    await expectRefused(await send(await logoutToken({ events })), /back-channel logout event/);
  });

  it("with a nonce (an ID token must never pass for a logout token)", async () => {
    await expectRefused(await send(await logoutToken({ nonce: "n-0S6_WzA2Mj" })), /must not contain a nonce/);
  });

  it("naming neither sid nor sub", async () => {
    await expectRefused(await send(await logoutToken({ sid: undefined, sub: undefined })), /neither sid nor sub/);
  });

  it("naming an empty sid and no sub", async () => {
    await expectRefused(await send(await logoutToken({ sid: "", sub: undefined })), /unusable sid or sub/);
  });

  it("whose sid is not a string, even with a sub (it must not widen into 'every session of the sub')", async () => {
    await expectRefused(await send(await logoutToken({ sid: 12345, sub: ALICE_SUB })), /unusable sid or sub/);
  });

  it("whose sub is not a string, even with a sid", async () => {
    await expectRefused(await send(await logoutToken({ sid: "op-sid-alice-1", sub: { id: ALICE_SUB } })), /unusable sid or sub/);
  });

  it("unsigned (alg none)", async () => {
    await expectRefused(await send(unsecuredToken({})), /algorithm is not accepted/);
  });

  it("signed with the client secret (HS256) instead of the provider's key", async () => {
    const token = await logoutToken({}, { alg: "HS256" }, new TextEncoder().encode(CLIENT_SECRET));
    await expectRefused(await send(token), /algorithm is not accepted/);
  });

  it("signed with a foreign key under the provider's kid", async () => {
    const foreign = await generateKeyPair("RS256");
    await expectRefused(await send(await logoutToken({}, {}, foreign.privateKey)), /signature does not verify/);
  });

  it("signed with a key the provider does not publish (unknown kid), with no fallback to another key", async () => {
    const foreign = await generateKeyPair("RS256");
    await expectRefused(await send(await logoutToken({}, { kid: "not-published" }, foreign.privateKey)), /signature does not verify/);
  });

  it("carrying its own key in the header (embedded jwk is never trusted)", async () => {
    const foreign = await generateKeyPair("RS256");
    const jwk = await exportJWK(foreign.publicKey);
    await expectRefused(await send(await logoutToken({}, { kid: undefined, jwk }, foreign.privateKey)), /signature does not verify/);
  });

  it("whose signature was altered", async () => {
    const token = await logoutToken();
    const [h, p, s] = token.split(".");
    const flipped = `${s!.slice(0, 10)}${s![10] === "A" ? "B" : "A"}${s!.slice(11)}`;
    await expectRefused(await send(`${h}.${p}.${flipped}`), /signature does not verify/);
  });

  it("whose payload was altered after signing (another sid)", async () => {
    const token = await logoutToken({ sid: "op-sid-alice-1", sub: undefined });
    const [h, , s] = token.split(".");
    const payload = base64url.encode(
      JSON.stringify({
        iss: fixture.issuer,
        aud: CLIENT_ID,
        iat: seconds(fixture.now),
        jti: "forged",
        sid: "op-sid-bob-1",
        events: { [LOGOUT_EVENT]: {} },
      }),
    );
    await expectRefused(await send(`${h}.${payload}.${s}`), /signature does not verify/);
  });

  it.each(["at+jwt", "secevent+jwt", "id_token+jwt"])("of another explicit type (typ %s)", async (typ) => {
    await expectRefused(await send(await logoutToken({}, { typ })), /not a logout token/);
  });
});
