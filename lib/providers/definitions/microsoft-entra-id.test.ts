import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";

import { verifyIdTokenSignature } from "@/lib/auth/id-token";
import type { Problems } from "@/lib/config/variables";
import type { ProviderConfig } from "@/lib/providers/definition";
import { microsoftEntraId } from "@/lib/providers/definitions/microsoft-entra-id";
import { forgetDiscovery } from "@/lib/providers/discovery";
import { forgetProviderKeys } from "@/lib/providers/keys";

const CONTOSO = "8f3c1d2e-5b6a-4c7d-9e8f-0a1b2c3d4e5f";
const FABRIKAM = "2b7e4a90-1c3d-4e5f-8a9b-0c1d2e3f4a5b";
const CLIENT = { AUTH_MICROSOFT_ENTRA_ID_ID: "00000000-aaaa-4bbb-8ccc-000000000001", AUTH_MICROSOFT_ENTRA_ID_SECRET: "entra-secret" };
const LOGIN = "https://login.microsoftonline.com";

function read(source: Record<string, string>): { config: ProviderConfig | undefined; problems: Problems } {
  const problems: Problems = { errors: [], warnings: [] };
  return {
    config: microsoftEntraId.read(source, { mode: "production", problems, configured: [] }) as ProviderConfig | undefined,
    problems,
  };
}

afterEach(() => {
  forgetDiscovery();
  forgetProviderKeys();
});

describe("Microsoft Entra ID's definition", () => {
  it("reads a single-tenant or a multi-tenant issuer, the tenant allow-list and whether addresses are trusted", () => {
    const single = read({ ...CLIENT, AUTH_MICROSOFT_ENTRA_ID_ISSUER: `${LOGIN}/${CONTOSO}/v2.0` });
    expect(single.problems.errors).toEqual([]);
    expect(single.config).toMatchObject({ id: "microsoft-entra-id", name: "Microsoft", mark: "microsoft", trustEmail: false });
    const multi = read({
      ...CLIENT,
      AUTH_MICROSOFT_ENTRA_ID_ISSUER: `${LOGIN}/organizations/v2.0`,
      AUTH_MICROSOFT_ENTRA_ID_TENANTS: `${CONTOSO}, ${FABRIKAM.toUpperCase()}`,
      AUTH_MICROSOFT_ENTRA_ID_TRUST_EMAIL: "1",
    });
    expect(multi.config).toMatchObject({ allowedTenants: [CONTOSO, FABRIKAM], trustEmail: true });
  });

  it("stops at start, naming the variable, on an issuer that is not a v2.0 tenant authority, a bad tenant list or half a configuration", () => {
    for (const issuer of [
      `${LOGIN}/contoso.onmicrosoft.com/v2.0`,
      `${LOGIN}/${CONTOSO}`,
      `http://login.microsoftonline.com/${CONTOSO}/v2.0`,
      `${LOGIN}/${CONTOSO}/oauth2/v2.0`,
    ]) {
      const { config, problems } = read({ ...CLIENT, AUTH_MICROSOFT_ENTRA_ID_ISSUER: issuer });
      expect(config).toBeUndefined();
      expect(problems.errors.join("\n")).toMatch(/AUTH_MICROSOFT_ENTRA_ID_ISSUER must be/);
    }
    expect(read({ ...CLIENT }).problems.errors.join("\n")).toMatch(/AUTH_MICROSOFT_ENTRA_ID_ISSUER is missing/);
    expect(
      read({
        ...CLIENT,
        AUTH_MICROSOFT_ENTRA_ID_ISSUER: `${LOGIN}/common/v2.0`,
        AUTH_MICROSOFT_ENTRA_ID_TENANTS: "contoso",
      }).problems.errors.join("\n"),
    ).toMatch(/AUTH_MICROSOFT_ENTRA_ID_TENANTS must list tenant ids/);
    expect(
      read({
        ...CLIENT,
        AUTH_MICROSOFT_ENTRA_ID_ISSUER: `${LOGIN}/${CONTOSO}/v2.0`,
        AUTH_MICROSOFT_ENTRA_ID_TENANTS: FABRIKAM,
      }).problems.errors.join("\n"),
    ).toMatch(/does not include the tenant of AUTH_MICROSOFT_ENTRA_ID_ISSUER/);
    expect(read({ AUTH_MICROSOFT_ENTRA_ID_ISSUER: `${LOGIN}/common/v2.0` }).problems.errors.join("\n")).toMatch(
      /AUTH_MICROSOFT_ENTRA_ID_ID and AUTH_MICROSOFT_ENTRA_ID_SECRET are required/,
    );
  });

  it("admits only the listed tenants, on the verified ID token's tid", async () => {
    const { config } = read({
      ...CLIENT,
      AUTH_MICROSOFT_ENTRA_ID_ISSUER: `${LOGIN}/common/v2.0`,
      AUTH_MICROSOFT_ENTRA_ID_TENANTS: CONTOSO,
    });
    const admit = (claims: Record<string, unknown> | undefined) =>
      microsoftEntraId.admit!({ idTokenClaims: claims, accessToken: "at", fetch }, config!);
    await expect(admit({ tid: CONTOSO })).resolves.toBeUndefined();
    await expect(admit({ tid: CONTOSO.toUpperCase() })).resolves.toBeUndefined();
    for (const claims of [{ tid: FABRIKAM }, {}, undefined])
      await expect(admit(claims)).rejects.toMatchObject({ name: "AccountNotAllowedError" });
  });

  it("stores an address only when the operator trusts Entra's, which never says whether it verified it", () => {
    const claims = {
      sub: "pairwise-sub",
      name: "Adele Vance",
      email: "adele@contoso.example",
      preferred_username: "adele@contoso.example",
    };
    const untrusted = read({ ...CLIENT, AUTH_MICROSOFT_ENTRA_ID_ISSUER: `${LOGIN}/${CONTOSO}/v2.0` }).config!;
    const trusted = read({
      ...CLIENT,
      AUTH_MICROSOFT_ENTRA_ID_ISSUER: `${LOGIN}/${CONTOSO}/v2.0`,
      AUTH_MICROSOFT_ENTRA_ID_TRUST_EMAIL: "1",
    }).config!;
    expect(microsoftEntraId.profile(claims, untrusted)).toMatchObject({ id: "pairwise-sub", name: "Adele Vance", email: null });
    expect(microsoftEntraId.profile(claims, trusted).email).toBe("adele@contoso.example");
  });
});

describe("an ID token from a multi-tenant authority (issuer template)", () => {
  const configured = `${LOGIN}/common/v2.0`;
  const clientId = CLIENT.AUTH_MICROSOFT_ENTRA_ID_ID;

  async function authority() {
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256" };
    const fetchStub = (async (input: RequestInfo | URL) => {
      const url = String(input);
      if (url === `${configured}/.well-known/openid-configuration`) {
        return Response.json({
          issuer: `${LOGIN}/{tenantid}/v2.0`,
          token_endpoint: `${LOGIN}/common/oauth2/v2.0/token`,
          jwks_uri: `${LOGIN}/common/discovery/v2.0/keys`,
        });
      }
      if (url === `${LOGIN}/common/discovery/v2.0/keys`) return Response.json({ keys: [jwk] });
      throw new TypeError("fetch failed");
    }) as typeof fetch;
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setAudience(clientId)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
    return { fetchStub, sign };
  }

  it("is accepted when its iss is the template filled with its own tid", async () => {
    const { fetchStub, sign } = await authority();
    const token = await sign({ iss: `${LOGIN}/${CONTOSO}/v2.0`, tid: CONTOSO, sub: "s" });
    await expect(verifyIdTokenSignature(token, { issuer: configured, clientId }, { fetch: fetchStub })).resolves.toMatchObject({
      tid: CONTOSO,
    });
  });

  it("is refused when its iss names another tenant than its tid, or it has no tid", async () => {
    const { fetchStub, sign } = await authority();
    for (const claims of [
      { iss: `${LOGIN}/${FABRIKAM}/v2.0`, tid: CONTOSO },
      { iss: `${LOGIN}/${CONTOSO}/v2.0` },
      { iss: `${LOGIN}/{tenantid}/v2.0`, tid: CONTOSO },
    ]) {
      await expect(
        verifyIdTokenSignature(await sign({ ...claims, sub: "s" }), { issuer: configured, clientId }, { fetch: fetchStub }),
      ).rejects.toMatchObject({
        name: "IdTokenRejectedError",
      });
    }
  });
});
