import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { parseEnv } from "@/lib/config/env";
import type { EnvSource } from "@/lib/config/variables";
import { parseDevIdpConfig } from "@/idp/config";

/**
 * .env.example is the list of what an operator can set. Rather than trusting a list kept by hand,
 * the parsers are run on a recording environment: every variable they look up, on any path, must be
 * named in the example. A new variable without its line there fails here.
 */

const EXAMPLE = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
/** Named in the example as `NAME=` or, for a family of variables, in a comment (`AUTH_OIDC_<NAME>_ISSUER`). */
const named = new Set([...EXAMPLE.matchAll(/\b([A-Z][A-Z0-9]*(?:_(?:[A-Z0-9]+|<NAME>))+)\b/g)].map((match) => match[1]!));

/** Set by the platform or the runtime, not by an operator. */
const PLATFORM = new Set(["NODE_ENV", "VERCEL", "CF_PAGES"]);

/** Every variable the example names, given a value, plus one generic OpenID slot. */
const EVERYTHING_SET: EnvSource = {
  ...Object.fromEntries([...named].filter((name) => !name.includes("<")).map((name) => [name, "x"])),
  AUTH_OIDC_PROVIDERS: "acme",
};

/** An environment that records each variable looked up in it, set or not. */
function recording(values: EnvSource, read: Set<string>): EnvSource {
  return new Proxy(values, {
    get(target, name) {
      if (typeof name === "string") read.add(name);
      return target[name as string];
    },
  });
}

/** A slot's variables (AUTH_OIDC_ACME_ISSUER) as the example names their family (AUTH_OIDC_<NAME>_ISSUER). */
const asNamed = (name: string) => name.replace(/^AUTH_OIDC_ACME_/, "AUTH_OIDC_<NAME>_");

describe(".env.example", () => {
  it("names every variable the app's configuration reads, unset or set, in development and production", () => {
    const read = new Set<string>();
    // Unset, the parsers take their defaults' paths; all set, the paths that check each value.
    for (const NODE_ENV of ["development", "production"]) {
      for (const values of [{}, EVERYTHING_SET, { ...EVERYTHING_SET, DATABASE_URL: "postgresql://app@db.example/app" }])
        parseEnv(recording({ ...values, NODE_ENV }, read), { devSecret: () => "generated-development-secret-0123456789" });
    }
    expect([...read].map(asNamed).filter((name) => !PLATFORM.has(name) && !named.has(name))).toEqual([]);
    expect(read).toContain("AUTH_OIDC_ACME_ISSUER");
    expect(read.size).toBeGreaterThan(40);
  });

  it("names every variable the Dev IdP's configuration reads", () => {
    const read = new Set<string>();
    parseDevIdpConfig(recording({}, read));
    parseDevIdpConfig(
      recording(
        {
          DEV_IDP_EXTRA_CLIENT_ID: "second",
          DEV_IDP_EXTRA_CLIENT_SECRET: "second-secret-0123456789",
          DEV_IDP_EXTRA_CLIENT_REDIRECT_URIS: "http://localhost:3000/api/auth/callback/oidc",
        },
        read,
      ),
    );
    expect([...read].filter((name) => !named.has(name))).toEqual([]);
    expect(read.size).toBeGreaterThan(10);
  });
});
