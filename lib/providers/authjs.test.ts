import { Auth, raw, skipCSRFCheck, type AuthConfig } from "@auth/core";
import { afterEach, describe, expect, it, vi } from "vitest";

import { parseEnv, type AppEnv } from "@/lib/config/env";
import { DISCOVERY_TTL_MS, forgetDiscovery } from "@/lib/providers/discovery";
import { profileClaims, providerFetch } from "@/lib/providers/authjs";
import { authjsProviders } from "@/lib/providers/registry";

const SECRET = "test-secret-that-is-long-enough-for-auth";

function envWith(vars: Record<string, string>): AppEnv {
  const { env, errors } = parseEnv({
    NODE_ENV: "production",
    DATABASE_URL: "postgresql://app@db.example/app",
    AUTH_SECRET: SECRET,
    AUTH_URL: "http://localhost:3000",
    ...vars,
  });
  if (!env) throw new Error(errors.join("\n"));
  return env;
}

// Google's discovery document, as published at https://accounts.google.com/.well-known/openid-configuration
const GOOGLE_DISCOVERY = {
  issuer: "https://accounts.google.com",
  authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth",
  token_endpoint: "https://oauth2.googleapis.com/token",
  userinfo_endpoint: "https://openidconnect.googleapis.com/v1/userinfo",
  revocation_endpoint: "https://oauth2.googleapis.com/revoke",
  jwks_uri: "https://www.googleapis.com/oauth2/v3/certs",
  response_types_supported: ["code", "id_token", "code id_token"],
  subject_types_supported: ["public"],
  id_token_signing_alg_values_supported: ["RS256"],
  code_challenge_methods_supported: ["plain", "S256"],
};

/** Starts a sign-in the way the login button does, with the network cut at the HTTP edge. */
async function startSignIn(env: AppEnv, providerId: string) {
  const requested: string[] = [];
  vi.stubGlobal("fetch", async (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    requested.push(url);
    if (url === "https://accounts.google.com/.well-known/openid-configuration") {
      return Response.json(GOOGLE_DISCOVERY);
    }
    throw new TypeError("fetch failed: no network in unit tests");
  });
  const config: AuthConfig = {
    secret: SECRET,
    trustHost: true,
    basePath: "/api/auth",
    providers: authjsProviders(env),
    raw,
    skipCSRFCheck,
  };
  const request = new Request(`http://localhost:3000/api/auth/signin/${providerId}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ callbackUrl: "/dashboard" }),
  });
  const result = (await Auth(request, config)) as unknown as {
    redirect: string;
    cookies: { name: string; options: Record<string, unknown> }[];
  };
  return { url: new URL(result.redirect), cookies: result.cookies, requested };
}

afterEach(() => {
  vi.unstubAllGlobals();
  forgetDiscovery();
});

describe("Google authorization request (offline)", () => {
  const GOOGLE = { AUTH_GOOGLE_ID: "google-client-id.apps.googleusercontent.com", AUTH_GOOGLE_SECRET: "google-secret" };
  const env = envWith(GOOGLE);

  it("goes to Google's authorization endpoint with our client id, redirect URI and scopes", async () => {
    const { url } = await startSignIn(env, "google");
    expect(url.origin + url.pathname).toBe("https://accounts.google.com/o/oauth2/v2/auth");
    expect(url.searchParams.get("client_id")).toBe("google-client-id.apps.googleusercontent.com");
    expect(url.searchParams.get("redirect_uri")).toBe("http://localhost:3000/api/auth/callback/google");
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(url.searchParams.get("scope")?.split(" ").sort()).toEqual(["email", "openid", "profile"]);
  });

  it("asks for offline access with a consent prompt, so Google issues a refresh token", async () => {
    const { url } = await startSignIn(env, "google");
    expect(url.searchParams.get("access_type")).toBe("offline");
    expect(url.searchParams.get("prompt")).toBe("consent");
  });

  it("binds the request with PKCE S256, state and nonce, each kept in an HttpOnly cookie", async () => {
    const { url, cookies } = await startSignIn(env, "google");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("state")).toBeTruthy();
    expect(url.searchParams.get("nonce")).toBeTruthy();
    const names = cookies.map((c) => c.name).sort();
    expect(names).toEqual(["authjs.callback-url", "authjs.nonce", "authjs.pkce.code_verifier", "authjs.state"]);
    for (const cookie of cookies) expect(cookie.options.httpOnly).toBe(true);
  });

  it("uses fresh PKCE, state and nonce values for every sign-in", async () => {
    const first = (await startSignIn(env, "google")).url.searchParams;
    const second = (await startSignIn(env, "google")).url.searchParams;
    for (const param of ["code_challenge", "state", "nonce"]) {
      expect(first.get(param)).not.toBe(second.get(param));
    }
  });

  it("sends AUTH_GOOGLE_HOSTED_DOMAIN as the hd hint only when it is set", async () => {
    expect((await startSignIn(env, "google")).url.searchParams.has("hd")).toBe(false);
    const workspace = envWith({ ...GOOGLE, AUTH_GOOGLE_HOSTED_DOMAIN: "example.com" });
    expect((await startSignIn(workspace, "google")).url.searchParams.get("hd")).toBe("example.com");
  });

  it("talks to nothing but Google's discovery document before the redirect", async () => {
    const { requested } = await startSignIn(env, "google");
    expect(requested).toEqual(["https://accounts.google.com/.well-known/openid-configuration"]);
  });
});

describe("GitHub authorization request (offline)", () => {
  it("goes to GitHub with PKCE and state and asks to read the profile and email", async () => {
    const env = envWith({ AUTH_GITHUB_ID: "gh-client", AUTH_GITHUB_SECRET: "gh-secret" });
    const { url, requested } = await startSignIn(env, "github");
    expect(url.origin + url.pathname).toBe("https://github.com/login/oauth/authorize");
    expect(url.searchParams.get("client_id")).toBe("gh-client");
    expect(url.searchParams.get("redirect_uri")).toBe("http://localhost:3000/api/auth/callback/github");
    expect(url.searchParams.get("scope")).toBe("read:user user:email");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("state")).toBeTruthy();
    expect(requested).toEqual([]);
  });

  it("asks for read:org only when AUTH_GITHUB_ALLOWED_ORGS needs membership checked", async () => {
    const env = envWith({ AUTH_GITHUB_ID: "gh-client", AUTH_GITHUB_SECRET: "gh-secret", AUTH_GITHUB_ALLOWED_ORGS: "acme-corp" });
    const { url } = await startSignIn(env, "github");
    expect(url.searchParams.get("scope")).toBe("read:user user:email read:org");
  });
});

describe("the provider's discovery document", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  function countingNetwork(status = 200) {
    const calls: string[] = [];
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      calls.push(`${init?.method ?? "GET"} ${url}`);
      if (url.endsWith("/.well-known/openid-configuration")) {
        return status === 200 ? Response.json(GOOGLE_DISCOVERY) : new Response("down", { status });
      }
      return Response.json({ access_token: "at" });
    });
    return calls;
  }

  const DISCOVERY = "https://accounts.google.com/.well-known/openid-configuration";

  it("is fetched once and reused by later sign-ins until it is ten minutes old", async () => {
    const calls = countingNetwork();
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const fetchFor = providerFetch("https://accounts.google.com");
      for (let i = 0; i < 3; i++) {
        const response = await fetchFor(DISCOVERY, { method: "GET" });
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toMatch(/application\/json/);
        expect(await response.json()).toEqual(GOOGLE_DISCOVERY);
      }
      expect(calls).toEqual([`GET ${DISCOVERY}`]);
      vi.setSystemTime(Date.now() + DISCOVERY_TTL_MS);
      await fetchFor(DISCOVERY, { method: "GET" });
      expect(calls).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("is not kept when the provider fails to serve it, and nothing else is ever kept", async () => {
    const calls = countingNetwork(503);
    const fetchFor = providerFetch("https://accounts.google.com");
    await expect(fetchFor(DISCOVERY)).rejects.toMatchObject({ name: "ProviderUnavailableError" });
    await expect(fetchFor(DISCOVERY)).rejects.toMatchObject({ name: "ProviderUnavailableError" });
    await fetchFor("https://oauth2.googleapis.com/token", { method: "POST", body: "grant_type=authorization_code" });
    await fetchFor("https://oauth2.googleapis.com/token", { method: "POST", body: "grant_type=authorization_code" });
    expect(calls).toEqual([
      `GET ${DISCOVERY}`,
      `GET ${DISCOVERY}`,
      "POST https://oauth2.googleapis.com/token",
      "POST https://oauth2.googleapis.com/token",
    ]);
  });

  it("is refused before Auth.js sees it when it names another issuer", async () => {
    vi.stubGlobal("fetch", async () => Response.json({ ...GOOGLE_DISCOVERY, issuer: "https://accounts.example.com" }));
    await expect(providerFetch("https://accounts.google.com")(DISCOVERY)).rejects.toMatchObject({ name: "DiscoveryError" });
  });

  it("in production, is refused when it sends us to an endpoint over plain http", async () => {
    vi.stubGlobal("fetch", async () => Response.json({ ...GOOGLE_DISCOVERY, token_endpoint: "http://oauth2.googleapis.com/token" }));
    await expect(providerFetch("https://accounts.google.com", { requireHttps: true })(DISCOVERY)).rejects.toThrow(
      /token_endpoint is plain http/,
    );
  });
});

describe("where a person's profile is read from at sign-in", () => {
  const ID_TOKEN = {
    iss: "https://sso.acme.example",
    sub: "acme-ada",
    aud: "app",
    email: "ada@acme.example",
    email_verified: true,
    name: "Ada",
  };
  const noUserinfo = async (): Promise<Record<string, unknown>> => {
    throw new Error("userinfo must not be called");
  };

  it("is the ID token when it carries an address and a name: no userinfo request", async () => {
    expect(await profileClaims(ID_TOKEN, "at", noUserinfo)).toBe(ID_TOKEN);
    const { name: _name, ...unnamed } = ID_TOKEN;
    expect(await profileClaims({ ...unnamed, given_name: "Ada" }, "at", noUserinfo)).toMatchObject({ given_name: "Ada" });
  });

  it("is the userinfo endpoint's answer when the ID token carries no address, no email_verified or no name", async () => {
    const { email: _email, ...noAddress } = ID_TOKEN;
    const { email_verified: _verified, ...unverified } = ID_TOKEN;
    const { name: _name, ...noName } = ID_TOKEN;
    const asked: string[] = [];
    const userinfo = async (accessToken: string) => {
      asked.push(accessToken);
      return { sub: "acme-ada", email: "ada@acme.example", email_verified: true, name: "Ada from userinfo" };
    };
    expect(await profileClaims(noAddress, "at-1", userinfo)).toMatchObject({ name: "Ada from userinfo" });
    expect(await profileClaims(unverified, "at-2", userinfo)).toMatchObject({ email_verified: true });
    expect(await profileClaims(noName, "at-3", userinfo)).toMatchObject({ name: "Ada from userinfo" });
    expect(asked).toEqual(["at-1", "at-2", "at-3"]);
  });

  it("refuses a userinfo answer about another subject than the ID token's (OIDC Core 5.3.2)", async () => {
    const { email: _email, ...noAddress } = ID_TOKEN;
    await expect(
      profileClaims(noAddress, "at", async () => ({ sub: "acme-mallory", email: "mallory@acme.example" })),
    ).rejects.toMatchObject({
      name: "ProfileError",
    });
    await expect(profileClaims(noAddress, "at", async () => ({ email: "ada@acme.example" }))).rejects.toMatchObject({
      name: "ProfileError",
    });
  });

  it("asks the generic OIDC provider's discovered userinfo endpoint with the access token, and maps its answer", async () => {
    const env = envWith({ AUTH_OIDC_ISSUER: "https://sso.acme.example", AUTH_OIDC_ID: "app", AUTH_OIDC_SECRET: "secret" });
    const requests: string[] = [];
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      requests.push(`${url} ${new Headers(init?.headers).get("authorization")}`);
      if (url === "https://sso.acme.example/.well-known/openid-configuration")
        return Response.json({ ...GOOGLE_DISCOVERY, issuer: "https://sso.acme.example", userinfo_endpoint: "https://sso.acme.example/me" });
      if (url === "https://sso.acme.example/me")
        return Response.json({ sub: "acme-ada", email: "Ada@Acme.example", email_verified: true, name: "Ada" });
      throw new TypeError("fetch failed: no network in unit tests");
    });
    const provider = authjsProviders(env).find((p) => (p as { id?: string }).id === "oidc") as unknown as {
      idToken: boolean;
      profile: (claims: Record<string, unknown>, tokens: { access_token?: string }) => Promise<unknown>;
    };
    expect(provider.idToken).toBe(true);
    expect(await provider.profile({ sub: "acme-ada", name: "Ada" }, { access_token: "at-1" })).toEqual({
      id: "acme-ada",
      name: "Ada",
      email: "ada@acme.example",
      image: null,
    });
    expect(requests).toEqual(["https://sso.acme.example/.well-known/openid-configuration null", "https://sso.acme.example/me Bearer at-1"]);
  });
});
