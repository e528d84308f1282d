import { describe, expect, it } from "vitest";

import { parseEnv } from "@/lib/config/env";
import { createNonce, pageContentSecurityPolicy } from "@/lib/security/headers";

const env = (vars: Record<string, string>) => {
  const parsed = parseEnv({
    NODE_ENV: "production",
    DATABASE_URL: "postgresql://app@db.example/app",
    AUTH_SECRET: "s".repeat(40),
    AUTH_GOOGLE_ID: "g",
    AUTH_GOOGLE_SECRET: "gs",
    ...vars,
  });
  if (!parsed.env) throw new Error(parsed.errors.join("\n"));
  return parsed.env;
};

describe("the page Content-Security-Policy", () => {
  it("carries each response's own nonce in script-src, and is otherwise the same policy every time", () => {
    const production = env({ AUTH_URL: "https://app.example.com" });
    const [n1, n2] = [createNonce(), createNonce()];
    expect(n1).not.toBe(n2);
    const first = pageContentSecurityPolicy({ nonce: n1, env: production });
    const second = pageContentSecurityPolicy({ nonce: n2, env: production });
    expect(first).toContain(`script-src 'self' 'nonce-${n1}' 'strict-dynamic'`);
    expect(first.split(n1)).toHaveLength(2);
    expect(second).toBe(first.replace(n1, n2));
    expect(first).toContain("upgrade-insecure-requests");
  });

  it("follows its configuration: another environment gets its own policy", () => {
    const plainHttp = pageContentSecurityPolicy({ nonce: "abc", env: env({ AUTH_URL: "http://localhost:3000", AUTH_TRUST_HOST: "1" }) });
    const https = pageContentSecurityPolicy({ nonce: "abc", env: env({ AUTH_URL: "https://app.example.com" }) });
    expect(plainHttp).not.toContain("upgrade-insecure-requests");
    expect(https).toContain("upgrade-insecure-requests");
    expect(https).toContain("form-action 'self' https://accounts.google.com");
  });

  it("allows stylesheets from this origin only in production; development adds 'unsafe-inline' for Next.js's overlay", () => {
    const production = pageContentSecurityPolicy({ nonce: "abc", env: env({ AUTH_URL: "https://app.example.com" }) });
    expect(production).toContain("style-src 'self';");
    const development = parseEnv({ NODE_ENV: "development", AUTH_SECRET: "s".repeat(40) });
    if (!development.env) throw new Error(development.errors.join("\n"));
    expect(pageContentSecurityPolicy({ nonce: "abc", env: development.env })).toContain("style-src 'self' 'unsafe-inline';");
  });
});
