import { describe, expect, it } from "vitest";

import { clientInfoFrom, clientIp, currentRequest, withCurrentRequest } from "@/lib/request-info";

function headers(init: Record<string, string>): Headers {
  return new Headers(init);
}

describe("clientIp", () => {
  it("takes the rightmost X-Forwarded-For entry, the one our side of the network added", () => {
    expect(clientIp(headers({ "x-forwarded-for": "203.0.113.9, 198.51.100.7" }))).toBe("198.51.100.7");
  });

  it("skips entries that are not addresses", () => {
    expect(clientIp(headers({ "x-forwarded-for": "203.0.113.9, unknown" }))).toBe("203.0.113.9");
    expect(clientIp(headers({ "x-forwarded-for": "<script>" }))).toBeNull();
  });

  it("shows IPv4-mapped IPv6 as IPv4, and keeps IPv6", () => {
    expect(clientIp(headers({ "x-forwarded-for": "::ffff:127.0.0.1" }))).toBe("127.0.0.1");
    expect(clientIp(headers({ "x-forwarded-for": "2001:db8::1" }))).toBe("2001:db8::1");
  });

  it("falls back to X-Real-IP, then to nothing", () => {
    expect(clientIp(headers({ "x-real-ip": "192.0.2.4" }))).toBe("192.0.2.4");
    expect(clientIp(headers({}))).toBeNull();
  });
});

describe("clientInfoFrom", () => {
  it("keeps at most 512 characters of the User-Agent", () => {
    const info = clientInfoFrom(headers({ "user-agent": "x".repeat(2000), "x-forwarded-for": "192.0.2.1" }));
    expect(info).toEqual({ ip: "192.0.2.1", userAgent: "x".repeat(512) });
  });
});

describe("withCurrentRequest", () => {
  it("makes the request visible to what the handler calls, and only there", async () => {
    const request = new Request("http://localhost/api/auth/callback/dev-idp");
    const seen = await withCurrentRequest(async () => new Response(currentRequest()?.url))(request);
    expect(await seen.text()).toBe(request.url);
    expect(currentRequest()).toBeUndefined();
  });
});
