import { describe, expect, it } from "vitest";

import { parseEnv, type AppEnv } from "@/lib/config/env";
import { DEV_IDP_DEFAULTS } from "@/lib/providers/definitions/dev-idp";

/** The configured provider with this id, as the rest of the app finds it (lib/providers/registry.ts). */
const providerOf = (env: AppEnv | null | undefined, id: string) => env?.providers.find((p) => p.id === id);

const SECRET = "s".repeat(40);
/** A valid production configuration, for tests that change one thing. */
const PROD = {
  NODE_ENV: "production",
  DATABASE_URL: "postgresql://app@db.example/app",
  AUTH_SECRET: SECRET,
  AUTH_URL: "https://app.example.com",
  AUTH_GOOGLE_ID: "g",
  AUTH_GOOGLE_SECRET: "gs",
};

describe("parseEnv", () => {
  it("runs in development with no configuration: generated secret and the Dev IdP, each with one warning", () => {
    const { env, errors, warnings } = parseEnv({ NODE_ENV: "development" }, { devSecret: () => "generated-dev-secret" });
    expect(errors).toEqual([]);
    expect(env?.authSecret).toBe("generated-dev-secret");
    expect(providerOf(env, "dev-idp")).toEqual({
      id: "dev-idp",
      kind: "dev-idp",
      mark: "dev-idp",
      ...DEV_IDP_DEFAULTS,
      name: "Dev IdP",
      trustEmail: false,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/AUTH_SECRET/);
  });

  it("refuses the embedded database in production, naming DATABASE_URL and the way out, unless ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION=1", () => {
    for (const DATABASE_URL of [undefined, "pglite:.data/prod", "pglite:memory"]) {
      const { env, errors } = parseEnv({ ...PROD, DATABASE_URL });
      expect(env).toBeNull();
      expect(errors).toEqual([
        expect.stringMatching(
          /^DATABASE_URL is unset or names the embedded PGlite database.*DATABASE_URL=postgresql:.*ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION=1/,
        ),
      ]);
      expect(parseEnv({ ...PROD, DATABASE_URL, ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION: "1" }).errors).toEqual([]);
    }
    expect(parseEnv({ ...PROD, DATABASE_URL: undefined, ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION: "maybe" }).errors).toEqual([
      expect.stringMatching(/ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION/),
      expect.stringMatching(/^DATABASE_URL is unset/),
    ]);
    // Development keeps its zero-configuration default.
    expect(parseEnv({ NODE_ENV: "development" }, { devSecret: () => "generated-dev-secret" }).errors).toEqual([]);
  });

  it("stops production without AUTH_SECRET, naming the variable and how to make one", () => {
    const { env, errors } = parseEnv({
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://app@db.example/app",
      AUTH_GOOGLE_ID: "g",
      AUTH_GOOGLE_SECRET: "gs",
    });
    expect(env).toBeNull();
    expect(errors.join("\n")).toMatch(/AUTH_SECRET is missing.*openssl rand/);
  });

  it("stops production with a short AUTH_SECRET but only warns in development", () => {
    const prod = parseEnv({
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://app@db.example/app",
      AUTH_SECRET: "short",
      AUTH_GOOGLE_ID: "g",
      AUTH_GOOGLE_SECRET: "gs",
    });
    expect(prod.errors.join()).toMatch(/AUTH_SECRET is too short/);
    const dev = parseEnv({ NODE_ENV: "development", AUTH_SECRET: "short" });
    expect(dev.env).not.toBeNull();
    expect(dev.warnings.join()).toMatch(/AUTH_SECRET is too short/);
  });

  it("names the missing half of a provider's credentials", () => {
    expect(parseEnv({ AUTH_SECRET: SECRET, AUTH_GOOGLE_ID: "id" }).errors).toEqual([
      "AUTH_GOOGLE_SECRET is missing: it is required when AUTH_GOOGLE_ID is set.",
    ]);
    expect(parseEnv({ AUTH_SECRET: SECRET, AUTH_GITHUB_SECRET: "x" }).errors).toEqual([
      "AUTH_GITHUB_ID is missing: it is required when AUTH_GITHUB_SECRET is set.",
    ]);
  });

  it("configures a generic OIDC provider with its display name, keeping the issuer exactly as written", () => {
    const { env } = parseEnv({
      AUTH_SECRET: SECRET,
      AUTH_OIDC_ISSUER: "https://login.example.com/",
      AUTH_OIDC_ID: "client",
      AUTH_OIDC_SECRET: "secret",
      AUTH_OIDC_NAME: "Example SSO",
    });
    // An issuer is an identifier: the slash may be part of it (lib/providers/discovery.ts decides).
    expect(providerOf(env, "oidc")).toEqual({
      id: "oidc",
      kind: "oidc",
      mark: "openid",
      issuer: "https://login.example.com/",
      clientId: "client",
      clientSecret: "secret",
      name: "Example SSO",
      trustEmail: false,
      authorizationParams: { scope: "openid email profile offline_access" },
    });
  });

  it("trusts a generic provider's addresses without email_verified only when AUTH_OIDC_TRUST_EMAIL says so", () => {
    const oidc = { AUTH_SECRET: SECRET, AUTH_OIDC_ISSUER: "https://login.example.com", AUTH_OIDC_ID: "c", AUTH_OIDC_SECRET: "s" };
    expect(providerOf(parseEnv(oidc).env, "oidc")?.trustEmail).toBe(false);
    expect(providerOf(parseEnv({ ...oidc, AUTH_OIDC_TRUST_EMAIL: "1" }).env, "oidc")?.trustEmail).toBe(true);
    expect(parseEnv({ ...oidc, AUTH_OIDC_TRUST_EMAIL: "maybe" }).errors.join()).toMatch(/AUTH_OIDC_TRUST_EMAIL must be/);
  });

  it("refuses an OIDC issuer that is not an http(s) URL", () => {
    const { errors } = parseEnv({ AUTH_SECRET: SECRET, AUTH_OIDC_ISSUER: "login.example.com", AUTH_OIDC_ID: "c", AUTH_OIDC_SECRET: "s" });
    expect(errors.join()).toMatch(/AUTH_OIDC_ISSUER must be an http\(s\) URL/);
  });

  it("hides the Dev IdP in development once a real provider is configured", () => {
    const { env } = parseEnv({ AUTH_SECRET: SECRET, AUTH_GITHUB_ID: "id", AUTH_GITHUB_SECRET: "secret" });
    expect(providerOf(env, "github")).toBeDefined();
    expect(providerOf(env, "dev-idp")).toBeUndefined();
  });

  it("never enables the Dev IdP in production unless AUTH_DEV_IDP=1, and then warns loudly", () => {
    const off = parseEnv(PROD);
    expect(providerOf(off.env, "dev-idp")).toBeUndefined();
    const on = parseEnv({
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://app@db.example/app",
      AUTH_SECRET: SECRET,
      AUTH_URL: "http://localhost:3000",
      AUTH_DEV_IDP: "1",
      DEV_IDP_CLIENT_SECRET: "a-secret-of-our-own",
    });
    expect(providerOf(on.env, "dev-idp")).toBeDefined();
    expect(on.warnings.join()).toMatch(/AUTH_DEV_IDP=1 in production/);
  });

  it("refuses to start production with the Dev IdP's published client secret, naming the variable", () => {
    const { env, errors } = parseEnv({
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://app@db.example/app",
      AUTH_SECRET: SECRET,
      AUTH_URL: "http://localhost:3000",
      AUTH_DEV_IDP: "1",
    });
    expect(env).toBeNull();
    expect(errors.join()).toMatch(/DEV_IDP_CLIENT_SECRET is the published development secret/);
    // Development and tests keep the zero-configuration default.
    expect(parseEnv({ AUTH_SECRET: SECRET, AUTH_DEV_IDP: "1" }).errors).toEqual([]);
  });

  it("refuses to start production with a provider's issuer over plain http off this machine, naming the variable", () => {
    const oidc = { AUTH_OIDC_ID: "c", AUTH_OIDC_SECRET: "s" };
    const plain = parseEnv({ ...PROD, ...oidc, AUTH_OIDC_ISSUER: "http://login.example.com" });
    expect(plain.env).toBeNull();
    expect(plain.errors.join()).toMatch(/AUTH_OIDC_ISSUER must use https in production/);
    const devIdp = parseEnv({ ...PROD, AUTH_DEV_IDP: "1", DEV_IDP_CLIENT_SECRET: "own", DEV_IDP_ISSUER: "http://idp.internal:3001" });
    expect(devIdp.errors.join()).toMatch(/DEV_IDP_ISSUER must use https in production/);
    // Loopback (a production build tried out locally) and https are fine; development is not checked.
    expect(parseEnv({ ...PROD, ...oidc, AUTH_OIDC_ISSUER: "http://127.0.0.1:9000" }).errors).toEqual([]);
    expect(parseEnv({ ...PROD, ...oidc, AUTH_OIDC_ISSUER: "https://login.example.com" }).errors).toEqual([]);
    expect(parseEnv({ AUTH_SECRET: SECRET, ...oidc, AUTH_OIDC_ISSUER: "http://login.example.com" }).errors).toEqual([]);
  });

  it("reads how many proxies to trust for the client's address: 1 by default, 0 to trust none", () => {
    expect(parseEnv(PROD).env?.trustedProxyHops).toBe(1);
    expect(parseEnv({ ...PROD, TRUSTED_PROXY_HOPS: "0" }).env?.trustedProxyHops).toBe(0);
    expect(parseEnv({ ...PROD, TRUSTED_PROXY_HOPS: "2" }).env?.trustedProxyHops).toBe(2);
    for (const bad of ["-1", "one", "1.5", "11"])
      expect(parseEnv({ ...PROD, TRUSTED_PROXY_HOPS: bad }).errors.join()).toMatch(/TRUSTED_PROXY_HOPS must be/);
  });

  it("keeps /api/health's details for operators who ask for them (HEALTH_DETAILS)", () => {
    expect(parseEnv(PROD).env?.healthDetails).toBe(false);
    expect(parseEnv({ ...PROD, HEALTH_DETAILS: "1" }).env?.healthDetails).toBe(true);
  });

  it("stops production when no provider at all is configured", () => {
    const { errors } = parseEnv({ NODE_ENV: "production", DATABASE_URL: "postgresql://app@db.example/app", AUTH_SECRET: SECRET });
    expect(errors.join()).toMatch(/No sign-in provider is configured/);
  });

  it("lets AUTH_DEV_IDP=0 switch the Dev IdP off in development", () => {
    const { env } = parseEnv({ AUTH_SECRET: SECRET, AUTH_DEV_IDP: "0" });
    expect(providerOf(env, "dev-idp")).toBeUndefined();
  });

  it("refuses a flag value it does not understand", () => {
    expect(parseEnv({ AUTH_SECRET: SECRET, AUTH_DEV_IDP: "yes please" }).errors.join()).toMatch(/AUTH_DEV_IDP must be/);
  });

  it("reports every problem at once", () => {
    const { errors } = parseEnv({
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://app@db.example/app",
      AUTH_GOOGLE_ID: "g",
      AUTH_URL: "not a url",
    });
    expect(errors).toEqual([
      expect.stringMatching(/^AUTH_SECRET is missing/),
      expect.stringMatching(/^AUTH_URL must be an http\(s\) URL/),
      expect.stringMatching(/^AUTH_GOOGLE_SECRET is missing/),
      expect.stringMatching(/^No sign-in provider is configured/),
    ]);
  });
});

describe("provider token encryption keys", () => {
  it("default to a key derived from AUTH_SECRET", () => {
    expect(parseEnv(PROD).env?.tokenEncryptionSecrets).toEqual([SECRET]);
  });

  it("put TOKEN_ENCRYPTION_KEYS first, keeping AUTH_SECRET readable", () => {
    const keys = `${"a".repeat(32)},${"b".repeat(32)}`;
    expect(parseEnv({ ...PROD, TOKEN_ENCRYPTION_KEYS: keys }).env?.tokenEncryptionSecrets).toEqual([
      "a".repeat(32),
      "b".repeat(32),
      SECRET,
    ]);
  });

  it("refuse a short key at start-up, naming the variable", () => {
    expect(parseEnv({ ...PROD, TOKEN_ENCRYPTION_KEYS: "short" }).errors.join()).toMatch(/TOKEN_ENCRYPTION_KEYS: key 1 is too short/);
  });
});

describe("the database URL", () => {
  it("is checked with the rest, naming DATABASE_URL and hiding its password", () => {
    const { errors } = parseEnv({ ...PROD, DATABASE_URL: "mysql://app:pw-123@db/app" });
    expect(errors).toEqual([expect.stringMatching(/^DATABASE_URL is not a supported database URL/)]);
    expect(errors.join()).not.toContain("pw-123");
  });

  it("includes the pool size", () => {
    expect(parseEnv({ ...PROD, DATABASE_URL: "postgresql://db/app", DATABASE_POOL_MAX: "zero" }).errors.join()).toMatch(
      /DATABASE_POOL_MAX must be a positive integer/,
    );
  });
});

describe("the public URL in production", () => {
  it("accepts an https AUTH_URL", () => {
    expect(parseEnv(PROD).errors).toEqual([]);
  });

  it.each(["http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:3000"])(
    "accepts plain http on loopback (%s), to try the production build locally",
    (url) => {
      expect(parseEnv({ ...PROD, AUTH_URL: url }).errors).toEqual([]);
    },
  );

  it("stops on a plain-http AUTH_URL anywhere else, naming the https one to use", () => {
    expect(parseEnv({ ...PROD, AUTH_URL: "http://app.example.com" }).errors).toEqual([
      expect.stringMatching(/^AUTH_URL must use https in production .*https:\/\/app\.example\.com\./),
    ]);
  });

  it("stops when neither AUTH_URL nor AUTH_TRUST_HOST says where the app lives", () => {
    const { AUTH_URL: _omitted, ...withoutUrl } = PROD;
    expect(parseEnv(withoutUrl).errors.join()).toMatch(/AUTH_URL is missing/);
  });

  it("allows AUTH_TRUST_HOST behind a proxy, with a warning, and trusts Vercel's own proxy", () => {
    const { AUTH_URL: _omitted, ...withoutUrl } = PROD;
    const trusted = parseEnv({ ...withoutUrl, AUTH_TRUST_HOST: "true" });
    expect(trusted.errors).toEqual([]);
    expect(trusted.warnings.join()).toMatch(/AUTH_TRUST_HOST is set without AUTH_URL/);
    expect(parseEnv({ ...withoutUrl, VERCEL: "1" }).errors).toEqual([]);
  });

  it("does not ask for AUTH_URL in development", () => {
    expect(parseEnv({ AUTH_SECRET: SECRET }).errors).toEqual([]);
  });
});

describe("Dev IdP defaults", () => {
  it("match what the Dev IdP registers for the app, so `npm run dev` needs no configuration", async () => {
    const idp = await import("@/idp/config");
    expect(DEV_IDP_DEFAULTS.clientId).toBe(idp.DEFAULT_CLIENT_ID);
    expect(DEV_IDP_DEFAULTS.clientSecret).toBe(idp.DEFAULT_CLIENT_SECRET);
    expect(DEV_IDP_DEFAULTS.issuer).toBe(`http://127.0.0.1:${idp.DEFAULT_PORT}`);
    expect(idp.DEFAULT_REDIRECT_URIS).toContain("http://localhost:3000/api/auth/callback/dev-idp");
  });
});

describe("session lifetimes", () => {
  const DAY = 24 * 60 * 60 * 1000;

  it("default to a 7-day idle timeout and a 30-day absolute lifetime", () => {
    expect(parseEnv(PROD).env?.sessionPolicy).toEqual({ idleTimeoutMs: 7 * DAY, absoluteLifetimeMs: 30 * DAY });
  });

  it("take SESSION_IDLE_TIMEOUT and SESSION_MAX_LIFETIME with units", () => {
    const { env } = parseEnv({ ...PROD, SESSION_IDLE_TIMEOUT: "30m", SESSION_MAX_LIFETIME: "12h" });
    expect(env?.sessionPolicy).toEqual({ idleTimeoutMs: 30 * 60 * 1000, absoluteLifetimeMs: 12 * 60 * 60 * 1000 });
  });

  it("report an unreadable value with the other configuration problems, naming the variable", () => {
    const { env, errors } = parseEnv({ ...PROD, AUTH_GOOGLE_SECRET: "", SESSION_IDLE_TIMEOUT: "a week" });
    expect(env).toBeNull();
    expect(errors).toEqual([
      expect.stringMatching(/^AUTH_GOOGLE_SECRET is missing/),
      expect.stringMatching(/^No sign-in provider is configured/),
      'SESSION_IDLE_TIMEOUT must be a duration like 7d, 12h or 30m (got "a week").',
    ]);
  });

  it("refuse a duration too short to measure or too long to mean anything", () => {
    const { errors } = parseEnv({ ...PROD, SESSION_IDLE_TIMEOUT: "1m", SESSION_MAX_LIFETIME: "1000d" });
    expect(errors).toEqual([
      'SESSION_IDLE_TIMEOUT must be between 5m and 400d (got "1m").',
      'SESSION_MAX_LIFETIME must be between 5m and 400d (got "1000d").',
    ]);
  });

  it("refuse an idle timeout longer than the absolute lifetime", () => {
    const { env, errors } = parseEnv({ ...PROD, SESSION_IDLE_TIMEOUT: "30d", SESSION_MAX_LIFETIME: "7d" });
    expect(env).toBeNull();
    expect(errors).toEqual([expect.stringMatching(/^SESSION_IDLE_TIMEOUT must not be longer than SESSION_MAX_LIFETIME/)]);
  });
});

describe("the session check cache", () => {
  it("is on by default, and off with SESSION_CHECK_CACHE=0", () => {
    expect(parseEnv(PROD).env?.sessionCheckCache).toBe(true);
    expect(parseEnv({ ...PROD, SESSION_CHECK_CACHE: "0" }).env?.sessionCheckCache).toBe(false);
  });

  it("is off by default behind a likely transaction-mode pooler, which does not carry LISTEN, and on Vercel; warns if forced on with a pooler", () => {
    const pooled = { ...PROD, DATABASE_URL: "postgresql://app:pw@pooler.example.com:6432/app?pgbouncer=true" };
    expect(parseEnv(pooled).env?.sessionCheckCache).toBe(false);
    expect(
      parseEnv({ ...PROD, DATABASE_URL: "postgresql://app:pw@ep-cool-1234-pooler.eu-central-1.aws.neon.tech/app" }).env?.sessionCheckCache,
    ).toBe(false);
    expect(parseEnv({ ...PROD, DATABASE_URL: "postgresql://app:pw@db.example.com/app" }).env?.sessionCheckCache).toBe(true);
    expect(parseEnv({ ...PROD, VERCEL: "1" }).env?.sessionCheckCache).toBe(false);
    expect(parseEnv({ ...PROD, VERCEL: "1", SESSION_CHECK_CACHE: "1" }).env?.sessionCheckCache).toBe(true);
    const forced = parseEnv({ ...pooled, SESSION_CHECK_CACHE: "1" });
    expect(forced.env?.sessionCheckCache).toBe(true);
    expect(forced.warnings.join()).toMatch(/does not deliver the change notifications/);
  });

  it("names a value it cannot read", () => {
    const { env, errors } = parseEnv({ ...PROD, SESSION_CHECK_CACHE: "sometimes" });
    expect(env).toBeNull();
    expect(errors).toContain('SESSION_CHECK_CACHE must be 1/true or 0/false (got "sometimes").');
  });
});
