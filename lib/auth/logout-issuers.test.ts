/**
 * Which provider a logout token comes from, as the app decides it (lib/auth/logout-issuers.ts), against
 * a provider at the HTTP edge (test/support/rogue-provider.ts) that publishes its issuer with a trailing slash
 * and rotates its signing key: the token must carry the issuer exactly as published, and a new key
 * is trusted at once.
 */
import { SignJWT } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { startRogueProvider, type RogueProvider } from "@/test/support/rogue-provider";
import { logoutIssuerLookup } from "@/lib/auth/logout-issuers";
import { LOGOUT_EVENT, verifyLogoutToken } from "@/lib/auth/backchannel-logout";
import { forgetDiscovery } from "@/lib/providers/discovery";
import { createProviderClient, type ProviderClientConfig } from "@/lib/providers/client";
import { forgetProviderKeys } from "@/lib/providers/keys";
import { profileFromOidcClaims } from "@/lib/providers/profile";

let provider: RogueProvider;
let config: ProviderClientConfig;
let lookup: ReturnType<typeof logoutIssuerLookup>;

async function logoutToken(iss: string): Promise<string> {
  const { kid, privateKey } = provider.currentKey();
  return new SignJWT({ sid: "op-sid-1", events: { [LOGOUT_EVENT]: {} } })
    .setProtectedHeader({ alg: "RS256", kid, typ: "logout+jwt" })
    .setIssuer(iss)
    .setAudience(provider.clientId)
    .setIssuedAt()
    .setExpirationTime("2m")
    .setJti(crypto.randomUUID())
    .sign(privateKey);
}

beforeAll(async () => {
  // Auth0's style: the issuer is the origin with a trailing slash; the operator configured it without.
  provider = await startRogueProvider({ issuerPath: "/" });
  config = {
    id: "oidc",
    name: "Acme",
    issuer: provider.issuer.slice(0, -1),
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    profile: profileFromOidcClaims,
  };
  const client = createProviderClient(config, fetch);
  lookup = logoutIssuerLookup([config], (id) => (id === "oidc" ? client : undefined), fetch);
});
afterAll(async () => {
  await provider?.close();
});
beforeEach(() => {
  forgetDiscovery();
  forgetProviderKeys();
});

describe("a logout token from a provider whose issuer ends in a slash", () => {
  it("is accepted with the issuer exactly as published, though configured without the slash", async () => {
    const verified = await verifyLogoutToken(await logoutToken(provider.issuer), lookup, new Date());
    expect(verified).toMatchObject({ ok: true, provider: "oidc", issuer: provider.issuer, sid: "op-sid-1" });
  });

  it("is refused when it carries the configured spelling rather than the published issuer", async () => {
    expect(await verifyLogoutToken(await logoutToken(config.issuer!), lookup, new Date())).toEqual({ ok: false, reason: "unknown_issuer" });
  });

  it("is accepted right after the provider changed its signing key (one immediate re-fetch of its keys)", async () => {
    expect(await verifyLogoutToken(await logoutToken(provider.issuer), lookup, new Date())).toMatchObject({ ok: true });
    const fetched = provider.jwksRequests;
    await provider.rotateKey();
    expect(await verifyLogoutToken(await logoutToken(provider.issuer), lookup, new Date())).toMatchObject({ ok: true });
    expect(provider.jwksRequests).toBe(fetched + 1);
  });
});
