import { describe, expect, it } from "vitest";

import { hasSessionCookie, sessionCookieDeletions, sessionEndedPath } from "@/lib/session/cookie";

describe("session cookies", () => {
  it("recognises Auth.js's session cookie under both names and in chunks, nothing else", () => {
    expect(hasSessionCookie(["authjs.session-token"])).toBe(true);
    expect(hasSessionCookie(["__Secure-authjs.session-token.1"])).toBe(true);
    expect(hasSessionCookie(["authjs.csrf-token", "link-intent", "xauthjs.session-token"])).toBe(false);
  });

  it("deletes every session cookie (and chunk) that came along, with the attributes it was set with", () => {
    const deletions = sessionCookieDeletions([
      "authjs.session-token.0",
      "authjs.session-token.1",
      "__Secure-authjs.session-token",
      "authjs.csrf-token",
    ]);
    expect(deletions.map((d) => d.split("=")[0])).toEqual([
      "authjs.session-token.0",
      "authjs.session-token.1",
      "__Secure-authjs.session-token",
    ]);
    for (const deletion of deletions) expect(deletion).toMatch(/; Path=\/; Max-Age=0;.*HttpOnly; SameSite=Lax/);
    expect(deletions[2]).toMatch(/; Secure$/);
    expect(deletions[0]).not.toMatch(/Secure/);
  });

  it("sends a dead session's browser by the route that deletes it, keeping only a safe way back", () => {
    expect(sessionEndedPath("/settings/sessions?x=1")).toBe("/api/auth/session-ended?callbackUrl=%2Fsettings%2Fsessions%3Fx%3D1");
    expect(sessionEndedPath("//evil.example/")).toBe("/api/auth/session-ended");
    expect(sessionEndedPath()).toBe("/api/auth/session-ended");
  });
});
