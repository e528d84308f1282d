import "server-only";

import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";

import type { LogoutTokenIssuer } from "@/lib/backchannel-logout";
import { getEnv } from "@/lib/env";
import { providerClientConfigs } from "@/lib/provider-client";
import { providerClient } from "@/lib/provider-tokens";

/**
 * Which of the app's providers a logout token claims to come from, and that provider's signing
 * keys: the JWKS named by its discovery document (the issuer there is checked against the
 * configured one). Only OpenID Connect providers configured by issuer qualify.
 *
 * The key set is cached per process by jose (public keys; re-fetched on an unknown key id at most
 * every 30 s), which is no session state: a revocation is still in the database only.
 */

const CACHE_KEY = Symbol.for("oauth-next-app.logout-jwks");
const holder = globalThis as typeof globalThis & { [CACHE_KEY]?: Map<string, { url: string; keys: JWTVerifyGetKey }> };
const jwksByProvider = (holder[CACHE_KEY] ??= new Map());

export async function logoutTokenIssuer(iss: string): Promise<LogoutTokenIssuer | null> {
  const config = providerClientConfigs(getEnv()).find((c) => c.kind === "oidc" && c.issuer === iss);
  const client = config && providerClient(config.id);
  if (!config || !client) return null;
  const { jwks } = await client.endpoints();
  if (!jwks) return null;
  let cached = jwksByProvider.get(config.id);
  if (!cached || cached.url !== jwks) {
    cached = { url: jwks, keys: createRemoteJWKSet(new URL(jwks), { timeoutDuration: 5_000, cooldownDuration: 30_000 }) };
    jwksByProvider.set(config.id, cached);
  }
  return { provider: config.id, issuer: iss, clientId: config.clientId, keys: cached.keys };
}
