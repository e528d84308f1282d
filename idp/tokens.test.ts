/**
 * What the Dev IdP hands the app after a sign-in, over real HTTP: the token response, the ID token
 * and userinfo claims (and the avatar they point to), and refresh tokens (offline_access,
 * rotation, revocation).
 */
import { decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";

import { ACCESS_TOKEN_TTL, alice, eve, useDevIdp, type TokenSet } from "@/test/support/dev-idp-fixture";

const dev = useDevIdp();
const { clientPost, endpoint, exchangeCode, refresh, signIn, verifyIdToken } = dev;

describe("tokens and claims", () => {
  it("exchanges the code with client_secret_basic for tokens incl. a refresh token and the configured access token TTL", async () => {
    const cb = await signIn(alice);
    const tokens = await exchangeCode(cb);
    expect(tokens.token_type).toBe("Bearer");
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.id_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.expires_in).toBe(ACCESS_TOKEN_TTL);
    expect(tokens.scope.split(" ").sort()).toEqual(["email", "offline_access", "openid", "profile"]);
  });

  it("the ID token is RS256, verifies against the JWKS (iss, aud, nonce) and carries email, email_verified, name and picture", async () => {
    const cb = await signIn(alice);
    const tokens = await exchangeCode(cb);
    expect(decodeProtectedHeader(tokens.id_token).alg).toBe("RS256");
    const claims = await verifyIdToken(tokens.id_token, cb.auth.nonce);
    expect(claims.sub).toBe(alice.sub);
    expect(claims.sub).not.toContain("@");
    expect(claims.email).toBe("alice@example.com");
    expect(claims.email_verified).toBe(true);
    expect(claims.name).toBe("Alice Example");
    expect(claims.given_name).toBe("Alice");
    expect(claims.family_name).toBe("Example");
    expect(claims.picture).toBe(`${dev.idp.issuer}/avatars/alice.svg`);
  });

  it("userinfo returns sub, email, name and picture for the access token", async () => {
    const tokens = await exchangeCode(await signIn(alice));
    const response = await fetch(endpoint("userinfo_endpoint"), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      sub: alice.sub,
      email: "alice@example.com",
      email_verified: true,
      name: "Alice Example",
      picture: `${dev.idp.issuer}/avatars/alice.svg`,
    });
  });

  it("the user's picture URL serves an SVG avatar from the IdP", async () => {
    const response = await fetch(`${dev.idp.issuer}/avatars/alice.svg`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    const svg = await response.text();
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain(">AE</text>");
  });

  it("eve's ID token and userinfo carry email_verified: false", async () => {
    const cb = await signIn(eve);
    const tokens = await exchangeCode(cb);
    const claims = await verifyIdToken(tokens.id_token, cb.auth.nonce);
    expect(claims.email).toBe("eve@example.com");
    expect(claims.email_verified).toBe(false);
    const info = (await (
      await fetch(endpoint("userinfo_endpoint"), { headers: { authorization: `Bearer ${tokens.access_token}` } })
    ).json()) as Record<string, unknown>;
    expect(info.email_verified).toBe(false);
  });
});

describe("refresh tokens", () => {
  it("refresh works and rotates: the new refresh token differs and reusing the old one fails with invalid_grant", async () => {
    const tokens = await exchangeCode(await signIn(alice));
    const first = await refresh(tokens.refresh_token!);
    expect(first.status).toBe(200);
    const rotated = (await first.json()) as TokenSet;
    expect(rotated.access_token).toBeTruthy();
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);

    const reuse = await refresh(tokens.refresh_token!);
    expect(reuse.status).toBe(400);
    expect(((await reuse.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("a refreshed ID token still verifies and keeps the profile claims", async () => {
    const cb = await signIn(alice);
    const tokens = await exchangeCode(cb);
    const refreshed = (await (await refresh(tokens.refresh_token!)).json()) as TokenSet;
    const claims = await verifyIdToken(refreshed.id_token, cb.auth.nonce);
    expect(claims).toMatchObject({ sub: alice.sub, email: "alice@example.com", name: "Alice Example" });
  });

  it("revoking the refresh token (RFC 7009) makes the next refresh fail with invalid_grant", async () => {
    const tokens = await exchangeCode(await signIn(alice));
    const revoked = await clientPost(endpoint("revocation_endpoint"), {
      token: tokens.refresh_token!,
      token_type_hint: "refresh_token",
    });
    expect(revoked.status).toBe(200);
    const after = await refresh(tokens.refresh_token!);
    expect(after.status).toBe(400);
    expect(((await after.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("offline_access without any prompt parameter also yields a refresh token (treated as prompt=consent)", async () => {
    const cb = await signIn(alice, { prompt: null });
    expect(cb.callback.searchParams.get("code")).toBeTruthy();
    const tokens = await exchangeCode(cb);
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.scope.split(" ")).toContain("offline_access");
  });

  it("without offline_access no refresh token is issued", async () => {
    const tokens = await exchangeCode(await signIn(alice, { scope: "openid email profile", prompt: null }));
    expect(tokens.refresh_token).toBeUndefined();
  });
});
