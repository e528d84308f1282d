/**
 * When refreshing provider tokens fails: the provider refuses the grant (invalid_grant: the account
 * must be reconnected, and nothing retries), or is down or slow (unavailable: tokens untouched, the
 * lease released). Same setup as refresh.test.ts (test/support/token-service-fixture.ts).
 */
import { describe, expect, it } from "vitest";

import { ProviderUnavailableError, ReconnectRequiredError } from "@/lib/providers/errors";
import { loadLiveProviderProfile } from "@/lib/providers/tokens/live-profile";
import { integrationTargets } from "@/test/support/database-targets";
import { ALICE, countingFetch, quiet, startBrokenProvider, useSignedInAccount, useTokenIdp } from "@/test/support/token-service-fixture";

const dev = useTokenIdp();
const { devIdpClient } = dev;

describe.each(integrationTargets())("provider token refresh failures on $name", ({ url }) => {
  const account = useSignedInAccount(dev, url);
  const { expireAccessToken, rawRow, service, stored } = account;

  it("invalid_grant: the account is marked for reconnection after one provider call, and nothing retries", async () => {
    await fetch(`${dev.idp.issuer}/__test/revoke-grants?sub=${ALICE.sub}`, { method: "POST" });
    await expireAccessToken();
    const { sent, fetchImpl } = countingFetch();
    const tokens = service(devIdpClient(fetchImpl));

    const first = await Promise.allSettled(Array.from({ length: 10 }, () => tokens.getAccessToken(account.userId, "dev-idp")));
    for (const result of first) {
      expect(result.status).toBe("rejected");
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ReconnectRequiredError);
    }
    expect(sent.refresh).toBe(1);
    const row = await account.db.account.findFirstOrThrow();
    expect(row.reconnectRequiredAt).toBeInstanceOf(Date);
    expect(row.reconnectReason).toBe("invalid_grant");
    expect(row.refresh_token).toBeNull();
    // The person's data stays.
    expect(await account.db.user.count()).toBe(1);

    // Later requests (this instance, or another one) do not go back to the provider.
    for (let i = 0; i < 5; i++) {
      await expect(
        service(devIdpClient(fetchImpl), { inflight: new Map() }).getAccessToken(account.userId, "dev-idp"),
      ).rejects.toBeInstanceOf(ReconnectRequiredError);
    }
    expect(sent.refresh).toBe(1);
  });

  it("provider down (refused connection, 503): unavailable, lease released, tokens untouched, and the next try works", async () => {
    await expireAccessToken();
    const before = await rawRow();
    const broken = await startBrokenProvider("503");
    const gone = await startBrokenProvider("503");
    await gone.close(); // nothing listens there any more
    try {
      for (const issuer of [broken.issuer, gone.issuer]) {
        const { fetchImpl } = countingFetch();
        await expect(service(devIdpClient(fetchImpl, issuer)).getAccessToken(account.userId, "dev-idp")).rejects.toBeInstanceOf(
          ProviderUnavailableError,
        );
        expect(await rawRow()).toEqual(before);
      }
    } finally {
      await broken.close();
    }
    const { fetchImpl } = countingFetch();
    expect((await service(devIdpClient(fetchImpl)).getAccessToken(account.userId, "dev-idp")).value).toBe((await stored()).accessToken);
  });

  it("provider slow: gives up after the 5-second timeout, tokens untouched", async () => {
    await expireAccessToken();
    const before = await rawRow();
    const slow = await startBrokenProvider("hang");
    try {
      const started = Date.now();
      const { fetchImpl } = countingFetch();
      await expect(service(devIdpClient(fetchImpl, slow.issuer)).getAccessToken(account.userId, "dev-idp")).rejects.toBeInstanceOf(
        ProviderUnavailableError,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(await rawRow()).toEqual(before);
    } finally {
      await slow.close();
    }
  });

  it("the live profile refreshes a token the provider revoked early, then asks for a reconnect", async () => {
    const { sent, fetchImpl } = countingFetch();
    const client = devIdpClient(fetchImpl);
    const tokens = service(client);
    const deps = { accessToken: tokens.getAccessToken, client: () => client, log: quiet };
    expect(await loadLiveProviderProfile(deps, account.userId, "dev-idp")).toMatchObject({
      status: "ok",
      profile: { id: ALICE.sub, email: ALICE.email, name: "Alice Example" },
    });

    await fetch(`${dev.idp.issuer}/__test/revoke-grants?sub=${ALICE.sub}`, { method: "POST" });
    expect(await loadLiveProviderProfile(deps, account.userId, "dev-idp")).toEqual({ status: "reconnect_required", provider: "dev-idp" });
    expect(await loadLiveProviderProfile(deps, account.userId, "dev-idp")).toEqual({ status: "reconnect_required", provider: "dev-idp" });
    expect(sent.refresh).toBe(1);
  });
});
