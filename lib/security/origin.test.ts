import { describe, expect, it } from "vitest";

import { apiAudience, appOrigin } from "@/lib/security/origin";

describe("appOrigin", () => {
  it("is AUTH_URL's origin whatever the request says", () => {
    const forged = new Headers({ host: "evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "http" });
    expect(appOrigin(forged, "https://app.example.com/api/auth")).toBe("https://app.example.com");
  });

  it("without AUTH_URL, follows the forwarded host and protocol, then Host", () => {
    expect(
      appOrigin(new Headers({ host: "internal:3000", "x-forwarded-host": "app.example.com", "x-forwarded-proto": "https" }), undefined),
    ).toBe("https://app.example.com");
    expect(appOrigin(new Headers({ host: "localhost:3000" }), undefined)).toBe("http://localhost:3000");
  });

  it("never builds an origin out of a malformed Host", () => {
    expect(appOrigin(new Headers({ host: "a b" }), undefined)).toBe("http://invalid.invalid");
  });
});

describe("apiAudience", () => {
  it("is the API below the origin", () => {
    expect(apiAudience("https://app.example.com")).toBe("https://app.example.com/api");
  });
});
