import { describe, expect, it } from "vitest";

import { APP_REFRESH_SKEW_SECONDS } from "@/e2e/support/stack";
import { expiresAtFrom, needsRefresh, REFRESH_SKEW_SECONDS } from "@/lib/providers/tokens/expiry";

const NOW_MS = 1_800_000_000_000;
const NOW = NOW_MS / 1000;

describe("needsRefresh", () => {
  it("keeps a token with more than the skew left", () => {
    expect(needsRefresh(NOW + REFRESH_SKEW_SECONDS + 1, NOW_MS)).toBe(false);
  });

  it("refreshes a token within the skew of its expiry, exactly at the boundary too", () => {
    expect(needsRefresh(NOW + REFRESH_SKEW_SECONDS, NOW_MS)).toBe(true);
    expect(needsRefresh(NOW + 5, NOW_MS)).toBe(true);
  });

  it("refreshes an expired token", () => {
    expect(needsRefresh(NOW - 1, NOW_MS)).toBe(true);
  });

  it("uses a token without a known lifetime until the provider refuses it", () => {
    expect(needsRefresh(null, NOW_MS)).toBe(false);
  });

  it("the skew is a minute, and the e2e stack's timing assumes the same", () => {
    expect(REFRESH_SKEW_SECONDS).toBe(60);
    expect(APP_REFRESH_SKEW_SECONDS).toBe(REFRESH_SKEW_SECONDS);
  });
});

describe("expiresAtFrom", () => {
  it("counts expires_in from now, in whole seconds", () => {
    expect(expiresAtFrom(3600, NOW_MS + 999)).toBe(NOW + 3600);
    expect(expiresAtFrom("65", NOW_MS)).toBe(NOW + 65);
  });

  it("treats a missing or nonsensical lifetime as unknown", () => {
    for (const value of [undefined, null, 0, -5, "soon", Number.NaN]) expect(expiresAtFrom(value, NOW_MS)).toBeNull();
  });
});
