/**
 * Refreshing provider tokens for real: a person signed in through Auth.js with the embedded Dev
 * IdP (rotating refresh tokens; reusing one revokes the grant), a migrated database (in-memory
 * PGlite, and the PostgreSQL server in TEST_DATABASE_URL when set), and the service that the app
 * uses. Refresh requests are counted twice: at our HTTP edge, and at the IdP.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { startDevIdp, type DevIdp } from "@/idp/provider";
import { readAccountTokens } from "@/lib/providers/tokens/store";
import { AppClient, signInAs, testAuthConfig } from "@/test/support/auth-client";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";
import { integrationTargets } from "@/test/support/database-targets";
import { loadLiveProviderProfile } from "@/lib/providers/tokens/live-profile";
import { createProviderClient, type ProviderClient } from "@/lib/providers/client";
import { ProviderUnavailableError, ReconnectRequiredError } from "@/lib/providers/errors";
import { endProviderGrant } from "@/lib/providers/tokens/sign-out";
import { createProviderTokenService, type ProviderTokenServiceDeps } from "@/lib/providers/tokens/refresh";
import { fetchWithTimeout } from "@/lib/providers/authjs";
import { isEncryptedToken } from "@/lib/encryption/ciphertext";
import { createTokenKeyring } from "@/lib/encryption/keyring";

const SECRET = "refresh-test-secret-0123456789abcdefghijklm";
const ALICE = { email: "alice@example.com", password: "alice-password", sub: "dev-alice-5f0c2a91" };
const quiet = { info() {}, warn() {}, error() {} };

let idp: DevIdp;
beforeAll(async () => {
  idp = await startDevIdp({ port: 0, testApi: true });
});
afterAll(async () => {
  await idp?.close();
});

/** Our HTTP edge, counted: every refresh_token POST, userinfo GET and revocation that leaves the app. */
function countingFetch() {
  const sent = { refresh: 0, userinfo: 0, revocation: 0 };
  const fetchImpl: typeof fetch = (input, init) => {
    const url = String(input);
    if (init?.method === "POST" && String(init.body).includes("grant_type=refresh_token")) sent.refresh += 1;
    else if (url.endsWith("/me")) sent.userinfo += 1;
    else if (url.includes("revocation")) sent.revocation += 1;
    return fetchWithTimeout(input, init);
  };
  return { sent, fetchImpl };
}

function devIdpClient(fetchImpl: typeof fetch, issuer = idp.issuer): ProviderClient {
  return createProviderClient(
    { id: "dev-idp", name: "Dev IdP", kind: "oidc", issuer, clientId: idp.client.clientId, clientSecret: idp.client.clientSecret },
    fetchImpl,
  );
}

/** A provider that is up for discovery but whose token endpoint is broken ("hang" = never answers). */
async function startBrokenProvider(mode: "hang" | "503"): Promise<{ issuer: string; close(): Promise<void> }> {
  let issuer = "";
  const server: Server = createServer((req, res) => {
    if (req.url === "/.well-known/openid-configuration") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ issuer, token_endpoint: `${issuer}/token`, userinfo_endpoint: `${issuer}/me` }));
      return;
    }
    if (mode === "503") {
      res.statusCode = 503;
      res.end("maintenance");
    }
    // "hang": never answer; the client's 5-second timeout has to end it.
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function tokenEndpointRefresh(refreshToken: string): Promise<Response> {
  const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
  return fetch(discovery.token_endpoint, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${idp.client.clientId}:${idp.client.clientSecret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }),
  });
}

describe.each(integrationTargets())("provider tokens on $name", ({ url }) => {
  let database: TestDatabase;
  const keyring = () => createTokenKeyring([SECRET]);
  let userId: string;

  beforeAll(async () => {
    database = await createTestDatabase({ url });
  });
  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    await database.db.account.deleteMany();
    await database.db.user.deleteMany();
    const app = new AppClient(testAuthConfig({ issuer: idp.issuer, secret: SECRET, db: database.db, keyring }));
    await signInAs(idp, app, ALICE);
    userId = (await database.db.user.findFirstOrThrow()).id;
  });

  function service(client: ProviderClient, options: Partial<ProviderTokenServiceDeps> = {}) {
    return createProviderTokenService({
      db: database.db,
      keyring,
      client: (provider) => (provider === "dev-idp" ? client : undefined),
      log: quiet,
      ...options,
    });
  }

  async function stored() {
    return (await readAccountTokens(database.db, await keyring(), userId, "dev-idp"))!;
  }

  async function expireAccessToken() {
    await database.db.account.updateMany({ data: { expires_at: Math.floor(Date.now() / 1000) - 5 } });
  }

  /** Another instance holds the refresh lease for `ms` more (by the database's clock, as leases are). */
  async function holdLease(owner: string, ms: number) {
    await database.db.$executeRaw`UPDATE "Account" SET "refreshLeaseOwner" = ${owner}, "refreshLeaseUntil" = now() + ${ms}::integer * interval '1 millisecond'`;
  }

  async function rawRow() {
    return database.db.account.findFirstOrThrow({
      select: { access_token: true, refresh_token: true, id_token: true, expires_at: true, tokenVersion: true, refreshLeaseOwner: true, reconnectRequiredAt: true },
    });
  }

  it("hands out the stored token while it is valid, without asking the provider", async () => {
    const { sent, fetchImpl } = countingFetch();
    const token = await service(devIdpClient(fetchImpl)).getAccessToken(userId, "dev-idp");
    expect(token.value).toBe((await stored()).accessToken);
    expect(sent.refresh).toBe(0);
  });

  it("50 concurrent calls on an expired token: exactly one refresh reaches the provider, all get its token, the grant stays valid", async () => {
    await expireAccessToken();
    const before = await stored();
    const { sent, fetchImpl } = countingFetch();
    const tokens = service(devIdpClient(fetchImpl));
    const grantsBefore = idp.stats().grants.refresh_token;

    const results = await Promise.all(Array.from({ length: 50 }, () => tokens.getAccessToken(userId, "dev-idp")));

    expect(sent.refresh).toBe(1);
    expect(idp.stats().grants.refresh_token - grantsBefore).toBe(1);
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
    expect((await tokens.getAccessToken(userId, "dev-idp")).value).not.toBe(after.accessToken);
    expect(idp.stats().grants.refresh_token - grantsBefore).toBe(2);
  });

  it("10 instances sharing the database (no shared memory), 5 calls each: still exactly one refresh", async () => {
    await expireAccessToken();
    const { sent, fetchImpl } = countingFetch();
    const client = devIdpClient(fetchImpl);
    const grantsBefore = idp.stats().grants.refresh_token;
    // Each service has its own in-flight map: only the database lease stands between them.
    const instances = Array.from({ length: 10 }, () => service(client, { inflight: new Map() }));
    const results = await Promise.all(instances.flatMap((instance) => Array.from({ length: 5 }, () => instance.getAccessToken(userId, "dev-idp"))));
    expect(sent.refresh).toBe(1);
    expect(idp.stats().grants.refresh_token - grantsBefore).toBe(1);
    expect(new Set(results.map((r) => r.value))).toEqual(new Set([(await stored()).accessToken]));
  });

  it("a token the provider refused is refreshed even though it has not expired, once for all concurrent callers", async () => {
    const { sent, fetchImpl } = countingFetch();
    const tokens = service(devIdpClient(fetchImpl));
    const refused = (await stored()).accessToken!;
    const results = await Promise.all(Array.from({ length: 5 }, () => tokens.getAccessToken(userId, "dev-idp", { rejected: refused })));
    expect(sent.refresh).toBe(1);
    expect(new Set(results.map((r) => r.value)).size).toBe(1);
    expect(results[0]!.value).not.toBe(refused);
  });

  it("invalid_grant: the account is marked for reconnection after one provider call, and nothing retries", async () => {
    await fetch(`${idp.issuer}/__test/revoke-grants?sub=${ALICE.sub}`, { method: "POST" });
    await expireAccessToken();
    const { sent, fetchImpl } = countingFetch();
    const tokens = service(devIdpClient(fetchImpl));

    const first = await Promise.allSettled(Array.from({ length: 10 }, () => tokens.getAccessToken(userId, "dev-idp")));
    for (const result of first) {
      expect(result.status).toBe("rejected");
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ReconnectRequiredError);
    }
    expect(sent.refresh).toBe(1);
    const row = await database.db.account.findFirstOrThrow();
    expect(row.reconnectRequiredAt).toBeInstanceOf(Date);
    expect(row.reconnectReason).toBe("invalid_grant");
    expect(row.refresh_token).toBeNull();
    // The person's data stays.
    expect(await database.db.user.count()).toBe(1);

    // Later requests (this instance, or another one) do not go back to the provider.
    for (let i = 0; i < 5; i++) {
      await expect(service(devIdpClient(fetchImpl), { inflight: new Map() }).getAccessToken(userId, "dev-idp")).rejects.toBeInstanceOf(
        ReconnectRequiredError,
      );
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
        await expect(service(devIdpClient(fetchImpl, issuer)).getAccessToken(userId, "dev-idp")).rejects.toBeInstanceOf(
          ProviderUnavailableError,
        );
        expect(await rawRow()).toEqual(before);
      }
    } finally {
      await broken.close();
    }
    const { fetchImpl } = countingFetch();
    expect((await service(devIdpClient(fetchImpl)).getAccessToken(userId, "dev-idp")).value).toBe((await stored()).accessToken);
  });

  it("provider slow: gives up after the 5-second timeout, tokens untouched", async () => {
    await expireAccessToken();
    const before = await rawRow();
    const slow = await startBrokenProvider("hang");
    try {
      const started = Date.now();
      const { fetchImpl } = countingFetch();
      await expect(service(devIdpClient(fetchImpl, slow.issuer)).getAccessToken(userId, "dev-idp")).rejects.toBeInstanceOf(
        ProviderUnavailableError,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(await rawRow()).toEqual(before);
    } finally {
      await slow.close();
    }
  });

  it("a holder that died mid-refresh blocks others only until its lease expires; then one of them takes over", async () => {
    await expireAccessToken();
    await holdLease("crashed-instance", 1_000);
    const { sent, fetchImpl } = countingFetch();
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 3 }, () => service(devIdpClient(fetchImpl), { inflight: new Map() }).getAccessToken(userId, "dev-idp")),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(sent.refresh).toBe(1);
    expect(new Set(results.map((r) => r.value)).size).toBe(1);
  });

  it("a refresh still running elsewhere past our patience: 'try again', no second refresh", async () => {
    await expireAccessToken();
    await holdLease("busy-instance", 60_000);
    const { sent, fetchImpl } = countingFetch();
    await expect(service(devIdpClient(fetchImpl), { waitMs: 500 }).getAccessToken(userId, "dev-idp")).rejects.toBeInstanceOf(
      ProviderUnavailableError,
    );
    expect(sent.refresh).toBe(0);
  });

  it("a legacy plaintext row still works and gets encrypted; old-key rows move to the current key", async () => {
    const plain = await stored();
    await database.db.account.updateMany({
      data: { access_token: plain.accessToken, refresh_token: plain.refreshToken, id_token: plain.idToken },
    });
    const { sent, fetchImpl } = countingFetch();
    expect((await service(devIdpClient(fetchImpl)).getAccessToken(userId, "dev-idp")).value).toBe(plain.accessToken);
    const row = await rawRow();
    for (const column of [row.access_token, row.refresh_token, row.id_token]) expect(isEncryptedToken(column!)).toBe(true);
    expect(await stored()).toMatchObject({ accessToken: plain.accessToken, refreshToken: plain.refreshToken, stale: false });

    const NEW = "rotated-token-secret-0123456789abcdefghijk";
    const rotated = () => createTokenKeyring([NEW, SECRET]);
    await service(devIdpClient(fetchImpl), { keyring: rotated }).getAccessToken(userId, "dev-idp");
    const reread = (await readAccountTokens(database.db, await createTokenKeyring([NEW]), userId, "dev-idp"))!;
    expect(reread).toMatchObject({ accessToken: plain.accessToken, refreshToken: plain.refreshToken, stale: false, undecryptable: null });
    expect(sent.refresh).toBe(0);
  });

  it("the live profile refreshes a token the provider revoked early, then asks for a reconnect", async () => {
    const { sent, fetchImpl } = countingFetch();
    const client = devIdpClient(fetchImpl);
    const deps = { tokens: service(client), client: () => client, log: quiet };
    expect(await loadLiveProviderProfile(deps, userId, "dev-idp")).toMatchObject({
      status: "ok",
      profile: { id: ALICE.sub, email: ALICE.email, name: "Alice Example" },
    });

    await fetch(`${idp.issuer}/__test/revoke-grants?sub=${ALICE.sub}`, { method: "POST" });
    expect(await loadLiveProviderProfile(deps, userId, "dev-idp")).toEqual({ status: "reconnect_required", provider: "dev-idp" });
    expect(await loadLiveProviderProfile(deps, userId, "dev-idp")).toEqual({ status: "reconnect_required", provider: "dev-idp" });
    expect(sent.refresh).toBe(1);
  });

  it("sign-out revokes the refresh token at the provider and forgets every token", async () => {
    const { refreshToken, idToken } = await stored();
    const { sent, fetchImpl } = countingFetch();
    const revocationsBefore = idp.stats().revocations;
    const result = await endProviderGrant({ db: database.db, keyring, client: () => devIdpClient(fetchImpl), log: quiet }, userId, "dev-idp");
    expect(result.idToken).toBe(idToken);
    expect(idp.stats().revocations - revocationsBefore).toBe(1);
    expect(sent.revocation).toBe(1);
    const refused = await tokenEndpointRefresh(refreshToken!);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe("invalid_grant");
    const row = await database.db.account.findFirstOrThrow();
    expect(row).toMatchObject({ access_token: null, refresh_token: null, id_token: null, reconnectReason: "signed_out" });
  });

  it("sign-out with the provider down still forgets the tokens and never throws", async () => {
    const gone = await startBrokenProvider("503");
    await gone.close();
    const { fetchImpl } = countingFetch();
    const client = devIdpClient(fetchImpl, gone.issuer);
    await expect(endProviderGrant({ db: database.db, keyring, client: () => client, log: quiet }, userId, "dev-idp")).resolves.toMatchObject({
      idToken: expect.any(String),
    });
    expect(await database.db.account.findFirstOrThrow()).toMatchObject({ refresh_token: null, reconnectReason: "signed_out" });
  });

  if (url === "pglite:memory") {
    it.todo(
      "two separate processes racing for one account: PGlite allows one process per database, so this runs on PostgreSQL only (set TEST_DATABASE_URL=postgres://…)",
    );
  } else {
    it("two separate processes racing for the same account: one refresh, both get the same token", async () => {
      await expireAccessToken();
      const [current] = await database.db.$queryRaw<{ schema: string }[]>`SELECT current_schema() AS "schema"`;
      const databaseUrl = new URL(url);
      databaseUrl.searchParams.set("schema", current!.schema);
      const grantsBefore = idp.stats().grants.refresh_token;

      const children = [0, 1].map(() =>
        spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "test/support/refresh-race-child.ts"], {
          env: {
            ...process.env,
            RACE_DATABASE_URL: databaseUrl.href,
            RACE_ISSUER: idp.issuer,
            RACE_CLIENT_ID: idp.client.clientId,
            RACE_CLIENT_SECRET: idp.client.clientSecret,
            RACE_TOKEN_SECRET: SECRET,
            RACE_USER_ID: userId,
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
        const outputs = await Promise.all(lines.map(async (read) => JSON.parse((await read(2))[1]!) as { refreshRequests: number; values: (string | null)[]; errors: string[] }));

        expect(outputs.flatMap((o) => o.errors)).toEqual([]);
        expect(outputs.reduce((sum, o) => sum + o.refreshRequests, 0)).toBe(1);
        expect(idp.stats().grants.refresh_token - grantsBefore).toBe(1);
        expect(new Set(outputs.flatMap((o) => o.values))).toEqual(new Set([(await stored()).accessToken]));
      } finally {
        for (const child of children) child.kill();
      }
    }, 60_000);
  }
});
