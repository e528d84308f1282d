import { generateKeyPairSync } from "node:crypto";

import { decodeProtectedHeader, importSPKI, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";

import { parseEnv } from "@/lib/config/env";
import type { Problems } from "@/lib/config/variables";
import { createAuthConfig } from "@/lib/auth/config";
import type { ProviderConfig } from "@/lib/providers/definition";
import { apple, appleClientSecret } from "@/lib/providers/definitions/apple";

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const PEM = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const APPLE = {
  AUTH_APPLE_ID: "com.example.web",
  AUTH_APPLE_TEAM_ID: "A1B2C3D4E5",
  AUTH_APPLE_KEY_ID: "K9L8M7N6P5",
  AUTH_APPLE_PRIVATE_KEY: PEM.trim().replaceAll("\n", "\\n"),
  AUTH_URL: "https://app.example.com",
};

function read(source: Record<string, string>): { config: ProviderConfig | undefined; problems: Problems } {
  const problems: Problems = { errors: [], warnings: [] };
  return { config: apple.read(source, { mode: "production", problems, configured: [] }) as ProviderConfig | undefined, problems };
}

describe("Sign in with Apple's definition", () => {
  it("reads the Services ID, team, key id and a .p8 key pasted with \\n for newlines", () => {
    const { config, problems } = read(APPLE);
    expect(problems.errors).toEqual([]);
    expect(config).toMatchObject({ id: "apple", name: "Apple", mark: "apple", clientId: "com.example.web" });
    expect(config?.appleSigningKey?.privateKey).toBe(PEM.trim());
  });

  it("stops at start, naming the variable and never echoing the key, on a bad team, key id, key or an http AUTH_URL", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...APPLE, AUTH_APPLE_TEAM_ID: "team" }, /AUTH_APPLE_TEAM_ID must be your Apple team id/],
      [{ ...APPLE, AUTH_APPLE_KEY_ID: "" }, /AUTH_APPLE_KEY_ID must be the id/],
      [{ ...APPLE, AUTH_APPLE_PRIVATE_KEY: "not a key" }, /AUTH_APPLE_PRIVATE_KEY must be the PEM contents/],
      [{ ...APPLE, AUTH_APPLE_PRIVATE_KEY: rsa }, /AUTH_APPLE_PRIVATE_KEY must be the PEM contents .* a P-256 key/],
      [{ ...APPLE, AUTH_URL: "http://app.example.com" }, /needs an https AUTH_URL/],
      [{ ...APPLE, AUTH_APPLE_ID: "" }, /AUTH_APPLE_ID is missing/],
    ];
    for (const [source, message] of cases) {
      const { problems } = read(source);
      expect(problems.errors.join("\n")).toMatch(message);
      expect(problems.errors.join("\n")).not.toContain("PRIVATE KEY-----\n");
    }
  });

  it("signs a client secret Apple accepts: ES256 with the key id, iss the team, sub the Services ID, a day long, reused until an hour before it ends", async () => {
    const signing = read(APPLE).config!.appleSigningKey!;
    const now = Date.UTC(2026, 11, 4, 12);
    const secret = await appleClientSecret("com.example.web", signing, now);
    expect(decodeProtectedHeader(secret)).toMatchObject({ alg: "ES256", kid: "K9L8M7N6P5" });
    const { payload } = await jwtVerify(secret, await importSPKI(publicKey.export({ type: "spki", format: "pem" }).toString(), "ES256"), {
      issuer: "A1B2C3D4E5",
      subject: "com.example.web",
      audience: "https://appleid.apple.com",
      currentDate: new Date(now),
    });
    expect(payload.exp! - payload.iat!).toBe(86_400);
    expect(await appleClientSecret("com.example.web", signing, now + 22 * 3600_000)).toBe(secret);
    expect(await appleClientSecret("com.example.web", signing, now + 23.5 * 3600_000)).not.toBe(secret);
  });

  it('takes the name from the first authorization\'s user field, the address when email_verified is the string "true"', () => {
    const config = read(APPLE).config!;
    const claims = { sub: "001234.abc", email: "x7k2@privaterelay.appleid.com", email_verified: "true", is_private_email: "true" };
    expect(apple.profile({ ...claims, user: { name: { firstName: "Tim", lastName: "Apple" } } }, config)).toMatchObject({
      id: "001234.abc",
      name: "Tim Apple",
      email: "x7k2@privaterelay.appleid.com",
    });
    expect(apple.profile({ ...claims, email_verified: "false" }, config)).toMatchObject({ name: null, email: null });
  });

  it("loosens no cookie's SameSite in the configuration: the form_post callback is relayed instead (lib/auth/form-post-relay.ts)", () => {
    const withApple = parseEnv({
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://app@db.example/app",
      AUTH_SECRET: "apple-test-secret-0123456789abcdefghijkl",
      ...APPLE,
    }).env!;
    expect(createAuthConfig(withApple).cookies).toBeUndefined();
  });
});
