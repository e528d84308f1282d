import { describe, expect, it } from "vitest";

import { authContext, clientInfoFrom, currentRequest, withAuthContext } from "@/lib/auth/request-context";

function headers(init: Record<string, string>): Headers {
  return new Headers(init);
}

describe("clientInfoFrom", () => {
  it("keeps at most 512 characters of the User-Agent", () => {
    const info = clientInfoFrom(headers({ "user-agent": "x".repeat(2000), "x-forwarded-for": "192.0.2.1" }), 1);
    expect(info).toEqual({ ip: "192.0.2.1", userAgent: "x".repeat(512) });
  });
});

describe("withAuthContext", () => {
  it("makes the request visible to what the handler calls, and only there", async () => {
    const request = new Request("http://localhost/api/auth/callback/dev-idp");
    const seen = await withAuthContext(async () => new Response(currentRequest()?.url))(request);
    expect(await seen.text()).toBe(request.url);
    expect(currentRequest()).toBeUndefined();
    expect(authContext()).toBeUndefined();
  });
});
