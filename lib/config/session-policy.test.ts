import { describe, expect, it } from "vitest";

import { DEFAULT_SESSION_POLICY, parseDuration, parseSessionPolicy } from "@/lib/config/session-policy";

const DAY = 24 * 60 * 60 * 1000;

describe("parseDuration", () => {
  it.each([
    ["7d", 7 * DAY],
    ["12h", 12 * 60 * 60 * 1000],
    ["30m", 30 * 60 * 1000],
    ["90s", 90 * 1000],
    ["3600", 3600 * 1000],
    [" 2D ", 2 * DAY],
  ])("reads %j", (raw, ms) => {
    expect(parseDuration(raw)).toBe(ms);
  });

  it.each(["", "7 days", "1.5h", "-1d", "d", "7w", "1e3"])("refuses %j", (raw) => {
    expect(parseDuration(raw)).toBeNull();
  });
});

describe("parseSessionPolicy", () => {
  it("defaults to a 7-day idle timeout and a 30-day lifetime", () => {
    expect(parseSessionPolicy({})).toEqual(DEFAULT_SESSION_POLICY);
    expect(DEFAULT_SESSION_POLICY).toEqual({ idleTimeoutMs: 7 * DAY, absoluteLifetimeMs: 30 * DAY });
  });

  it("takes both from the environment", () => {
    expect(parseSessionPolicy({ SESSION_IDLE_TIMEOUT: "2h", SESSION_MAX_LIFETIME: "1d" })).toEqual({
      idleTimeoutMs: 2 * 60 * 60 * 1000,
      absoluteLifetimeMs: DAY,
    });
  });

  it("names every unreadable or out-of-range value", () => {
    expect(() => parseSessionPolicy({ SESSION_IDLE_TIMEOUT: "soon", SESSION_MAX_LIFETIME: "1m" })).toThrow(
      /SESSION_IDLE_TIMEOUT must be a duration like 7d[\s\S]*SESSION_MAX_LIFETIME must be between 5m and 400d/,
    );
  });

  it("refuses an idle timeout longer than the lifetime", () => {
    expect(() => parseSessionPolicy({ SESSION_IDLE_TIMEOUT: "10d", SESSION_MAX_LIFETIME: "5d" })).toThrow(
      /must not be longer than SESSION_MAX_LIFETIME/,
    );
  });
});
