/**
 * OIDC Back-Channel Logout 1.0 (RP side) on a real database: a valid logout token signs out exactly
 * the sessions it names, and its jti is remembered. The provider is real at the HTTP edge (its key
 * published as a JWKS); setup in test/support/backchannel-logout-fixture.ts. Refused tokens are in
 * backchannel-logout-refusals.test.ts, the HTTP request itself in backchannel-logout-request.test.ts.
 */
import { describe, expect, it } from "vitest";

import { CLIENT_ID, ALICE_SUB, seconds, useBackchannelLogout } from "@/test/support/backchannel-logout-fixture";

const fixture = useBackchannelLogout();
const { expectAccepted, logoutToken, revokedSessions, send } = fixture;

describe("a valid logout token", () => {
  it("naming a sid revokes exactly that provider session, and answers 200 with no-store", async () => {
    await expectAccepted(await send(await logoutToken({ sub: undefined, sid: "op-sid-alice-1" })));
    expect(await revokedSessions()).toEqual([fixture.sessions.aliceOne]);
    const row = await fixture.db.userSession.findUniqueOrThrow({ where: { id: fixture.sessions.aliceOne } });
    expect(row).toMatchObject({ revokedAt: fixture.now, revokedReason: "backchannel_logout" });
  });

  it("naming only a sub revokes every session of that person with this provider, and no one else's", async () => {
    await expectAccepted(await send(await logoutToken({ sid: undefined, sub: ALICE_SUB })));
    expect(await revokedSessions()).toEqual([fixture.sessions.aliceOne, fixture.sessions.aliceTwo].sort());
  });

  it("naming both sid and sub revokes only the session matching both", async () => {
    await expectAccepted(await send(await logoutToken({ sid: "op-sid-alice-2", sub: ALICE_SUB })));
    expect(await revokedSessions()).toEqual([fixture.sessions.aliceTwo]);
  });

  it("whose sid belongs to another subject revokes nothing (both must match)", async () => {
    await expectAccepted(await send(await logoutToken({ sid: "op-sid-bob-1", sub: ALICE_SUB })));
    expect(await revokedSessions()).toEqual([]);
  });

  it("is accepted with an audience array that includes our client id", async () => {
    await expectAccepted(await send(await logoutToken({ aud: ["another-client", CLIENT_ID] })));
    expect(await revokedSessions()).toEqual([fixture.sessions.aliceOne]);
  });

  it.each([
    ["typ logout+jwt", { typ: "logout+jwt" }],
    ["typ application/logout+jwt", { typ: "application/logout+jwt" }],
    ["typ JWT (providers from before explicit typing)", { typ: "JWT" }],
    ["no typ", { typ: undefined }],
  ])("is accepted with %s", async (_label, header) => {
    await expectAccepted(await send(await logoutToken({}, header)));
    expect(await revokedSessions()).toEqual([fixture.sessions.aliceOne]);
  });

  it("is accepted within the clock skew when the provider's clock runs ahead (iat 30 s in the future)", async () => {
    await expectAccepted(await send(await logoutToken({ iat: seconds(fixture.now) + 30 })));
  });

  it("is accepted when it carries no exp (iat bounds its age)", async () => {
    await expectAccepted(await send(await logoutToken({ exp: undefined })));
  });

  it("remembers its jti until it could no longer be accepted, and forgets expired ones as new ones arrive", async () => {
    const stale = await fixture.db.seenLogoutToken.create({
      data: { issuer: fixture.issuer, jti: "long-gone", expiresAt: new Date(fixture.now.getTime() - 1000) },
    });
    await expectAccepted(await send(await logoutToken({ jti: "remember-me" })));
    const seen = await fixture.db.seenLogoutToken.findMany();
    expect(seen.map((s) => s.jti)).toEqual(["remember-me"]);
    expect(seen).not.toContainEqual(expect.objectContaining({ jti: stale.jti }));
    // exp is iat + 120 s, sooner than the age limit; plus the 60 s clock tolerance.
    expect(seen[0]!.expiresAt.getTime()).toBe((seconds(fixture.now) + 120 + 60) * 1000);
  });
});
