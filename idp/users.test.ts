import { describe, expect, it } from "vitest";

import { DEV_USERS, constantTimeEquals, userClaims, verifyCredentials } from "./users";

describe("test users", () => {
  it("accepts each user's own password (email case-insensitive) and rejects every other combination", () => {
    for (const user of DEV_USERS) {
      expect(verifyCredentials(user.email, user.password)?.sub).toBe(user.sub);
      expect(verifyCredentials(` ${user.email.toUpperCase()} `, user.password)?.sub).toBe(user.sub);
      for (const other of DEV_USERS) {
        if (other !== user) expect(verifyCredentials(user.email, other.password)).toBeUndefined();
      }
      expect(verifyCredentials(user.email, `${user.password} `)).toBeUndefined();
      expect(verifyCredentials(user.email, "")).toBeUndefined();
    }
    expect(verifyCredentials("mallory@example.com", "alice-password")).toBeUndefined();
  });

  it("have stable opaque subs that are not emails, and unique", () => {
    const subs = DEV_USERS.map((u) => u.sub);
    expect(new Set(subs).size).toBe(subs.length);
    for (const user of DEV_USERS) expect(user.sub).toMatch(/^dev-[a-z]+-[0-9a-f]{8}$/);
    expect(DEV_USERS.find((u) => u.email === "alice@example.com")?.sub).toBe("dev-alice-5f0c2a91");
  });

  it("only eve has an unverified email", () => {
    expect(DEV_USERS.filter((u) => !u.emailVerified).map((u) => u.email)).toEqual(["eve@example.com"]);
  });

  it("serve pictures from the issuer", () => {
    const alice = DEV_USERS[0]!;
    expect(userClaims("http://127.0.0.1:3001", alice).picture).toBe("http://127.0.0.1:3001/avatars/alice.svg");
  });

  it("constantTimeEquals compares content, including different lengths", () => {
    expect(constantTimeEquals("abc", "abc")).toBe(true);
    expect(constantTimeEquals("abc", "abd")).toBe(false);
    expect(constantTimeEquals("abc", "abcd")).toBe(false);
    expect(constantTimeEquals("", "")).toBe(true);
  });
});
