import { describe, expect, it } from "vitest";

import { isInvalidGrant, isReconnectRequired, ReconnectRequiredError } from "@/lib/providers/errors";

describe("provider error guards", () => {
  it("recognise an error made by another copy of the class (another Next.js bundle), by name", () => {
    class CopiedReconnectRequiredError extends Error {
      override name = "ReconnectRequiredError";
    }
    const fromOtherBundle = new CopiedReconnectRequiredError("dev-idp: reconnect required");
    expect(fromOtherBundle instanceof ReconnectRequiredError).toBe(false);
    expect(isReconnectRequired(fromOtherBundle)).toBe(true);
  });

  it("do not mistake one kind for another, or a non-error for an error", () => {
    expect(isInvalidGrant(new ReconnectRequiredError("dev-idp", "invalid_grant"))).toBe(false);
    expect(isReconnectRequired({ name: "ReconnectRequiredError" })).toBe(false);
  });
});
