import { UnsecuredJWT } from "jose";
import { beforeEach, describe, expect, it } from "vitest";

import { clientSecretBasic, createProviderClient, type ProviderClientConfig } from "@/lib/providers/client";
import { github } from "@/lib/providers/definitions/github";
import { google } from "@/lib/providers/definitions/google";
import { forgetDiscovery } from "@/lib/providers/discovery";
import { profileFromOidcClaims } from "@/lib/providers/profile";
import { AccessTokenRejectedError, InvalidGrantError, ProviderUnavailableError } from "@/lib/providers/errors";

/**
 * The provider client against a stubbed HTTP edge (a fetch that records requests and answers from
 * a script). The same client against the real Dev IdP is covered by provider-token-refresh.test.ts.
 */

const ISSUER = "https://login.example.com";
const OIDC: ProviderClientConfig = {
  id: "oidc",
  name: "Example",
  clientId: "client-1",
  clientSecret: "s3cret",
  issuer: ISSUER,
  profile: (claims) => profileFromOidcClaims(claims),
};
/** Google and GitHub as their definitions describe them (fixed endpoints; GitHub's own userinfo). */
const GOOGLE: ProviderClientConfig = { ...OIDC, id: "google", issuer: undefined, endpoints: google.endpoints };
const GITHUB: ProviderClientConfig = { ...OIDC, id: "github", issuer: undefined, endpoints: github.endpoints, userinfo: github.userinfo };
const DISCOVERY = {
  issuer: ISSUER,
  token_endpoint: `${ISSUER}/token`,
  userinfo_endpoint: `${ISSUER}/userinfo`,
  revocation_endpoint: `${ISSUER}/revoke`,
  end_session_endpoint: `${ISSUER}/logout`,
};

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

function stubFetch(answer: (url: string, seen: Seen) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetchStub = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const request: Seen = { url, method: init?.method ?? "GET", headers: new Headers(init?.headers), body: String(init?.body ?? "") };
    seen.push(request);
    return answer(url, request);
  }) as typeof fetch;
  return { fetchStub, seen };
}

const json = (body: unknown, status = 200) => Response.json(body, { status });

function oidcProvider(token: (seen: Seen) => Response | Promise<Response>) {
  return stubFetch((url, seen) => (url.endsWith("/.well-known/openid-configuration") ? json(DISCOVERY) : token(seen)));
}

beforeEach(() => {
  // Discovery documents are cached per process (lib/providers/discovery.ts); each test scripts its own.
  forgetDiscovery();
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error,
  );
}

describe("refresh", () => {
  it("POSTs grant_type=refresh_token with client_secret_basic to the discovered endpoint (discovery cached)", async () => {
    const { fetchStub, seen } = oidcProvider(() =>
      json({ access_token: "at-2", refresh_token: "rt-2", expires_in: 300, token_type: "Bearer" }),
    );
    const client = createProviderClient(OIDC, fetchStub);
    const before = Math.floor(Date.now() / 1000);
    const tokens = await client.refresh("rt-1", "sub-1");
    await client.refresh("rt-2", "sub-1");

    expect(seen.map((s) => s.url)).toEqual([`${ISSUER}/.well-known/openid-configuration`, `${ISSUER}/token`, `${ISSUER}/token`]);
    const post = seen[1]!;
    expect(post.method).toBe("POST");
    expect(post.headers.get("authorization")).toBe(clientSecretBasic("client-1", "s3cret"));
    expect(Object.fromEntries(new URLSearchParams(post.body))).toEqual({ grant_type: "refresh_token", refresh_token: "rt-1" });
    expect(tokens).toMatchObject({ accessToken: "at-2", refreshToken: "rt-2", idToken: null, tokenType: "Bearer" });
    expect(tokens.expiresAt).toBeGreaterThanOrEqual(before + 300);
  });

  it("keeps the refresh token when the provider does not rotate (no refresh_token in the answer)", async () => {
    const { fetchStub } = oidcProvider(() => json({ access_token: "at-2", expires_in: 300 }));
    expect((await createProviderClient(OIDC, fetchStub).refresh("rt-1", "sub-1")).refreshToken).toBeNull();
  });

  it("invalid_grant (and GitHub's 200 bad_refresh_token) means the grant is gone", async () => {
    const { fetchStub } = oidcProvider(() => json({ error: "invalid_grant", error_description: "grant request is invalid" }, 400));
    expect(await failure(createProviderClient(OIDC, fetchStub).refresh("rt-1", "sub-1"))).toBeInstanceOf(InvalidGrantError);

    const github = stubFetch(() => json({ error: "bad_refresh_token" }));
    const client = createProviderClient(GITHUB, github.fetchStub);
    expect(await failure(client.refresh("ghr-1", "42"))).toBeInstanceOf(InvalidGrantError);
    expect(github.seen[0]!.url).toBe("https://github.com/login/oauth/access_token");
  });

  it.each([
    ["a 503", () => new Response("down", { status: 503 })],
    ["a 429", () => new Response("slow down", { status: 429 })],
    ["HTML instead of JSON", () => new Response("<html>", { status: 200 })],
    ["another OAuth error (a configuration problem, not the person's grant)", () => json({ error: "invalid_client" }, 401)],
    ["no access_token", () => json({ token_type: "Bearer" })],
    ["a refused connection", () => Promise.reject(new TypeError("fetch failed"))],
    ["a timeout", () => Promise.reject(new DOMException("The operation was aborted due to timeout", "TimeoutError"))],
  ])("%s is the provider being unavailable, never a reason to drop the grant", async (_label, answer) => {
    const { fetchStub } = oidcProvider(answer);
    expect(await failure(createProviderClient(OIDC, fetchStub).refresh("rt-1", "sub-1"))).toBeInstanceOf(ProviderUnavailableError);
  });

  it("refuses a new ID token about someone else (OIDC Core §12.2)", async () => {
    const idToken = new UnsecuredJWT({ sub: "someone-else" }).encode();
    const { fetchStub } = oidcProvider(() => json({ access_token: "at-2", id_token: idToken, expires_in: 300 }));
    expect(await failure(createProviderClient(OIDC, fetchStub).refresh("rt-1", "sub-1"))).toBeInstanceOf(ProviderUnavailableError);
  });

  it("keeps a new ID token about the same person from the same issuer", async () => {
    const idToken = new UnsecuredJWT({ sub: "sub-1", iss: ISSUER }).encode();
    const { fetchStub } = oidcProvider(() => json({ access_token: "at-2", id_token: idToken, expires_in: 300 }));
    expect((await createProviderClient(OIDC, fetchStub).refresh("rt-1", "sub-1")).idToken).toBe(idToken);
  });

  it("refuses a new ID token from another issuer, even one spelled like ours with a slash (OIDC Core §12.2)", async () => {
    for (const iss of [`${ISSUER}/`, "https://evil.example", undefined]) {
      forgetDiscovery();
      const idToken = new UnsecuredJWT({ sub: "sub-1", ...(iss ? { iss } : {}) }).encode();
      const { fetchStub } = oidcProvider(() => json({ access_token: "at-2", id_token: idToken, expires_in: 300 }));
      expect(await failure(createProviderClient(OIDC, fetchStub).refresh("rt-1", "sub-1"))).toBeInstanceOf(ProviderUnavailableError);
    }
  });

  it("works with an issuer published with a trailing slash and configured without (Auth0)", async () => {
    const published = `${ISSUER}/`;
    const idToken = new UnsecuredJWT({ sub: "sub-1", iss: published }).encode();
    const { fetchStub, seen } = stubFetch((url) =>
      url.endsWith("/.well-known/openid-configuration")
        ? json({ ...DISCOVERY, issuer: published })
        : json({ access_token: "at-2", id_token: idToken }),
    );
    const client = createProviderClient(OIDC, fetchStub);
    expect((await client.refresh("rt-1", "sub-1")).idToken).toBe(idToken);
    expect((await client.endpoints()).issuer).toBe(published);
    expect(seen[0]!.url).toBe(`${ISSUER}/.well-known/openid-configuration`);
  });
});

describe("discovery", () => {
  it("refuses a document for another issuer (its endpoints would get our secret and the tokens)", async () => {
    const { fetchStub, seen } = stubFetch(() => json({ ...DISCOVERY, issuer: "https://evil.example" }));
    expect(await failure(createProviderClient(OIDC, fetchStub).refresh("rt-1", "sub-1"))).toBeInstanceOf(ProviderUnavailableError);
    expect(seen.some((s) => s.url.startsWith("https://evil.example") || s.method === "POST")).toBe(false);
  });

  it("does not remember a failed discovery", async () => {
    let up = false;
    const { fetchStub } = stubFetch((url) => {
      if (!up) return new Response("down", { status: 503 });
      return url.endsWith("/openid-configuration") ? json(DISCOVERY) : json({ access_token: "at-2" });
    });
    const client = createProviderClient(OIDC, fetchStub);
    expect(await failure(client.refresh("rt-1", "sub-1"))).toBeInstanceOf(ProviderUnavailableError);
    up = true;
    expect((await client.refresh("rt-1", "sub-1")).accessToken).toBe("at-2");
  });

  it("Google's endpoints are known: no discovery request", async () => {
    const { fetchStub, seen } = stubFetch(() => json({ access_token: "ya29.x", expires_in: 3599 }));
    await createProviderClient(GOOGLE, fetchStub).refresh("1//rt", "1234");
    expect(seen.map((s) => s.url)).toEqual(["https://oauth2.googleapis.com/token"]);
  });
});

describe("userinfo, revocation and end-session", () => {
  it("userinfo sends the access token as a Bearer token; a 401 is the token being refused", async () => {
    const { fetchStub, seen } = oidcProvider((s) =>
      s.headers.get("authorization") === "Bearer good" ? json({ sub: "sub-1", name: "Ada" }) : json({ error: "invalid_token" }, 401),
    );
    const client = createProviderClient(OIDC, fetchStub);
    expect(await client.userinfo("good")).toEqual({ sub: "sub-1", name: "Ada" });
    expect(await failure(client.userinfo("revoked"))).toBeInstanceOf(AccessTokenRejectedError);
    expect(seen.filter((s) => s.url === `${ISSUER}/userinfo`)).toHaveLength(2);
  });

  it("revokes with token and token_type_hint (RFC 7009) and client authentication", async () => {
    const { fetchStub, seen } = oidcProvider(() => new Response(null, { status: 200 }));
    expect(await createProviderClient(OIDC, fetchStub).revoke({ accessToken: "at-1", refreshToken: "rt-1" })).toBe("refresh_token");
    const post = seen.at(-1)!;
    expect(post.url).toBe(`${ISSUER}/revoke`);
    expect(post.headers.get("authorization")).toBe(clientSecretBasic("client-1", "s3cret"));
    expect(Object.fromEntries(new URLSearchParams(post.body))).toEqual({ token: "rt-1", token_type_hint: "refresh_token" });
  });

  it("a provider with no way to revoke answers null without a request", async () => {
    const { fetchStub, seen } = stubFetch(() => json({}));
    expect(
      await createProviderClient({ ...GITHUB, revokeGrant: undefined }, fetchStub).revoke({ accessToken: "gho_x", refreshToken: null }),
    ).toBeNull();
    expect(seen).toEqual([]);
  });

  it("builds the RP-initiated logout URL with id_token_hint, post_logout_redirect_uri and client_id", async () => {
    const { fetchStub } = oidcProvider(() => json({}));
    const url = new URL(
      (await createProviderClient(OIDC, fetchStub).endSessionUrl({
        idTokenHint: "id.tok.en",
        postLogoutRedirectUri: "https://app.example/",
      }))!,
    );
    expect(`${url.origin}${url.pathname}`).toBe(`${ISSUER}/logout`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      id_token_hint: "id.tok.en",
      post_logout_redirect_uri: "https://app.example/",
      client_id: "client-1",
    });
    const google = createProviderClient(GOOGLE, fetchStub);
    expect(await google.endSessionUrl({ idTokenHint: null, postLogoutRedirectUri: "https://app.example/" })).toBeNull();
  });
});

describe("clientSecretBasic", () => {
  it("form-urlencodes id and secret before Base64 (RFC 6749 §2.3.1)", () => {
    const decoded = Buffer.from(clientSecretBasic("my-app", "a b:c%").slice("Basic ".length), "base64").toString();
    expect(decoded).toBe("my%2Dapp:a+b%3Ac%25");
  });
});
