import { describe, expect, it } from "vitest";

import type { Problems } from "@/lib/config/variables";
import type { ProviderConfig } from "@/lib/providers/definition";
import { google } from "@/lib/providers/definitions/google";

const CLIENT = { AUTH_GOOGLE_ID: "client.apps.googleusercontent.com", AUTH_GOOGLE_SECRET: "GOCSPX-secret" };

function read(source: Record<string, string>): { config: ProviderConfig | undefined; problems: Problems } {
  const problems: Problems = { errors: [], warnings: [] };
  return { config: google.read(source, { mode: "production", problems, configured: [] }) as ProviderConfig | undefined, problems };
}

const admit = (config: ProviderConfig, claims: Record<string, unknown> | undefined) =>
  google.admit!({ idTokenClaims: claims, accessToken: "ya29.token", fetch }, config);

describe("Google's definition", () => {
  it("admits any Google account when no hosted domain is set, a consumer account included", async () => {
    const { config } = read(CLIENT);
    await expect(admit(config!, { sub: "1", email: "ada@gmail.com" })).resolves.toBeUndefined();
  });

  it("admits only ID tokens whose hd claim names AUTH_GOOGLE_HOSTED_DOMAIN", async () => {
    const { config, problems } = read({ ...CLIENT, AUTH_GOOGLE_HOSTED_DOMAIN: "Example.COM" });
    expect(problems.errors).toEqual([]);
    expect(config?.hostedDomain).toBe("example.com");
    await expect(admit(config!, { sub: "1", hd: "example.com" })).resolves.toBeUndefined();
    await expect(admit(config!, { sub: "1", hd: "EXAMPLE.com" })).resolves.toBeUndefined();
    await expect(admit(config!, { sub: "2", hd: "example.org" })).rejects.toMatchObject({ name: "AccountNotAllowedError" });
    // A consumer account has no hd claim; an address at the domain proves nothing without it.
    await expect(admit(config!, { sub: "3", email: "eve@example.com" })).rejects.toMatchObject({ name: "AccountNotAllowedError" });
    await expect(admit(config!, { sub: "4", hd: ["example.com"] })).rejects.toMatchObject({ name: "AccountNotAllowedError" });
    await expect(admit(config!, undefined)).rejects.toMatchObject({ name: "AccountNotAllowedError" });
  });

  it("stops at start on a hosted domain that is not a domain name, or one set without Google", () => {
    for (const bad of ["https://example.com", "@example.com", "example", "exa mple.com", "example.com/x"]) {
      const { config, problems } = read({ ...CLIENT, AUTH_GOOGLE_HOSTED_DOMAIN: bad });
      expect(config).toBeUndefined();
      expect(problems.errors.join("\n")).toMatch(/AUTH_GOOGLE_HOSTED_DOMAIN must be a domain name/);
    }
    expect(read({ AUTH_GOOGLE_HOSTED_DOMAIN: "example.com" }).problems.errors.join("\n")).toMatch(
      /AUTH_GOOGLE_HOSTED_DOMAIN is set but Google is not configured/,
    );
  });
});
