import { describe, expect, it } from "vitest";

import { isCrossSiteWrite, isSameOriginRequest } from "@/lib/security/same-origin";

const APP = "https://app.example.com";
const withCookie = (headers: Record<string, string>) => new Headers({ cookie: "authjs.session-token=x", ...headers });

describe("isCrossSiteWrite (the proxy's CSRF gate)", () => {
  it.each([
    ["a foreign Origin", { origin: "https://evil.test" }],
    ["Origin: null (sandboxed frame, data: URL)", { origin: "null" }],
    ["a sibling subdomain's Origin", { origin: "https://evil.app.example.com" }],
    ["our Origin over plain http", { origin: "http://app.example.com" }],
    ["Sec-Fetch-Site: cross-site", { origin: APP, "sec-fetch-site": "cross-site" }],
    ["Sec-Fetch-Site: same-site", { origin: APP, "sec-fetch-site": "same-site" }],
  ])("refuses a cookie-carrying POST with %s", (_case, headers) => {
    expect(isCrossSiteWrite("POST", withCookie(headers), APP)).toBe(true);
  });

  it.each(["PUT", "PATCH", "DELETE"])("refuses a cross-site %s too", (method) => {
    expect(isCrossSiteWrite(method, withCookie({ origin: "https://evil.test" }), APP)).toBe(true);
  });

  it("lets our own pages' POSTs through", () => {
    expect(isCrossSiteWrite("POST", withCookie({ origin: APP, "sec-fetch-site": "same-origin" }), APP)).toBe(false);
  });

  it("leaves reads alone: GET and HEAD change nothing", () => {
    expect(isCrossSiteWrite("GET", withCookie({ origin: "https://evil.test", "sec-fetch-site": "cross-site" }), APP)).toBe(false);
    expect(isCrossSiteWrite("HEAD", withCookie({ "sec-fetch-site": "cross-site" }), APP)).toBe(false);
  });

  it("leaves requests without cookies alone (bearer clients, back-channel logout): they carry no ambient authority", () => {
    expect(isCrossSiteWrite("POST", new Headers({ origin: "https://evil.test" }), APP)).toBe(false);
  });
});

describe("isSameOriginRequest (cookie-authenticated route handlers)", () => {
  it("accepts only our exact Origin, and refuses a request without one", () => {
    expect(isSameOriginRequest(new Headers({ origin: APP }), APP)).toBe(true);
    expect(isSameOriginRequest(new Headers({ origin: "null" }), APP)).toBe(false);
    expect(isSameOriginRequest(new Headers(), APP)).toBe(false);
    expect(isSameOriginRequest(new Headers({ origin: APP, "sec-fetch-site": "cross-site" }), APP)).toBe(false);
  });
});
