import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";

import { guardedAuthRequest, isHttpCallbackUrl } from "@/lib/auth/request-guards";

const APP = "http://localhost:3000";

describe("guardedAuthRequest", () => {
  it("drops the whole query of a sign-in request, keeping its method and body", async () => {
    const request = new NextRequest(`${APP}/api/auth/signin/dev-idp?redirect_uri=https%3A%2F%2Fevil.test&prompt=none&scope=admin`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "csrfToken=t&callbackUrl=%2Fdashboard",
    });
    const guarded = await guardedAuthRequest(request);
    expect(guarded.url).toBe(`${APP}/api/auth/signin/dev-idp`);
    expect(guarded.method).toBe("POST");
    expect(await guarded.text()).toBe("csrfToken=t&callbackUrl=%2Fdashboard");
  });

  it("drops a callbackUrl query parameter Auth.js would answer with a 500, and keeps a usable one", async () => {
    const bad = await guardedAuthRequest(new NextRequest(`${APP}/api/auth/signout?callbackUrl=javascript%3Aalert(1)`));
    expect(new URL(bad.url).searchParams.has("callbackUrl")).toBe(false);
    const good = await guardedAuthRequest(new NextRequest(`${APP}/api/auth/signout?callbackUrl=%2Fdashboard`));
    expect(new URL(good.url).searchParams.get("callbackUrl")).toBe("/dashboard");
  });

  it("drops an unusable callback-url cookie and keeps every other cookie", async () => {
    const request = new NextRequest(`${APP}/api/auth/csrf`, {
      headers: { cookie: "a=1; authjs.callback-url=garbage%%%{}[]; __Secure-authjs.callback-url=javascript%3Ax; b=2" },
    });
    expect((await guardedAuthRequest(request)).headers.get("cookie")).toBe("a=1; b=2");
  });

  it("leaves a request with nothing to take away untouched", async () => {
    const request = new NextRequest(`${APP}/api/auth/session`, {
      headers: { cookie: "authjs.callback-url=http%3A%2F%2Flocalhost%3A3000%2Fdashboard" },
    });
    expect(await guardedAuthRequest(request)).toBe(request);
  });
});

describe("isHttpCallbackUrl (Auth.js's own rule)", () => {
  it.each([
    ["/dashboard", true],
    ["http://localhost:3000/x", true],
    ["https://evil.test", true],
    ["javascript:alert(1)", false],
    ["garbage", false],
    ["http://[", false],
  ])("%s → %s", (value, expected) => {
    expect(isHttpCallbackUrl(value, APP)).toBe(expected);
  });
});
