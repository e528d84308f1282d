import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";

import { formPostCookieName, MAX_RELAYED_FORM_BYTES, withFormPostRelay } from "@/lib/auth/form-post-relay";

const APP = "https://app.example";
const CALLBACK = `${APP}/api/auth/callback/apple`;
const FORM = "state=s1&code=c1&user=%7B%22name%22%3A%7B%22firstName%22%3A%22Tim%22%7D%7D";

/** The handler Auth.js would be: records what reached it. */
function recorder() {
  const seen: { method: string; url: string; cookie: string | null; contentType: string | null; body: string }[] = [];
  const handler = async (request: NextRequest) => {
    seen.push({
      method: request.method,
      url: request.url,
      cookie: request.headers.get("cookie"),
      contentType: request.headers.get("content-type"),
      body: request.method === "GET" ? "" : await request.text(),
    });
    return new Response(null, { status: 302, headers: { location: "/dashboard", "set-cookie": "authjs.session-token=new; Path=/" } });
  };
  return { seen, relay: withFormPostRelay(handler, (request) => request.nextUrl.protocol === "https:") };
}

function crossSitePost(url = CALLBACK, body = FORM, contentType = "application/x-www-form-urlencoded") {
  return new NextRequest(url, { method: "POST", headers: { "content-type": contentType, origin: "https://appleid.apple.com" }, body });
}

function relayedValue(response: Response): string {
  const set = response.headers.getSetCookie().find((header) => header.startsWith(`${formPostCookieName(true)}=`));
  return set!.slice(set!.indexOf("=") + 1, set!.indexOf(";"));
}

describe("withFormPostRelay", () => {
  it("answers a provider's cross-site form POST with 303 to the same callback, the form kept in a short-lived __Host- cookie, never in the URL", async () => {
    const { seen, relay } = recorder();
    const response = await relay(crossSitePost());
    expect(seen).toHaveLength(0);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/api/auth/callback/apple");
    const [cookie] = response.headers.getSetCookie();
    expect(cookie).toMatch(/^__Host-authjs\.form-post=[A-Za-z0-9_-]+; Path=\/; Max-Age=60; HttpOnly; SameSite=Lax; Secure$/);
    expect(Buffer.from(relayedValue(response), "base64url").toString()).toBe(FORM);
  });

  it("replays the GET that follows as the original POST, with the browser's Lax cookies, and deletes the relay cookie", async () => {
    const { seen, relay } = recorder();
    const value = relayedValue(await relay(crossSitePost()));
    const response = await relay(
      new NextRequest(CALLBACK, {
        headers: { cookie: `__Secure-authjs.session-token=jwt; __Host-authjs.form-post=${value}; __Secure-authjs.state=st` },
      }),
    );
    expect(seen).toEqual([
      {
        method: "POST",
        url: CALLBACK,
        cookie: "__Secure-authjs.session-token=jwt; __Secure-authjs.state=st",
        contentType: "application/x-www-form-urlencoded",
        body: FORM,
      },
    ]);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/dashboard");
    expect(response.headers.getSetCookie()).toEqual([
      "authjs.session-token=new; Path=/",
      "__Host-authjs.form-post=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure",
    ]);
  });

  it("uses the unprefixed cookie name over http (a __Host- cookie needs Secure)", async () => {
    const { relay } = recorder();
    const response = await relay(crossSitePost("http://localhost:3000/api/auth/callback/apple"));
    expect(response.headers.getSetCookie()[0]).toMatch(/^authjs\.form-post=[A-Za-z0-9_-]+; Path=\/; Max-Age=60; HttpOnly; SameSite=Lax$/);
  });

  it("over https ignores the unprefixed cookie a sibling subdomain could plant", async () => {
    const { seen, relay } = recorder();
    await relay(new NextRequest(CALLBACK, { headers: { cookie: `authjs.form-post=${Buffer.from(FORM).toString("base64url")}` } }));
    expect(seen[0]).toMatchObject({ method: "GET", body: "" });
  });

  it("passes through what it does not relay: other paths, non-form bodies, a form too big for a cookie, a GET without the cookie, a malformed cookie", async () => {
    const { seen, relay } = recorder();
    await relay(crossSitePost(`${APP}/api/auth/signin/apple`));
    await relay(crossSitePost(CALLBACK, JSON.stringify({ code: "c" }), "application/json"));
    await relay(crossSitePost(CALLBACK, `code=${"x".repeat(MAX_RELAYED_FORM_BYTES)}`));
    await relay(new NextRequest(`${CALLBACK}?code=c&state=s`));
    await relay(new NextRequest(CALLBACK, { headers: { cookie: "__Host-authjs.form-post=not%20base64url!" } }));
    expect(seen.map((request) => request.method)).toEqual(["POST", "POST", "POST", "GET", "GET"]);
    expect(seen[3]!.url).toBe(`${CALLBACK}?code=c&state=s`);
  });
});
