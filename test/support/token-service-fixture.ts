/**
 * Test support (not a test) for lib/providers/tokens/*.test.ts: Alice signed in for real through
 * Auth.js with the embedded Dev IdP (rotating refresh tokens; reusing one revokes the grant), on a
 * migrated test database, and the token service the app uses over it. Refresh requests are
 * counted twice: at our HTTP edge (countingFetch), and at the IdP (its stats).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, beforeEach } from "vitest";

import { startDevIdp, type DevIdp } from "@/idp/provider";
import { createTokenKeyring } from "@/lib/encryption/keyring";
import { createProviderClient, type ProviderClient } from "@/lib/providers/client";
import { fetchWithTimeout } from "@/lib/providers/fetch";
import { profileFromOidcClaims } from "@/lib/providers/profile";
import { createProviderTokenService, type ProviderTokenServiceDeps } from "@/lib/providers/tokens/refresh";
import { readAccountTokens } from "@/lib/providers/tokens/store";
import { AppClient, signInAs, testAuthConfig } from "@/test/support/auth-client";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";

export const SECRET = "refresh-test-secret-0123456789abcdefghijklm";
export const ALICE = { email: "alice@example.com", password: "alice-password", sub: "dev-alice-5f0c2a91" };
export const quiet = { info() {}, warn() {}, error() {} };
export const keyring = () => createTokenKeyring([SECRET]);

/** Our HTTP edge, counted: every refresh_token POST, userinfo GET and revocation that leaves the app. */
export function countingFetch() {
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

/** A provider that is up for discovery but whose token endpoint is broken ("hang" = never answers). */
export async function startBrokenProvider(mode: "hang" | "503"): Promise<{ issuer: string; close(): Promise<void> }> {
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

/** Starts the Dev IdP (test API on) before this file's tests and stops it after. */
export function useTokenIdp(): TokenIdp {
  const dev = new TokenIdp();
  beforeAll(async () => {
    await dev.start();
  });
  afterAll(async () => {
    await dev.stop();
  });
  return dev;
}

/** The Dev IdP, and the app's provider client for it. Arrow-function members: destructure freely. */
export class TokenIdp {
  #idp: DevIdp | undefined;

  get idp(): DevIdp {
    if (!this.#idp) throw new Error("the Dev IdP is started in beforeAll");
    return this.#idp;
  }

  async start(): Promise<void> {
    this.#idp = await startDevIdp({ port: 0, testApi: true });
  }

  async stop(): Promise<void> {
    await this.#idp?.close();
  }

  /** The app's client for the Dev IdP, or for another issuer with its client id and secret. */
  devIdpClient = (fetchImpl: typeof fetch, issuer = this.idp.issuer): ProviderClient =>
    createProviderClient(
      {
        id: "dev-idp",
        name: "Dev IdP",
        issuer,
        clientId: this.idp.client.clientId,
        clientSecret: this.idp.client.clientSecret,
        profile: (claims) => profileFromOidcClaims(claims),
      },
      fetchImpl,
    );

  /** A refresh straight at the IdP's token endpoint, as the client (not through the app). */
  tokenEndpointRefresh = async (refreshToken: string): Promise<Response> => {
    const discovery = (await (await fetch(`${this.idp.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
    return fetch(discovery.token_endpoint, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${this.idp.client.clientId}:${this.idp.client.clientSecret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }),
    });
  };
}

/**
 * A test database (`url`, see integrationTargets) for the enclosing describe, where Alice signs in
 * afresh before each test; her tokens are stored, encrypted under SECRET.
 */
export function useSignedInAccount(dev: TokenIdp, url: string): SignedInAccount {
  const account = new SignedInAccount(dev);
  beforeAll(async () => {
    await account.open(url);
  });
  afterAll(async () => {
    await account.close();
  });
  beforeEach(async () => {
    await account.signIn();
  });
  return account;
}

export class SignedInAccount {
  #database: TestDatabase | undefined;
  #userId: string | undefined;

  constructor(private readonly dev: TokenIdp) {}

  get database(): TestDatabase {
    if (!this.#database) throw new Error("the test database is created in beforeAll");
    return this.#database;
  }

  get db(): TestDatabase["db"] {
    return this.database.db;
  }

  /** Alice's user id, after this test's sign-in. */
  get userId(): string {
    if (!this.#userId) throw new Error("Alice signs in in beforeEach");
    return this.#userId;
  }

  async open(url: string): Promise<void> {
    this.#database = await createTestDatabase({ url });
  }

  async close(): Promise<void> {
    await this.#database?.close();
  }

  async signIn(): Promise<void> {
    await this.db.account.deleteMany();
    await this.db.user.deleteMany();
    const app = new AppClient(testAuthConfig({ issuer: this.dev.idp.issuer, secret: SECRET, db: this.db, keyring }));
    await signInAs(this.dev.idp, app, ALICE);
    this.#userId = (await this.db.user.findFirstOrThrow()).id;
  }

  /** The app's token service over this database, with `client` as the only provider (dev-idp). */
  service = (client: ProviderClient, options: Partial<ProviderTokenServiceDeps> = {}) =>
    createProviderTokenService({
      db: this.db,
      keyring,
      client: (provider) => (provider === "dev-idp" ? client : undefined),
      log: quiet,
      ...options,
    });

  /** Alice's tokens as the app reads them (decrypted). */
  stored = async () => (await readAccountTokens(this.db, await keyring(), this.userId, "dev-idp"))!;

  expireAccessToken = async (): Promise<void> => {
    await this.db.account.updateMany({ data: { expires_at: Math.floor(Date.now() / 1000) - 5 } });
  };

  /** Another instance holds the refresh lease for `ms` more (by the database's clock, as leases are). */
  holdLease = async (owner: string, ms: number): Promise<void> => {
    await this.db
      .$executeRaw`UPDATE "Account" SET "refreshLeaseOwner" = ${owner}, "refreshLeaseUntil" = now() + ${ms}::integer * interval '1 millisecond'`;
  };

  /** The account row as stored (ciphertexts, version, lease). */
  rawRow = () =>
    this.db.account.findFirstOrThrow({
      select: {
        access_token: true,
        refresh_token: true,
        id_token: true,
        expires_at: true,
        tokenVersion: true,
        refreshLeaseOwner: true,
        reconnectRequiredAt: true,
      },
    });
}
