/**
 * Refreshing provider tokens for real, through the service the app uses: a valid token is handed
 * out as it is, and an expired or refused one is refreshed exactly once however many callers,
 * instances or processes ask at the same time (the database lease decides). In-memory PGlite, and
 * the PostgreSQL server in TEST_DATABASE_URL when set; setup in test/support/token-service-fixture.ts.
 */
import { spawn } from "node:child_process";

import { describe, expect, it } from "vitest";

import { createTokenKeyring } from "@/lib/encryption/keyring";
import { isEncryptedToken } from "@/lib/encryption/ciphertext";
import { ProviderUnavailableError } from "@/lib/providers/errors";
import { readAccountTokens } from "@/lib/providers/tokens/store";
import { integrationTargets } from "@/test/support/database-targets";
import { SECRET, countingFetch, useSignedInAccount, useTokenIdp } from "@/test/support/token-service-fixture";

const dev = useTokenIdp();
const { devIdpClient } = dev;

describe.each(integrationTargets())("provider tokens on $name", ({ url }) => {
  const account = useSignedInAccount(dev, url);
  const { expireAccessToken, holdLease, rawRow, service, stored } = account;

  it("hands out the stored token while it is valid, without asking the provider", async () => {
    const { sent, fetchImpl } = countingFetch();
    const token = await service(devIdpClient(fetchImpl)).getAccessToken(account.userId, "dev-idp");
    expect(token.value).toBe((await stored()).accessToken);
    expect(sent.refresh).toBe(0);
  });

  it("50 concurrent calls on an expired token: exactly one refresh reaches the provider, all get its token, the grant stays valid", async () => {
    await expireAccessToken();
    const before = await stored();
    const { sent, fetchImpl } = countingFetch();
    const tokens = service(devIdpClient(fetchImpl));
    const grantsBefore = dev.idp.stats().grants.refresh_token;

    const results = await Promise.all(Array.from({ length: 50 }, () => tokens.getAccessToken(account.userId, "dev-idp")));

    expect(sent.refresh).toBe(1);
    expect(dev.idp.stats().grants.refresh_token - grantsBefore).toBe(1);
    expect(new Set(results.map((r) => r.value)).size).toBe(1);
    const after = await stored();
    expect(results[0]!.value).toBe(after.accessToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken); // rotated, and the new one stored
    expect(after.version).toBe(before.version + 1);
    expect(after.expiresAt! * 1000).toBeGreaterThan(Date.now() + 60_000);
    expect((await rawRow()).refreshLeaseOwner).toBeNull();

    // The grant survived (a reuse would have revoked it): the next refresh works too.
    await expireAccessToken();
    expect((await tokens.getAccessToken(account.userId, "dev-idp")).value).not.toBe(after.accessToken);
    expect(dev.idp.stats().grants.refresh_token - grantsBefore).toBe(2);
  });

  it("10 instances sharing the database (no shared memory), 5 calls each: still exactly one refresh", async () => {
    await expireAccessToken();
    const { sent, fetchImpl } = countingFetch();
    const client = devIdpClient(fetchImpl);
    const grantsBefore = dev.idp.stats().grants.refresh_token;
    // Each service has its own in-flight map: only the database lease stands between them.
    const instances = Array.from({ length: 10 }, () => service(client, { inflight: new Map() }));
    const results = await Promise.all(
      instances.flatMap((instance) => Array.from({ length: 5 }, () => instance.getAccessToken(account.userId, "dev-idp"))),
    );
    expect(sent.refresh).toBe(1);
    expect(dev.idp.stats().grants.refresh_token - grantsBefore).toBe(1);
    expect(new Set(results.map((r) => r.value))).toEqual(new Set([(await stored()).accessToken]));
  });

  it("a token the provider refused is refreshed even though it has not expired, once for all concurrent callers", async () => {
    const { sent, fetchImpl } = countingFetch();
    const tokens = service(devIdpClient(fetchImpl));
    const refused = (await stored()).accessToken!;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => tokens.getAccessToken(account.userId, "dev-idp", { rejected: refused })),
    );
    expect(sent.refresh).toBe(1);
    expect(new Set(results.map((r) => r.value)).size).toBe(1);
    expect(results[0]!.value).not.toBe(refused);
  });

  it("a holder that died mid-refresh blocks others only until its lease expires; then one of them takes over", async () => {
    await expireAccessToken();
    await holdLease("crashed-instance", 1_000);
    const { sent, fetchImpl } = countingFetch();
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 3 }, () => service(devIdpClient(fetchImpl), { inflight: new Map() }).getAccessToken(account.userId, "dev-idp")),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(sent.refresh).toBe(1);
    expect(new Set(results.map((r) => r.value)).size).toBe(1);
  });

  it("a refresh still running elsewhere past our patience: 'try again', no second refresh", async () => {
    await expireAccessToken();
    await holdLease("busy-instance", 60_000);
    const { sent, fetchImpl } = countingFetch();
    await expect(service(devIdpClient(fetchImpl), { waitMs: 500 }).getAccessToken(account.userId, "dev-idp")).rejects.toBeInstanceOf(
      ProviderUnavailableError,
    );
    expect(sent.refresh).toBe(0);
  });

  it("a legacy plaintext row still works and gets encrypted; old-key rows move to the current key", async () => {
    const plain = await stored();
    await account.db.account.updateMany({
      data: { access_token: plain.accessToken, refresh_token: plain.refreshToken, id_token: plain.idToken },
    });
    const { sent, fetchImpl } = countingFetch();
    expect((await service(devIdpClient(fetchImpl)).getAccessToken(account.userId, "dev-idp")).value).toBe(plain.accessToken);
    const row = await rawRow();
    for (const column of [row.access_token, row.refresh_token, row.id_token]) expect(isEncryptedToken(column!)).toBe(true);
    expect(await stored()).toMatchObject({ accessToken: plain.accessToken, refreshToken: plain.refreshToken, stale: false });

    const NEW = "rotated-token-secret-0123456789abcdefghijk";
    const rotated = () => createTokenKeyring([NEW, SECRET]);
    await service(devIdpClient(fetchImpl), { keyring: rotated }).getAccessToken(account.userId, "dev-idp");
    const reread = (await readAccountTokens(account.db, await createTokenKeyring([NEW]), account.userId, "dev-idp"))!;
    expect(reread).toMatchObject({ accessToken: plain.accessToken, refreshToken: plain.refreshToken, stale: false, undecryptable: null });
    expect(sent.refresh).toBe(0);
  });

  if (url === "pglite:memory") {
    it.todo(
      "two separate processes racing for one account: PGlite allows one process per database, so this runs on PostgreSQL only (set TEST_DATABASE_URL=postgres://…)",
    );
  } else {
    it("two separate processes racing for the same account: one refresh, both get the same token", async () => {
      await expireAccessToken();
      const [current] = await account.db.$queryRaw<{ schema: string }[]>`SELECT current_schema() AS "schema"`;
      const databaseUrl = new URL(url);
      databaseUrl.searchParams.set("schema", current!.schema);
      const grantsBefore = dev.idp.stats().grants.refresh_token;

      const children = [0, 1].map(() =>
        spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "test/support/refresh-race-child.ts"], {
          env: {
            ...process.env,
            RACE_DATABASE_URL: databaseUrl.href,
            RACE_ISSUER: dev.idp.issuer,
            RACE_CLIENT_ID: dev.idp.client.clientId,
            RACE_CLIENT_SECRET: dev.idp.client.clientSecret,
            RACE_TOKEN_SECRET: SECRET,
            RACE_USER_ID: account.userId,
            RACE_CALLS: "5",
          },
          stdio: ["pipe", "pipe", "inherit"],
        }),
      );
      const lines = children.map((child) => {
        const received: string[] = [];
        let buffer = "";
        const waiters: (() => void)[] = [];
        child.stdout.on("data", (chunk: Buffer) => {
          buffer += chunk.toString();
          let newline;
          while ((newline = buffer.indexOf("\n")) >= 0) {
            received.push(buffer.slice(0, newline));
            buffer = buffer.slice(newline + 1);
            waiters.splice(0).forEach((w) => w());
          }
        });
        return async (count: number) => {
          while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
          return received;
        };
      });
      try {
        await Promise.all(lines.map((read) => read(1)));
        for (const child of children) child.stdin.write("go\n");
        const outputs = await Promise.all(
          lines.map(
            async (read) => JSON.parse((await read(2))[1]!) as { refreshRequests: number; values: (string | null)[]; errors: string[] },
          ),
        );

        expect(outputs.flatMap((o) => o.errors)).toEqual([]);
        expect(outputs.reduce((sum, o) => sum + o.refreshRequests, 0)).toBe(1);
        expect(dev.idp.stats().grants.refresh_token - grantsBefore).toBe(1);
        expect(new Set(outputs.flatMap((o) => o.values))).toEqual(new Set([(await stored()).accessToken]));
      } finally {
        for (const child of children) child.kill();
      }
    }, 60_000);
  }
});
