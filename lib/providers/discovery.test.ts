import { afterEach, describe, expect, it, vi } from "vitest";

import {
  checkMetadata,
  discover,
  discoveryUrl,
  expectedTokenIssuer,
  forgetDiscovery,
  issuerMatches,
  knownPublishedIssuer,
} from "@/lib/providers/discovery";

afterEach(() => forgetDiscovery());

describe("issuerMatches (OIDC Discovery §4.3, give or take the trailing slash)", () => {
  it("accepts the published issuer with or without the single trailing slash the configuration lacks or adds", () => {
    expect(issuerMatches("https://tenant.auth0.com", "https://tenant.auth0.com/")).toBe(true);
    expect(issuerMatches("https://tenant.auth0.com/", "https://tenant.auth0.com/")).toBe(true);
    expect(issuerMatches("https://id.example/realms/acme/", "https://id.example/realms/acme")).toBe(true);
  });

  it("refuses anything else", () => {
    for (const published of [
      "https://tenant.auth0.com//",
      "https://TENANT.auth0.com/",
      "https://tenant.auth0.com/x",
      "http://tenant.auth0.com/",
      "https://evil.example/",
    ]) {
      expect(issuerMatches("https://tenant.auth0.com", published)).toBe(false);
    }
  });
});

describe("issuer templates (Microsoft Entra ID's multi-tenant authorities)", () => {
  const TEMPLATE = "https://login.microsoftonline.com/{tenantid}/v2.0";
  const TID = "8f3c1d2e-5b6a-4c7d-9e8f-0a1b2c3d4e5f";

  it("accepts the template only for a tenant alias in its place", () => {
    expect(issuerMatches("https://login.microsoftonline.com/common/v2.0", TEMPLATE)).toBe(true);
    expect(issuerMatches("https://login.microsoftonline.com/organizations/v2.0", TEMPLATE)).toBe(true);
    for (const configured of [
      `https://login.microsoftonline.com/${TID}/v2.0`,
      "https://login.microsoftonline.com/v2.0",
      "https://login.microsoftonline.com/common/x/v2.0",
      "https://evil.example/common/v2.0",
    ]) {
      expect(issuerMatches(configured, TEMPLATE)).toBe(false);
    }
    expect(
      issuerMatches("https://login.microsoftonline.com/common/v2.0", "https://login.microsoftonline.com/{tenantid}/{tenantid}/v2.0"),
    ).toBe(false);
  });

  it("expects a token's iss to be the template filled with the token's own tid, a GUID and nothing else", () => {
    expect(expectedTokenIssuer(TEMPLATE, { tid: TID })).toBe(`https://login.microsoftonline.com/${TID}/v2.0`);
    for (const tid of [undefined, 42, "common", "../evil.example", `${TID}/x`])
      expect(expectedTokenIssuer(TEMPLATE, { tid })).toBeUndefined();
    // An ordinary issuer is expected as published, whatever the token says.
    expect(expectedTokenIssuer("https://id.example/", { tid: TID })).toBe("https://id.example/");
  });

  it("gives Auth.js the configured issuer, not the template, once discovered", async () => {
    const configured = "https://login.microsoftonline.com/common/v2.0";
    const fetchStub = async () =>
      Response.json({ issuer: TEMPLATE, token_endpoint: "https://login.microsoftonline.com/common/oauth2/v2.0/token" });
    expect((await discover(configured, { fetch: fetchStub as typeof fetch })).issuer).toBe(TEMPLATE);
    expect(knownPublishedIssuer(configured)).toBe(configured);
  });
});

describe("checkMetadata", () => {
  const doc = { issuer: "https://id.example/", token_endpoint: "https://id.example/token", jwks_uri: "https://id.example/jwks" };

  it("keeps the issuer exactly as published", () => {
    expect(checkMetadata("https://id.example", doc, true).issuer).toBe("https://id.example/");
  });

  it("refuses another issuer, a non-URL endpoint, and (in production) a plain-http endpoint off loopback", () => {
    expect(() => checkMetadata("https://id.example", { ...doc, issuer: "https://evil.example/" }, false)).toThrow(/names another issuer/);
    expect(() => checkMetadata("https://id.example", { ...doc, token_endpoint: "not a url" }, false)).toThrow(
      /token_endpoint is not a URL/,
    );
    expect(() => checkMetadata("https://id.example", { ...doc, jwks_uri: "http://id.example/jwks" }, true)).toThrow(
      /jwks_uri is plain http/,
    );
    expect(checkMetadata("https://id.example", { ...doc, jwks_uri: "http://127.0.0.1:3001/jwks" }, true).jwks_uri).toBe(
      "http://127.0.0.1:3001/jwks",
    );
    expect(() => checkMetadata("https://id.example", "<html>", false)).toThrow(/not a JSON object/);
  });
});

describe("discover", () => {
  it("fetches the document once for everyone asking at the same time, and knows the published issuer afterwards", async () => {
    let fetches = 0;
    const fetchImpl = (async (url: string) => {
      fetches += 1;
      expect(url).toBe(discoveryUrl("https://id.example"));
      await new Promise((resolve) => setTimeout(resolve, 10));
      return Response.json({ issuer: "https://id.example/", token_endpoint: "https://id.example/token" });
    }) as unknown as typeof fetch;
    expect(knownPublishedIssuer("https://id.example")).toBeUndefined();
    const all = await Promise.all(Array.from({ length: 5 }, () => discover("https://id.example", { fetch: fetchImpl })));
    expect(new Set(all.map((m) => m.issuer))).toEqual(new Set(["https://id.example/"]));
    expect(fetches).toBe(1);
    expect(knownPublishedIssuer("https://id.example")).toBe("https://id.example/");
  });

  it("does not remember a failure: the next call asks again", async () => {
    let fetches = 0;
    const fetchImpl = vi.fn(async () => {
      fetches += 1;
      return fetches === 1
        ? new Response("down", { status: 503 })
        : Response.json({ issuer: "https://id.example", token_endpoint: "https://id.example/token" });
    }) as unknown as typeof fetch;
    await expect(discover("https://id.example", { fetch: fetchImpl })).rejects.toMatchObject({ name: "ProviderUnavailableError" });
    expect((await discover("https://id.example", { fetch: fetchImpl })).issuer).toBe("https://id.example");
  });
});
