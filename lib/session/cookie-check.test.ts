import { encode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";

import { sessionCookieName } from "@/lib/session/claims";
import { checkSessionCookie, type SessionCookieOptions } from "@/lib/session/cookie-check";

const SECRET = "session-cookie-check-secret-0123456789abcdef";
const OPTIONS: SessionCookieOptions = {
  secret: SECRET,
  authUrl: "http://localhost:3000",
  maxAgeSeconds: 7 * 86400,
  updateAgeSeconds: 3600,
};
const NAME = sessionCookieName(false);

function request(cookies: { name: string; value: string }[]) {
  return { headers: new Headers(), cookies: { getAll: () => cookies } };
}

async function sessionCookie(
  claims: Record<string, unknown> = { sub: "user-1", sid: "sid-1" },
  options: { name?: string; secret?: string; maxAge?: number } = {},
) {
  const name = options.name ?? NAME;
  return {
    name,
    value: await encode({ token: claims, secret: options.secret ?? SECRET, salt: name, maxAge: options.maxAge ?? OPTIONS.maxAgeSeconds }),
  };
}

describe("checkSessionCookie (does this request need Auth.js in the proxy?)", () => {
  it("no session cookie: absent, whatever else came along", async () => {
    expect(await checkSessionCookie(request([]), OPTIONS)).toEqual({ state: "absent" });
    expect(await checkSessionCookie(request([{ name: "authjs.csrf-token", value: "x" }]), OPTIONS)).toEqual({ state: "absent" });
  });

  it("a fresh cookie is current until it is updateAge old, then it is due", async () => {
    const cookie = await sessionCookie();
    const issued = Date.now();
    expect(await checkSessionCookie(request([cookie]), OPTIONS, new Date(issued))).toMatchObject({ state: "current", userId: "user-1" });
    expect(await checkSessionCookie(request([cookie]), OPTIONS, new Date(issued + 3_500_000))).toMatchObject({ state: "current" });
    expect(await checkSessionCookie(request([cookie]), OPTIONS, new Date(issued + 3_601_000))).toEqual({ state: "needs-authjs" });
  });

  it("anything Auth.js would refuse or clear goes to Auth.js: tampered, another secret, expired, no session id, another cookie name", async () => {
    const good = await sessionCookie();
    const i = Math.floor(good.value.length / 2);
    const tampered = { name: NAME, value: good.value.slice(0, i) + (good.value[i] === "A" ? "B" : "A") + good.value.slice(i + 1) };
    const cases = [
      tampered,
      await sessionCookie(undefined, { secret: "another-secret-0123456789abcdefghijklmn" }),
      await sessionCookie(undefined, { maxAge: -60 }),
      await sessionCookie({ sub: "user-1" }),
      { name: NAME, value: "not-a-token" },
    ];
    for (const cookie of cases) expect(await checkSessionCookie(request([cookie]), OPTIONS)).toEqual({ state: "needs-authjs" });
    // Over https the session is the __Secure- cookie; a plain one is not read as ours.
    expect(await checkSessionCookie(request([good]), { ...OPTIONS, authUrl: "https://app.example" })).toEqual({ state: "needs-authjs" });
    const secure = await sessionCookie(undefined, { name: sessionCookieName(true) });
    expect(await checkSessionCookie(request([secure]), { ...OPTIONS, authUrl: "https://app.example" })).toMatchObject({ state: "current" });
  });
});
