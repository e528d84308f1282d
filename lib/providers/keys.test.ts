import { exportJWK, generateKeyPair, SignJWT, jwtVerify, type CryptoKey, type JWK } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { forgetProviderKeys, KEY_SET_MAX_AGE_MS, providerKeySet, REFETCH_FLOOR_MS } from "@/lib/providers/keys";

const JWKS = "https://idp.example/jwks";

async function key(kid: string): Promise<{ kid: string; privateKey: CryptoKey; jwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256" } };
}

/** The provider at the HTTP edge: it publishes `published`, and counts the fetches. */
function provider(published: JWK[]) {
  const state = { published, fetches: 0, status: 200 };
  const fetchImpl = (async () => {
    state.fetches += 1;
    return state.status === 200 ? Response.json({ keys: state.published }) : new Response("down", { status: state.status });
  }) as unknown as typeof fetch;
  return { state, fetchImpl };
}

const token = (signer: { kid: string; privateKey: CryptoKey }) =>
  new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: signer.kid }).setIssuedAt().setExpirationTime("5m").sign(signer.privateKey);

beforeEach(() => forgetProviderKeys());
afterEach(() => vi.useRealTimers());

describe("providerKeySet", () => {
  it("fetches the keys once and verifies with them while every kid is known", async () => {
    const a = await key("a");
    const { state, fetchImpl } = provider([a.jwk]);
    const keys = providerKeySet(JWKS, fetchImpl);
    for (let i = 0; i < 5; i++) await jwtVerify(await token(a), keys);
    expect(state.fetches).toBe(1);
  });

  it("fetches again at once for an unknown kid after a rotation, once the floor since the last fetch has passed", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout"] });
    const [a, b] = [await key("a"), await key("b")];
    const { state, fetchImpl } = provider([a.jwk]);
    const keys = providerKeySet(JWKS, fetchImpl);
    await jwtVerify(await token(a), keys);
    state.published = [b.jwk];
    vi.advanceTimersByTime(REFETCH_FLOOR_MS);
    await jwtVerify(await token(b), keys);
    expect(state.fetches).toBe(2);
  });

  it("within the floor, waits for it, and a flood of unknown kids shares one fetch", async () => {
    const [a, b] = [await key("a"), await key("b")];
    const { state, fetchImpl } = provider([a.jwk]);
    const keys = providerKeySet(JWKS, fetchImpl);
    await jwtVerify(await token(a), keys);
    state.published = [a.jwk, b.jwk];
    const forged = await key("never-published");
    const started = Date.now();
    const results = await Promise.allSettled([
      jwtVerify(await token(b), keys),
      ...Array.from({ length: 10 }, async () => jwtVerify(await token(forged), keys)),
    ]);
    expect(results[0]?.status).toBe("fulfilled");
    expect(results.slice(1).every((r) => r.status === "rejected")).toBe(true);
    expect(state.fetches).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(REFETCH_FLOOR_MS - 50);
  });

  it("drops a withdrawn key once the set is old enough to be fetched again", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const [a, b] = [await key("a"), await key("b")];
    const { state, fetchImpl } = provider([a.jwk, b.jwk]);
    const keys = providerKeySet(JWKS, fetchImpl);
    await jwtVerify(await token(a), keys);
    state.published = [b.jwk];
    vi.setSystemTime(Date.now() + KEY_SET_MAX_AGE_MS);
    await expect(jwtVerify(await token(a), keys)).rejects.toMatchObject({ code: "ERR_JWKS_NO_MATCHING_KEY" });
  });

  it("reports a provider that does not serve its keys as unavailable, not as a bad token", async () => {
    const a = await key("a");
    const { state, fetchImpl } = provider([a.jwk]);
    state.status = 503;
    await expect(jwtVerify(await token(a), providerKeySet(JWKS, fetchImpl))).rejects.toMatchObject({ name: "ProviderUnavailableError" });
  });
});
