import { describe, expect, it } from "vitest";

import { ProfileError, profileFromGitHubUser, profileFromOidcClaims } from "@/lib/providers/profile";

describe("profileFromOidcClaims", () => {
  it("maps the standard claims to the stored profile", () => {
    expect(
      profileFromOidcClaims({
        sub: "dev-alice",
        name: "Alice Example",
        email: "Alice@Example.com",
        email_verified: true,
        picture: "http://127.0.0.1:3001/avatars/alice.svg",
      }),
    ).toEqual({
      id: "dev-alice",
      name: "Alice Example",
      email: "alice@example.com",
      image: "http://127.0.0.1:3001/avatars/alice.svg",
    });
  });

  it("builds a name from given and family names when `name` is absent", () => {
    expect(profileFromOidcClaims({ sub: "1", given_name: "Ada", family_name: "Lovelace" }).name).toBe("Ada Lovelace");
    expect(profileFromOidcClaims({ sub: "1", preferred_username: "ada" }).name).toBe("ada");
  });

  it("does not store an address the provider says is unverified", () => {
    expect(profileFromOidcClaims({ sub: "eve", email: "eve@example.com", email_verified: false }).email).toBeNull();
  });

  it('keeps only an address the provider says it verified: true or the string "true"', () => {
    const email = (email_verified: unknown) => profileFromOidcClaims({ sub: "x", email: "x@example.com", email_verified }).email;
    expect(email(true)).toBe("x@example.com");
    expect(email("true")).toBe("x@example.com");
    for (const no of [false, "false", "FALSE", "yes", 1, 0, null, {}, ""]) expect(email(no)).toBeNull();
  });

  it("does not keep an address the provider does not vouch for, unless the operator trusts it", () => {
    expect(profileFromOidcClaims({ sub: "x", email: "x@example.com" }).email).toBeNull();
    expect(profileFromOidcClaims({ sub: "x", email: "x@example.com" }, { trustEmail: true }).email).toBe("x@example.com");
    expect(profileFromOidcClaims({ sub: "x", email: "x@example.com", email_verified: "false" }, { trustEmail: true }).email).toBeNull();
    expect(profileFromOidcClaims({ sub: "x", email: "x@example.com", email_verified: false }, { trustEmail: true }).email).toBeNull();
  });

  it("drops a picture that is not an http(s) URL", () => {
    expect(profileFromOidcClaims({ sub: "1", picture: "javascript:alert(1)" }).image).toBeNull();
    expect(profileFromOidcClaims({ sub: "1", picture: "data:image/svg+xml,<svg/>" }).image).toBeNull();
    expect(profileFromOidcClaims({ sub: "1", picture: 42 }).image).toBeNull();
  });

  it("bounds and flattens the name", () => {
    const name = profileFromOidcClaims({ sub: "1", name: `  ${"x".repeat(200)}\n\tline  ` }).name!;
    expect(name.length).toBe(80);
    expect(name).not.toMatch(/[\n\t]/);
  });

  it("refuses something that is not an email address", () => {
    expect(profileFromOidcClaims({ sub: "1", email: "not an email" }).email).toBeNull();
    expect(profileFromOidcClaims({ sub: "1", email: `${"a".repeat(250)}@example.com` }).email).toBeNull();
  });

  it("fails when there is no subject to link the account to", () => {
    expect(() => profileFromOidcClaims({ email: "a@example.com" })).toThrow(ProfileError);
    expect(() => profileFromOidcClaims({ sub: "" })).toThrow(ProfileError);
  });
});

describe("profileFromGitHubUser", () => {
  it("uses the numeric id as subject and the login when there is no name", () => {
    expect(
      profileFromGitHubUser({
        id: 583231,
        login: "octocat",
        name: null,
        email: "Octo@GitHub.com",
        avatar_url: "https://avatars.githubusercontent.com/u/583231",
      }),
    ).toEqual({
      id: "583231",
      name: "octocat",
      email: "octo@github.com",
      image: "https://avatars.githubusercontent.com/u/583231",
    });
  });
});
