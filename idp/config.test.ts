import { describe, expect, it } from "vitest";

import { DevIdpConfigError, parseDevIdpConfig } from "./config";

describe("parseDevIdpConfig", () => {
  it("uses the local defaults when nothing is set", () => {
    expect(parseDevIdpConfig({})).toEqual({
      port: 3001,
      host: "127.0.0.1",
      issuer: "http://127.0.0.1:3001",
      clientId: "oauth-next-app",
      clientSecret: "dev-idp-client-secret-not-for-production",
      redirectUris: ["http://localhost:3000/api/auth/callback/dev-idp"],
      postLogoutRedirectUris: ["http://localhost:3000/", "http://localhost:3000/login"],
      backchannelLogoutUris: ["http://localhost:3000/api/auth/backchannel-logout"],
      accessTokenTtlSeconds: 3600,
      testApi: false,
      cookieKeys: undefined,
      extraClients: [],
    });
  });

  it("reads every DEV_IDP_* variable, trimming list entries", () => {
    const config = parseDevIdpConfig({
      DEV_IDP_PORT: "4100",
      DEV_IDP_ISSUER: "http://localhost:4100/",
      DEV_IDP_CLIENT_ID: "my-app",
      DEV_IDP_CLIENT_SECRET: "s3cret",
      DEV_IDP_REDIRECT_URIS: "http://localhost:3000/api/auth/callback/dev-idp, http://127.0.0.1:3000/api/auth/callback/dev-idp",
      DEV_IDP_POST_LOGOUT_REDIRECT_URIS: "http://localhost:3000/bye",
      DEV_IDP_BACKCHANNEL_LOGOUT_URIS:
        "http://localhost:3000/api/auth/backchannel-logout, http://localhost:3100/api/auth/backchannel-logout",
      DEV_IDP_ACCESS_TOKEN_TTL: "5",
      DEV_IDP_TEST_API: "1",
      DEV_IDP_COOKIE_KEYS: "0123456789abcdef0123, fedcba9876543210fedc",
    });
    expect(config).toMatchObject({
      port: 4100,
      issuer: "http://localhost:4100",
      clientId: "my-app",
      clientSecret: "s3cret",
      redirectUris: ["http://localhost:3000/api/auth/callback/dev-idp", "http://127.0.0.1:3000/api/auth/callback/dev-idp"],
      postLogoutRedirectUris: ["http://localhost:3000/bye"],
      backchannelLogoutUris: ["http://localhost:3000/api/auth/backchannel-logout", "http://localhost:3100/api/auth/backchannel-logout"],
      accessTokenTtlSeconds: 5,
      testApi: true,
      cookieKeys: ["0123456789abcdef0123", "fedcba9876543210fedc"],
    });
  });

  it("turns back-channel logout off with DEV_IDP_BACKCHANNEL_LOGOUT_URIS=off", () => {
    expect(parseDevIdpConfig({ DEV_IDP_BACKCHANNEL_LOGOUT_URIS: "off" }).backchannelLogoutUris).toEqual([]);
    expect(() => parseDevIdpConfig({ DEV_IDP_BACKCHANNEL_LOGOUT_URIS: "ftp://x/logout" })).toThrow(DevIdpConfigError);
  });

  it("derives the issuer from the port, and the port from the issuer, when only one is set", () => {
    expect(parseDevIdpConfig({ DEV_IDP_PORT: "4555" }).issuer).toBe("http://127.0.0.1:4555");
    expect(parseDevIdpConfig({ DEV_IDP_ISSUER: "http://127.0.0.1:4666" }).port).toBe(4666);
  });

  it("treats blank values as unset", () => {
    expect(parseDevIdpConfig({ DEV_IDP_PORT: " ", DEV_IDP_CLIENT_ID: "", DEV_IDP_TEST_API: "" })).toMatchObject({
      port: 3001,
      clientId: "oauth-next-app",
      testApi: false,
    });
  });

  it("enables the test API only for exactly DEV_IDP_TEST_API=1", () => {
    expect(parseDevIdpConfig({ DEV_IDP_TEST_API: "1" }).testApi).toBe(true);
    expect(parseDevIdpConfig({ DEV_IDP_TEST_API: "0" }).testApi).toBe(false);
    expect(() => parseDevIdpConfig({ DEV_IDP_TEST_API: "true" })).toThrow(/DEV_IDP_TEST_API must be "1"/);
  });

  it.each([
    [{ DEV_IDP_PORT: "abc" }, /DEV_IDP_PORT must be a port number between 1 and 65535, got "abc"/],
    [{ DEV_IDP_PORT: "70000" }, /DEV_IDP_PORT must be a port number/],
    [{ DEV_IDP_PORT: "0" }, /DEV_IDP_PORT must be a port number/],
    [{ DEV_IDP_ISSUER: "127.0.0.1:3001" }, /DEV_IDP_ISSUER must (be an absolute URL|use http or https)/],
    [{ DEV_IDP_ISSUER: "ftp://127.0.0.1:3001" }, /DEV_IDP_ISSUER must use http or https/],
    [{ DEV_IDP_ISSUER: "http://127.0.0.1:3001/idp" }, /DEV_IDP_ISSUER must be an origin without path/],
    [{ DEV_IDP_ISSUER: "http://127.0.0.1:3001/?x=1" }, /DEV_IDP_ISSUER must be an origin without path/],
    [{ DEV_IDP_REDIRECT_URIS: "http://localhost:3000/cb,," }, /DEV_IDP_REDIRECT_URIS must be a comma-separated list/],
    [{ DEV_IDP_REDIRECT_URIS: "not a url" }, /DEV_IDP_REDIRECT_URIS contains an invalid URL: "not a url"/],
    [{ DEV_IDP_REDIRECT_URIS: "http://localhost:3000/cb#frag" }, /must not contain a fragment/],
    [{ DEV_IDP_POST_LOGOUT_REDIRECT_URIS: "javascript:alert(1)" }, /DEV_IDP_POST_LOGOUT_REDIRECT_URIS entries must use http or https/],
    [{ DEV_IDP_ACCESS_TOKEN_TTL: "0" }, /DEV_IDP_ACCESS_TOKEN_TTL must be a whole number of seconds >= 1, got "0"/],
    [{ DEV_IDP_ACCESS_TOKEN_TTL: "1.5" }, /DEV_IDP_ACCESS_TOKEN_TTL must be a whole number/],
    [{ DEV_IDP_COOKIE_KEYS: "short" }, /DEV_IDP_COOKIE_KEYS must be .* at least 16 characters/],
  ])("rejects %o with a clear message", (env, message) => {
    expect(() => parseDevIdpConfig(env)).toThrow(DevIdpConfigError);
    expect(() => parseDevIdpConfig(env)).toThrow(message);
  });
});

describe("a second client (DEV_IDP_EXTRA_CLIENT_*)", () => {
  it("is registered from its id, secret and redirect URIs", () => {
    const config = parseDevIdpConfig({
      DEV_IDP_EXTRA_CLIENT_ID: "second-app",
      DEV_IDP_EXTRA_CLIENT_SECRET: "second-secret",
      DEV_IDP_EXTRA_CLIENT_REDIRECT_URIS: "http://localhost:3000/api/auth/callback/oidc, http://localhost:3100/api/auth/callback/oidc",
    });
    expect(config.extraClients).toEqual([
      {
        clientId: "second-app",
        clientSecret: "second-secret",
        redirectUris: ["http://localhost:3000/api/auth/callback/oidc", "http://localhost:3100/api/auth/callback/oidc"],
      },
    ]);
  });

  it("is absent by default", () => {
    expect(parseDevIdpConfig({}).extraClients).toEqual([]);
  });

  it("needs all three variables, and an id of its own", () => {
    expect(() => parseDevIdpConfig({ DEV_IDP_EXTRA_CLIENT_ID: "second-app" })).toThrow(/must be set together/);
    expect(() =>
      parseDevIdpConfig({
        DEV_IDP_EXTRA_CLIENT_ID: "oauth-next-app",
        DEV_IDP_EXTRA_CLIENT_SECRET: "s",
        DEV_IDP_EXTRA_CLIENT_REDIRECT_URIS: "http://localhost:3000/cb",
      }),
    ).toThrow(/must differ from the main client id/);
  });
});
