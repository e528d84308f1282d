import type { NextAuthRequest, NextAuthResult } from "next-auth";
import { encode } from "next-auth/jwt";
import { NextRequest, NextResponse, type NextFetchEvent } from "next/server";
import { describe, expect, it } from "vitest";

import { protectRoutes } from "@/lib/security/route-access";
import type { SessionCookieOptions } from "@/lib/session/cookie-check";

/**
 * The proxy hands a request to Auth.js only when its session cookie needs it (due for a new
 * expiry, or unreadable); otherwise its gate decides alone, with the same outcome.
 */

const SECRET = "route-access-session-secret-0123456789abcdef";
const OPTIONS: SessionCookieOptions = {
  secret: SECRET,
  authUrl: "http://localhost:3000",
  maxAgeSeconds: 7 * 86400,
  updateAgeSeconds: 3600,
};
const NAME = "authjs.session-token";
const EVENT = {} as NextFetchEvent;

/** Stands in for Auth.js's helper: counts the requests it evaluates and signs them in as "from-authjs". */
function fakeAuthjs() {
  const seen: string[] = [];
  const auth = ((handler: (request: NextAuthRequest, event: NextFetchEvent) => Promise<Response | undefined> | Response | undefined) =>
    async (request: NextRequest, event: NextFetchEvent) => {
      seen.push(request.nextUrl.pathname);
      const augmented = request as NextAuthRequest;
      augmented.auth = { user: { id: "from-authjs" }, expires: new Date(Date.now() + 1000).toISOString() };
      const response = (await handler(augmented, event)) ?? NextResponse.next();
      response.headers.append("set-cookie", `${NAME}=reissued; Path=/; HttpOnly`);
      return response;
    }) as unknown as NextAuthResult["auth"];
  return { auth, seen };
}

async function cookie(maxAge = OPTIONS.maxAgeSeconds, claims: Record<string, unknown> = { sub: "user-1", sid: "sid-1" }) {
  return `${NAME}=${await encode({ token: claims, secret: SECRET, salt: NAME, maxAge })}`;
}

function get(path: string, cookieHeader?: string) {
  return new NextRequest(`http://localhost:3000${path}`, { headers: cookieHeader ? { cookie: cookieHeader } : {} });
}

function proxyWith(options: SessionCookieOptions = OPTIONS) {
  const authjs = fakeAuthjs();
  const protect = protectRoutes(
    authjs.auth,
    () => "default-src 'self'",
    () => options,
  );
  const proxy = async (request: NextRequest, event: NextFetchEvent): Promise<Response> => {
    const response = await protect(request, event);
    if (!(response instanceof Response)) throw new Error("the proxy answered without a response");
    return response;
  };
  return { proxy, seen: authjs.seen };
}

const passedOn = (response: Response) => response.headers.get("x-middleware-next") === "1";

describe("protectRoutes: Auth.js only when the session cookie needs it", () => {
  it("no session cookie: the gate decides alone (public passes, a page redirects to /login, the API answers 401)", async () => {
    const { proxy, seen } = proxyWith();
    expect(passedOn(await proxy(get("/"), EVENT))).toBe(true);
    const page = await proxy(get("/dashboard?tab=1"), EVENT);
    expect(page.status).toBe(307);
    expect(page.headers.get("location")).toBe("http://localhost:3000/login?callbackUrl=%2Fdashboard%3Ftab%3D1");
    const api = await proxy(get("/api/me"), EVENT);
    expect(api.status).toBe(401);
    expect(seen).toEqual([]);
  });

  it("a current session cookie: passes without Auth.js and without a Set-Cookie", async () => {
    const { proxy, seen } = proxyWith();
    const current = await cookie();
    for (const path of ["/dashboard", "/api/me", "/"]) {
      const response = await proxy(get(path, current), EVENT);
      expect(passedOn(response)).toBe(true);
      expect(response.headers.get("set-cookie")).toBeNull();
    }
    expect(seen).toEqual([]);
  });

  it("a cookie due for a new expiry goes through Auth.js, which re-issues it", async () => {
    const { proxy, seen } = proxyWith();
    const due = await cookie(OPTIONS.maxAgeSeconds - OPTIONS.updateAgeSeconds - 10);
    const response = await proxy(get("/dashboard", due), EVENT);
    expect(passedOn(response)).toBe(true);
    expect(response.headers.get("set-cookie")).toContain("reissued");
    expect(seen).toEqual(["/dashboard"]);
  });

  it("an unreadable cookie goes through Auth.js (which clears it and denies)", async () => {
    const { proxy, seen } = proxyWith();
    await proxy(get("/dashboard", `${NAME}=tampered`), EVENT);
    await proxy(get("/dashboard", await cookie(OPTIONS.maxAgeSeconds, { sub: "user-1" })), EVENT);
    expect(seen).toEqual(["/dashboard", "/dashboard"]);
  });

  it("a redirect to /login is on AUTH_URL's origin, whatever host the request came in on", async () => {
    const { proxy } = proxyWith({ ...OPTIONS, authUrl: "https://app.example" });
    const response = await proxy(new NextRequest("http://10.0.0.5:3000/dashboard"), EVENT);
    expect(response.headers.get("location")).toBe("https://app.example/login?callbackUrl=%2Fdashboard");
  });
});
