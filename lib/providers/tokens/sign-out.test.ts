/**
 * Signing out of a provider (endProviderGrant): the refresh token is revoked at the provider and
 * every stored token forgotten, even when the provider cannot be reached. Same setup as
 * refresh.test.ts (test/support/token-service-fixture.ts).
 */
import { describe, expect, it } from "vitest";

import { endProviderGrant, unlinkAndRevoke } from "@/lib/providers/tokens/sign-out";
import { integrationTargets } from "@/test/support/database-targets";
import { countingFetch, keyring, quiet, startBrokenProvider, useSignedInAccount, useTokenIdp } from "@/test/support/token-service-fixture";

const dev = useTokenIdp();
const { devIdpClient, tokenEndpointRefresh } = dev;

describe.each(integrationTargets())("provider sign-out on $name", ({ url }) => {
  const account = useSignedInAccount(dev, url);
  const { stored } = account;

  it("sign-out revokes the refresh token at the provider and forgets every token", async () => {
    const { refreshToken, idToken } = await stored();
    const { sent, fetchImpl } = countingFetch();
    const revocationsBefore = dev.idp.stats().revocations;
    const result = await endProviderGrant(
      { db: account.db, keyring, client: () => devIdpClient(fetchImpl), log: quiet },
      account.userId,
      "dev-idp",
    );
    expect(result.idToken).toBe(idToken);
    expect(dev.idp.stats().revocations - revocationsBefore).toBe(1);
    expect(sent.revocation).toBe(1);
    const refused = await tokenEndpointRefresh(refreshToken!);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe("invalid_grant");
    const row = await account.db.account.findFirstOrThrow();
    expect(row).toMatchObject({ access_token: null, refresh_token: null, id_token: null, reconnectReason: "signed_out" });
  });

  it("sign-out with the provider down still forgets the tokens and never throws", async () => {
    const gone = await startBrokenProvider("503");
    await gone.close();
    const { fetchImpl } = countingFetch();
    const client = devIdpClient(fetchImpl, gone.issuer);
    await expect(
      endProviderGrant({ db: account.db, keyring, client: () => client, log: quiet }, account.userId, "dev-idp"),
    ).resolves.toMatchObject({
      idToken: expect.any(String),
    });
    expect(await account.db.account.findFirstOrThrow()).toMatchObject({ refresh_token: null, reconnectReason: "signed_out" });
  });

  it("unlinking revokes the grant at the provider with the tokens held before the account was removed", async () => {
    const { refreshToken } = await stored();
    const { fetchImpl } = countingFetch();
    const deps = { db: account.db, keyring, client: () => devIdpClient(fetchImpl), log: quiet };
    const revocationsBefore = dev.idp.stats().revocations;
    const result = await unlinkAndRevoke(deps, account.userId, "dev-idp", async () => {
      await account.db.account.deleteMany({ where: { userId: account.userId, provider: "dev-idp" } });
      return { removed: true, result: "unlinked" };
    });
    expect(result).toBe("unlinked");
    expect(dev.idp.stats().revocations - revocationsBefore).toBe(1);
    expect(((await (await tokenEndpointRefresh(refreshToken!)).json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("an unlink that is refused (the last way to sign in) revokes nothing", async () => {
    const { refreshToken } = await stored();
    const { sent, fetchImpl } = countingFetch();
    const deps = { db: account.db, keyring, client: () => devIdpClient(fetchImpl), log: quiet };
    const result = await unlinkAndRevoke(deps, account.userId, "dev-idp", async () => ({ removed: false, result: "last_provider" }));
    expect(result).toBe("last_provider");
    expect(sent.revocation ?? 0).toBe(0);
    expect((await tokenEndpointRefresh(refreshToken!)).status).toBe(200);
  });
});
