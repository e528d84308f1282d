import { describe, expect, it } from "vitest";

import { parseDevIdpConfig } from "@/idp/config";
import { DevStackError, devStackEnv } from "./dev-stack";

describe("devStackEnv", () => {
  it("with nothing set: the app on localhost:3000, the Dev IdP on 127.0.0.1:3001 with the app's URIs", () => {
    expect(devStackEnv({})).toEqual({
      PORT: "3000",
      AUTH_URL: "http://localhost:3000",
      DEV_IDP_ISSUER: "http://127.0.0.1:3001",
      DEV_IDP_REDIRECT_URIS: "http://localhost:3000/api/auth/callback/dev-idp",
      DEV_IDP_POST_LOGOUT_REDIRECT_URIS: "http://localhost:3000/,http://localhost:3000/login",
      DEV_IDP_BACKCHANNEL_LOGOUT_URIS: "http://localhost:3000/api/auth/backchannel-logout",
    });
  });

  it("PORT=4000: the Dev IdP registers the redirect, logout and back-channel URIs of port 4000", () => {
    const env = { PORT: "4000" };
    const idp = parseDevIdpConfig({ ...env, ...devStackEnv(env) });
    expect(idp.redirectUris).toEqual(["http://localhost:4000/api/auth/callback/dev-idp"]);
    expect(idp.postLogoutRedirectUris).toEqual(["http://localhost:4000/", "http://localhost:4000/login"]);
    expect(idp.backchannelLogoutUris).toEqual(["http://localhost:4000/api/auth/backchannel-logout"]);
  });

  it("DEV_IDP_PORT alone moves the issuer the app looks for with it", () => {
    const env = { DEV_IDP_PORT: "3005" };
    const added = devStackEnv(env);
    expect(added.DEV_IDP_ISSUER).toBe("http://127.0.0.1:3005");
    expect(parseDevIdpConfig({ ...env, ...added })).toMatchObject({ port: 3005, issuer: "http://127.0.0.1:3005" });
  });

  it("keeps what was set by hand (an AUTH_URL, the Dev IdP's own lists)", () => {
    const added = devStackEnv({ PORT: "4000", AUTH_URL: "http://app.localhost:4000", DEV_IDP_REDIRECT_URIS: "http://x.localhost/cb" });
    expect(added.AUTH_URL).toBe("http://app.localhost:4000");
    expect(added.DEV_IDP_REDIRECT_URIS).toBe("http://x.localhost/cb");
    expect(added.DEV_IDP_POST_LOGOUT_REDIRECT_URIS).toBe("http://app.localhost:4000/,http://app.localhost:4000/login");
  });

  it("refuses a DEV_IDP_PORT that contradicts DEV_IDP_ISSUER, a port clash and a port that is no port, naming the variables", () => {
    expect(() => devStackEnv({ DEV_IDP_PORT: "3005", DEV_IDP_ISSUER: "http://127.0.0.1:3001" })).toThrow(
      /DEV_IDP_PORT \(3005\) and the port of DEV_IDP_ISSUER/,
    );
    expect(() => devStackEnv({ PORT: "3001" })).toThrow(/PORT and the Dev IdP's port are both 3001/);
    expect(() => devStackEnv({ PORT: "http" })).toThrow(DevStackError);
    expect(() => devStackEnv({ AUTH_URL: "no url" })).toThrow(/AUTH_URL must be a URL/);
    expect(() => devStackEnv({ DEV_IDP_ISSUER: "not a url" })).toThrow(/DEV_IDP_ISSUER must be a URL/);
  });
});
