import { describe, expect, it } from "vitest";

import {
  DEV_USERS,
  constantTimeEquals,
  findUserByAvatar,
  findUserBySub,
  userClaims,
  verifyCredentials,
  withExtraUsers,
  type DevUser,
} from "./users";

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

describe("extra users", () => {
  const extra = (n: number, overrides: Partial<DevUser> = {}): DevUser => ({
    sub: `load-user-${n}`,
    email: `load-user-${n}@load.example`,
    password: `load-password-${n}`,
    name: `Load User ${n}`,
    givenName: "Load",
    familyName: `User ${n}`,
    emailVerified: true,
    avatar: `load${"abcdefghij"[n]}.svg`,
    color: "#475569",
    ...overrides,
  });

  it("sign in alongside the built-in users, each with their own password only", () => {
    const users = withExtraUsers([extra(1), extra(2)]);
    expect(users.map((u) => u.sub)).toEqual([...DEV_USERS.map((u) => u.sub), "load-user-1", "load-user-2"]);
    expect(verifyCredentials("load-user-2@load.example", "load-password-2", users)?.sub).toBe("load-user-2");
    expect(verifyCredentials("load-user-2@load.example", "load-password-1", users)).toBeUndefined();
    expect(verifyCredentials("alice@example.com", "alice-password", users)?.sub).toBe("dev-alice-5f0c2a91");
    expect(findUserBySub("load-user-1", users)?.email).toBe("load-user-1@load.example");
    expect(findUserByAvatar("loadc.svg", users)?.sub).toBe("load-user-2");
    // Without the list, only the built-in users exist.
    expect(verifyCredentials("load-user-2@load.example", "load-password-2")).toBeUndefined();
    expect(findUserBySub("load-user-1")).toBeUndefined();
  });

  it("no extra users: exactly the built-in list", () => {
    expect(withExtraUsers([])).toBe(DEV_USERS);
  });

  it("refuses a user who would be ambiguous or unreachable", () => {
    expect(() => withExtraUsers([extra(1, { sub: "dev-alice-5f0c2a91" })])).toThrow(/sub/);
    expect(() => withExtraUsers([extra(1), extra(2, { sub: "load-user-1" })])).toThrow(/sub/);
    expect(() => withExtraUsers([extra(1, { email: "alice@example.com" })])).toThrow(/email/);
    expect(() => withExtraUsers([extra(1, { email: "Load@Load.example" })])).toThrow(/email/);
    expect(() => withExtraUsers([extra(1, { avatar: "alice.svg" })])).toThrow(/avatar/);
    expect(() => withExtraUsers([extra(1, { avatar: "load-1.svg" })])).toThrow(/avatar/);
    expect(() => withExtraUsers([extra(1, { password: "" })])).toThrow(/password/);
  });
});
