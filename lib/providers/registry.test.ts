import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { parseEnv, type AppEnv } from "@/lib/config/env";
import {
  authjsProviders,
  formActionOrigins,
  idTokenIssuers,
  imageOrigins,
  PROVIDER_DEFINITIONS,
  providerClientConfigs,
  providerName,
  providerOffersLogout,
} from "@/lib/providers/registry";

const SECRET = "registry-test-secret-that-is-long-enough-0123";

function envWith(vars: Record<string, string>): AppEnv {
  const { env, errors } = parseEnv({
    NODE_ENV: "production",
    DATABASE_URL: "postgresql://app@db.example/app",
    AUTH_SECRET: SECRET,
    AUTH_URL: "https://app.example.com",
    ...vars,
  });
  if (!env) throw new Error(errors.join("\n"));
  return env;
}

const ALL = {
  AUTH_GOOGLE_ID: "g",
  AUTH_GOOGLE_SECRET: "gs",
  AUTH_GITHUB_ID: "h",
  AUTH_GITHUB_SECRET: "hs",
  AUTH_OIDC_ISSUER: "https://sso.example.com/realms/acme",
  AUTH_OIDC_ID: "o",
  AUTH_OIDC_SECRET: "os",
  AUTH_OIDC_NAME: "Example SSO",
  AUTH_DEV_IDP: "1",
  DEV_IDP_CLIENT_SECRET: "a-secret-of-our-own",
};

describe("the provider registry", () => {
  it("lists exactly the configured providers, in the login page's order, each with its button's name and mark", () => {
    const env = envWith({
      AUTH_GOOGLE_ID: "g",
      AUTH_GOOGLE_SECRET: "gs",
      AUTH_OIDC_ISSUER: "https://sso.example.com",
      AUTH_OIDC_ID: "o",
      AUTH_OIDC_SECRET: "os",
      AUTH_OIDC_NAME: "Example SSO",
    });
    expect(env.providers.map(({ id, name, mark }) => ({ id, name, mark }))).toEqual([
      { id: "google", name: "Google", mark: "google" },
      { id: "oidc", name: "Example SSO", mark: "openid" },
    ]);
    expect(authjsProviders(env).map((p) => (typeof p === "function" ? undefined : p.id))).toEqual(["google", "oidc"]);
    expect(envWith({ AUTH_GITHUB_ID: "g", AUTH_GITHUB_SECRET: "s" }).providers.map((p) => p.id)).toEqual(["github"]);
  });

  it("derives each page's CSP origins from the providers: where forms may go, where pictures may come from", () => {
    const env = envWith(ALL);
    expect(formActionOrigins(env)).toEqual([
      "http://127.0.0.1:3001",
      "https://accounts.google.com",
      "https://github.com",
      "https://sso.example.com",
    ]);
    // Only the Dev IdP serves pictures over plain http (its own, on loopback).
    expect(imageOrigins(env)).toEqual(["http://127.0.0.1:3001"]);
  });

  it("knows which providers sign ID tokens (not GitHub), which may log out at the provider (OpenID issuers), and their names", () => {
    const env = envWith(ALL);
    expect([...idTokenIssuers(env).entries()]).toEqual([
      ["google", { issuer: "https://accounts.google.com", clientId: "g" }],
      ["oidc", { issuer: "https://sso.example.com/realms/acme", clientId: "o" }],
      ["dev-idp", { issuer: "http://127.0.0.1:3001", clientId: "oauth-next-app" }],
    ]);
    expect(["google", "github", "oidc", "dev-idp"].map((id) => providerOffersLogout(env, id))).toEqual([false, false, true, true]);
    expect(providerName(env, "oidc")).toBe("Example SSO");
    expect(providerName(env, "gitlab")).toBeUndefined();
  });

  it("gives server code fixed endpoints for Google and GitHub, discovery for OpenID issuers, and each provider's own profile mapping", () => {
    const configs = new Map(providerClientConfigs(envWith(ALL)).map((c) => [c.id, c]));
    expect(configs.get("google")?.endpoints?.token).toBe("https://oauth2.googleapis.com/token");
    expect(configs.get("github")?.endpoints?.revocation).toBeUndefined();
    expect(configs.get("github")?.userinfo).toBeTypeOf("function");
    expect(configs.get("oidc")).toMatchObject({ endpoints: undefined, issuer: "https://sso.example.com/realms/acme", requireHttps: true });
    // GitHub's numeric id and login; an OpenID provider's `sub` and unverified address left out.
    expect(configs.get("github")?.profile({ id: 42, login: "octo", email: "o@example.com" })).toMatchObject({ id: "42", name: "octo" });
    expect(configs.get("oidc")?.profile({ sub: "s", email: "x@example.com" })).toMatchObject({ id: "s", email: null });
  });

  it("names every variable a provider reads in .env.example", () => {
    const example = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
    for (const definition of PROVIDER_DEFINITIONS) {
      for (const variable of definition.variables)
        expect(example, `${definition.kind}: ${variable}`).toMatch(new RegExp(`^#?\\s*${variable}=`, "m"));
    }
  });
});
