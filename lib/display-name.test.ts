import { describe, expect, it } from "vitest";

import { parseDisplayName } from "@/lib/display-name";

describe("parseDisplayName", () => {
  it("trims and accepts a normal name", () => {
    expect(parseDisplayName("  Alice B.  ")).toEqual({ ok: true, value: "Alice B." });
  });

  it("accepts exactly 80 characters, counting emoji as one", () => {
    expect(parseDisplayName("a".repeat(80))).toEqual({ ok: true, value: "a".repeat(80) });
    expect(parseDisplayName("😀".repeat(80)).ok).toBe(true);
  });

  it.each([
    ["an empty name", ""],
    ["only spaces", "   "],
    ["81 characters", "a".repeat(81)],
    ["a newline", "Alice\nAdmin"],
    ["a null byte", "Alice\u0000"],
    ["a non-string (a file or missing field)", null],
  ])("refuses %s", (_label, input) => {
    expect(parseDisplayName(input).ok).toBe(false);
  });
});
