import { encode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";

import { readSessionClaims, sessionCookieName, sessionCookieValue } from "@/lib/session/claims";

const SECRET = "session-claims-test-secret-0123456789abcdef";
const NAME = sessionCookieName(false);

async function cookieFor(claims: Record<string, unknown>, options: { name?: string; secret?: string; maxAge?: number } = {}) {
  const name = options.name ?? NAME;
  const value = await encode({ token: claims, secret: options.secret ?? SECRET, salt: name, maxAge: options.maxAge });
  return { name, value };
}

describe("readSessionClaims", () => {
  it("reads the user, session id and provider from Auth.js's cookie", async () => {
    const cookie = await cookieFor({ sub: "user-1", sid: "sid-1", provider: "dev-idp" });
    expect(await readSessionClaims([cookie], { secret: SECRET, secure: false })).toEqual({
      userId: "user-1",
      sessionId: "sid-1",
      provider: "dev-idp",
      expiresAt: expect.any(Number) as number,
    });
  });

  it("reads a cookie Auth.js split into chunks", async () => {
    const { value } = await cookieFor({ sub: "user-1", sid: "sid-1" });
    const third = Math.ceil(value.length / 3);
    const chunks = [2, 0, 1].map((i) => ({ name: `${NAME}.${i}`, value: value.slice(i * third, (i + 1) * third) }));
    expect((await readSessionClaims(chunks, { secret: SECRET, secure: false }))?.sessionId).toBe("sid-1");
  });

  it("refuses a cookie without a session id (issued before session records existed)", async () => {
    const cookie = await cookieFor({ sub: "user-1", provider: "dev-idp" });
    expect(await readSessionClaims([cookie], { secret: SECRET, secure: false })).toBeNull();
  });

  it("refuses a cookie encrypted with another secret, or tampered with", async () => {
    const other = await cookieFor({ sub: "user-1", sid: "sid-1" }, { secret: "another-secret-0123456789abcdefghijklmn" });
    expect(await readSessionClaims([other], { secret: SECRET, secure: false })).toBeNull();
    const good = await cookieFor({ sub: "user-1", sid: "sid-1" });
    const i = Math.floor(good.value.length / 2);
    const tampered = { ...good, value: good.value.slice(0, i) + (good.value[i] === "A" ? "B" : "A") + good.value.slice(i + 1) };
    expect(await readSessionClaims([tampered], { secret: SECRET, secure: false })).toBeNull();
  });

  it("refuses an expired cookie", async () => {
    const cookie = await cookieFor({ sub: "user-1", sid: "sid-1" }, { maxAge: -60 });
    expect(await readSessionClaims([cookie], { secret: SECRET, secure: false })).toBeNull();
  });

  it("over https reads only the __Secure- cookie (its value is encrypted for that name)", async () => {
    const plain = await cookieFor({ sub: "user-1", sid: "sid-1" });
    expect(await readSessionClaims([plain], { secret: SECRET, secure: true })).toBeNull();
    const secure = await cookieFor({ sub: "user-1", sid: "sid-1" }, { name: sessionCookieName(true) });
    expect((await readSessionClaims([secure], { secret: SECRET, secure: true }))?.userId).toBe("user-1");
    // Moved to the other name, the value does not decrypt: the name is the key derivation's salt.
    expect(await readSessionClaims([{ name: NAME, value: secure.value }], { secret: SECRET, secure: false })).toBeNull();
  });
});

describe("sessionCookieValue", () => {
  it("prefers the whole cookie and ignores look-alike names", () => {
    expect(
      sessionCookieValue(
        [
          { name: `${NAME}.x`, value: "no" },
          { name: NAME, value: "yes" },
        ],
        NAME,
      ),
    ).toBe("yes");
    expect(sessionCookieValue([{ name: `${NAME}x.0`, value: "no" }], NAME)).toBeNull();
  });
});
