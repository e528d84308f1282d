import { describe, expect, it } from "vitest";

import { classifyPath } from "@/lib/security/route-access";

describe("classifyPath", () => {
  it.each([
    "/",
    "/login",
    "/api/health",
    "/api/auth/session",
    "/api/auth/callback/dev-idp",
    "/api/auth/backchannel-logout",
    "/.well-known/jwks.json",
  ])("lets %s through", (p) => {
    expect(classifyPath(p)).toBe("public");
  });

  it.each(["/api/me", "/api/token", "/api", "/api/health/x", "/api/authx", "/api/auth"])("answers %s with 401 JSON", (p) => {
    expect(classifyPath(p)).toBe("api");
  });

  it.each([
    "/dashboard",
    "/settings/profile",
    "/settings/sessions",
    "/.well-known/other",
    "/Dashboard",
    "/%64ashboard",
    "/dashboard;x",
    "/login/x",
    "/no-such-page",
  ])("sends %s to the login page (protected unless listed)", (p) => {
    expect(classifyPath(p)).toBe("page");
  });
});
