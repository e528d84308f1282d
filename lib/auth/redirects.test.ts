import { describe, expect, it } from "vitest";

import { loginPath, safeCallbackPath } from "@/lib/auth/redirects";

const APP = "http://localhost:3000";

describe("safeCallbackPath", () => {
  it.each([
    ["/dashboard", "/dashboard"],
    ["/settings/profile?tab=name#top", "/settings/profile?tab=name#top"],
    ["/", "/"],
  ])("keeps the same-origin path %s", (input, expected) => {
    expect(safeCallbackPath(input)).toBe(expected);
  });

  it("keeps an absolute URL on the app's own origin, reduced to its path", () => {
    expect(safeCallbackPath(`${APP}/settings/profile?x=1`, { appOrigin: APP })).toBe("/settings/profile?x=1");
  });

  const hostile = [
    "//evil.test",
    "/\\evil.test",
    "\\/evil.test",
    "https:evil.test",
    "http:/evil.test",
    "/%2F%2Fevil.test",
    "/%5Cevil.test",
    "/%09/evil.test",
    "/\t/evil.test",
    "https://localhost:3000@evil.test",
    "https://localhost.evil.test",
    "https://evil.test/dashboard",
    "javascript:alert(1)",
    "data:text/html,hi",
    "http://[",
    "",
    "/".padEnd(20_000, "a"),
  ];

  it.each(hostile)("keeps %j on our origin, whatever a browser makes of it", (input) => {
    const result = safeCallbackPath(input, { appOrigin: APP });
    expect(result.startsWith("/")).toBe(true);
    expect(result.startsWith("//")).toBe(false);
    expect(result).not.toContain("\\");
    expect(new URL(result, APP).origin).toBe(APP);
    expect(new URL(result, APP).hostname).toBe("localhost");
  });

  it.each(hostile.filter((input) => input !== "/%09/evil.test"))("replaces %j with the fallback", (input) => {
    expect(safeCallbackPath(input, { appOrigin: APP })).toBe("/dashboard");
  });

  it("refuses an absolute URL when no app origin is given to compare with", () => {
    expect(safeCallbackPath(`${APP}/dashboard`)).toBe("/dashboard");
    expect(safeCallbackPath(`${APP}/settings/profile`)).toBe("/dashboard");
  });

  it("refuses the same origin with credentials in the URL", () => {
    expect(safeCallbackPath("http://user:pw@localhost:3000/settings/profile", { appOrigin: APP })).toBe("/dashboard");
  });

  it.each(["/login", "/login?callbackUrl=/x", "/api/auth/signout", "/api/auth/callback/dev-idp"])(
    "does not send people back into the sign-in machinery (%s)",
    (input) => {
      expect(safeCallbackPath(input)).toBe("/dashboard");
    },
  );

  it("ignores non-string input such as a repeated form field", () => {
    expect(safeCallbackPath(["/a", "/b"])).toBe("/dashboard");
    expect(safeCallbackPath(null)).toBe("/dashboard");
  });

  it("uses the caller's fallback", () => {
    expect(safeCallbackPath("//evil.test", { fallback: "/" })).toBe("/");
  });
});

describe("loginPath", () => {
  it("carries a safe return path and an error code", () => {
    expect(loginPath("/settings/profile?x=1", "session_expired")).toBe(
      "/login?callbackUrl=%2Fsettings%2Fprofile%3Fx%3D1&error=session_expired",
    );
  });

  it("drops an unsafe return path instead of forwarding it", () => {
    expect(loginPath("//evil.test")).toBe("/login");
  });
});
