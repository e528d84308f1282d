/**
 * OIDC Back-Channel Logout 1.0 (RP side): the HTTP request the logout token comes in (§2.5: one
 * logout_token in a form body), its size limits, and failures that must leave the provider free to
 * retry. Setup in test/support/backchannel-logout-fixture.ts.
 */
import { base64url } from "jose";
import { describe, expect, it } from "vitest";

import type { LogoutTokenIssuer } from "@/lib/auth/backchannel-logout";
import type { Database } from "@/lib/db";
import { providerKeySet } from "@/lib/providers/keys";
import { ENDPOINT, form, post, useBackchannelLogout } from "@/test/support/backchannel-logout-fixture";

const fixture = useBackchannelLogout();
const { deliver, expectAccepted, expectRefused, expectTooLarge, logoutToken, revokedSessions, send } = fixture;

describe("the HTTP request", () => {
  it.each([
    ["an empty body", ""],
    ["no logout_token parameter", "token=abc"],
    ["a logout_token that is not a JWT", "logout_token=not-a-jwt"],
    ["a logout_token of three parts that are not base64url JSON", "logout_token=a.b.c"],
  ])("with %s is answered 400 invalid_request", async (_label, body) => {
    await expectRefused(await deliver(post(body)), /missing or is not a JWT/);
  });

  it("with two logout_token parameters is refused (which one would we believe?)", async () => {
    const body = `logout_token=${await logoutToken()}&logout_token=${await logoutToken({ sid: "op-sid-alice-2" })}`;
    await expectRefused(await deliver(post(body)), /missing or is not a JWT/);
  });

  it("as JSON instead of a form (§2.5: application/x-www-form-urlencoded) is refused", async () => {
    const request = post(JSON.stringify({ logout_token: await logoutToken() }), { "content-type": "application/json" });
    await expectRefused(await deliver(request), /missing or is not a JWT/);
  });

  it("without a content type is refused", async () => {
    await expectRefused(await deliver(post(form(await logoutToken()), {})), /missing or is not a JWT/);
  });

  it("accepts a form content type with a charset parameter", async () => {
    await expectAccepted(
      await deliver(post(form(await logoutToken()), { "content-type": "application/x-www-form-urlencoded; charset=UTF-8" })),
    );
  });

  it("with a body larger than 64 KB, announced by Content-Length, is refused 413 and signs nobody out", async () => {
    const body = `logout_token=${"a".repeat(70 * 1024)}`;
    const request = post(body, { "content-type": "application/x-www-form-urlencoded", "content-length": String(body.length) });
    await expectTooLarge(await deliver(request));
  });

  it("with a streamed body larger than 64 KB and no Content-Length is refused without reading it all", async () => {
    let sent = 0;
    const chunk = new TextEncoder().encode("a".repeat(16 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("logout_token="));
      },
      pull(controller) {
        // An endless body: a reader without a limit would never finish.
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const request = new Request(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expectTooLarge(await deliver(request));
    expect(sent).toBeLessThan(1024 * 1024);
  });

  it("with a logout token longer than 16 KB (inside a small-enough body) is refused before any key is fetched", async () => {
    const before = fixture.jwksRequests;
    const huge = `${base64url.encode(JSON.stringify({ alg: "RS256", kid: fixture.providerKey.kid }))}.${"A".repeat(20 * 1024)}.sig`;
    await expectRefused(await deliver(post(form(huge))), /missing or is not a JWT/);
    expect(fixture.jwksRequests).toBe(before);
  });

  it("when the provider's keys cannot be fetched, fails without remembering the jti (so the provider may retry)", async () => {
    const unreachable: LogoutTokenIssuer = {
      ...fixture.issuerEntry,
      keys: providerKeySet("http://127.0.0.1:9/jwks", fetch),
    };
    const token = await logoutToken({ jti: "retry-me" });
    await expect(deliver(post(form(token)), { issuerFor: async () => unreachable })).rejects.toThrow();
    expect(await fixture.db.seenLogoutToken.count()).toBe(0);
    await expectAccepted(await send(token));
  });

  it("when revoking fails, forgets the jti so the provider's retry is not taken for a replay", async () => {
    const real = fixture.db;
    const failing = new Proxy(real, {
      get(target, property, receiver) {
        if (property !== "userSession") return Reflect.get(target, property, receiver);
        return { ...target.userSession, updateMany: async () => Promise.reject(new Error("database down")) };
      },
    }) as Database;
    const token = await logoutToken({ jti: "retry-after-failure" });
    await expect(deliver(post(form(token)), { db: failing })).rejects.toThrow(/database down/);
    expect(await real.seenLogoutToken.count()).toBe(0);
    await expectAccepted(await send(token));
    expect(await revokedSessions()).toEqual([fixture.sessions.aliceOne]);
  });
});
