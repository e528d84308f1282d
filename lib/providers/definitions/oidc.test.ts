import { describe, expect, it } from "vitest";

import type { Problems } from "@/lib/config/variables";
import type { ProviderConfig } from "@/lib/providers/definition";
import { oidc } from "@/lib/providers/definitions/oidc";

function read(source: Record<string, string>): { configs: ProviderConfig[]; problems: Problems } {
  const problems: Problems = { errors: [], warnings: [] };
  const read = oidc.read(source, { mode: "production", problems, configured: [] });
  return { configs: read === undefined ? [] : Array.isArray(read) ? [...read] : [read as ProviderConfig], problems };
}

const ACME = {
  AUTH_OIDC_ACME_ISSUER: "https://sso.acme.example/realms/staff",
  AUTH_OIDC_ACME_ID: "acme-app",
  AUTH_OIDC_ACME_SECRET: "acme-secret",
};
const PARTNER = {
  AUTH_OIDC_PARTNER_ISSUER: "https://partner.eu.auth0.com/",
  AUTH_OIDC_PARTNER_ID: "p-app",
  AUTH_OIDC_PARTNER_SECRET: "p-secret",
  AUTH_OIDC_PARTNER_NAME: "Partner",
};

describe("generic OpenID Connect providers", () => {
  it("reads the AUTH_OIDC_* slot and each provider named in AUTH_OIDC_PROVIDERS, each with its own id and button", () => {
    const { configs, problems } = read({
      AUTH_OIDC_ISSUER: "https://login.example.com",
      AUTH_OIDC_ID: "one",
      AUTH_OIDC_SECRET: "one-secret",
      AUTH_OIDC_PROVIDERS: "acme, Partner",
      ...ACME,
      ...PARTNER,
    });
    expect(problems.errors).toEqual([]);
    expect(configs.map(({ id, name, issuer }) => ({ id, name, issuer }))).toEqual([
      { id: "oidc", name: "Single sign-on", issuer: "https://login.example.com" },
      { id: "oidc-acme", name: "Single sign-on", issuer: "https://sso.acme.example/realms/staff" },
      { id: "oidc-partner", name: "Partner", issuer: "https://partner.eu.auth0.com/" },
    ]);
  });

  it("asks for openid email profile offline_access plus the slot's scopes, its prompt and its extra parameters", () => {
    const { configs, problems } = read({
      AUTH_OIDC_PROVIDERS: "acme",
      ...ACME,
      AUTH_OIDC_ACME_SCOPES: "groups, api:read openid",
      AUTH_OIDC_ACME_PROMPT: "login consent",
      AUTH_OIDC_ACME_AUTHORIZATION_PARAMS: "audience=https://api.acme.example&acr_values=mfa",
    });
    expect(problems.errors).toEqual([]);
    expect(configs[0]?.authorizationParams).toEqual({
      scope: "openid email profile offline_access groups api:read",
      prompt: "login consent",
      audience: "https://api.acme.example",
      acr_values: "mfa",
    });
  });

  it("stops at start, naming the variable, on a named provider without its variables, a bad name, prompt, scope or a parameter the app sets itself", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ AUTH_OIDC_PROVIDERS: "acme" }, /AUTH_OIDC_PROVIDERS names "acme": set AUTH_OIDC_ACME_ISSUER/],
      [{ AUTH_OIDC_PROVIDERS: "acme-corp" }, /AUTH_OIDC_PROVIDERS must list short names/],
      [{ AUTH_OIDC_PROVIDERS: "acme", ...ACME, AUTH_OIDC_ACME_PROMPT: "none login" }, /AUTH_OIDC_ACME_PROMPT must be prompt values/],
      [{ AUTH_OIDC_PROVIDERS: "acme", ...ACME, AUTH_OIDC_ACME_PROMPT: "always" }, /AUTH_OIDC_ACME_PROMPT must be prompt values/],
      [{ AUTH_OIDC_PROVIDERS: "acme", ...ACME, AUTH_OIDC_ACME_SCOPES: 'groups "quoted"' }, /AUTH_OIDC_ACME_SCOPES must be scope names/],
      [
        { AUTH_OIDC_PROVIDERS: "acme", ...ACME, AUTH_OIDC_ACME_AUTHORIZATION_PARAMS: "redirect_uri=https://evil.example" },
        /AUTH_OIDC_ACME_AUTHORIZATION_PARAMS may not set redirect_uri/,
      ],
      [{ AUTH_OIDC_PROVIDERS: "acme", ...ACME, AUTH_OIDC_ACME_AUTHORIZATION_PARAMS: "state=x&nonce=y" }, /may not set state, nonce/],
      [
        { AUTH_OIDC_PROVIDERS: "acme", ...ACME, AUTH_OIDC_ACME_ISSUER: "http://sso.acme.example" },
        /AUTH_OIDC_ACME_ISSUER must use https in production/,
      ],
    ];
    for (const [source, message] of cases) expect(read(source).problems.errors.join("\n")).toMatch(message);
  });
});
