/**
 * Test support (not a test) for lib/auth/backchannel-logout*.test.ts: a real database with Alice
 * and Bob signed in, and a provider whose signing key is a real RSA key published as a JWKS by a
 * local HTTP server and fetched by the app's own key set (lib/providers/keys.ts): the only stand-in
 * is the provider at the HTTP edge. Logout tokens are made as oidc-provider makes them (§2.4), with
 * any claim or header changed.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { base64url, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";

import { handleBackchannelLogout, LOGOUT_EVENT, type LogoutTokenIssuer } from "@/lib/auth/backchannel-logout";
import type { Database } from "@/lib/db";
import { providerKeySet } from "@/lib/providers/keys";
import { startSession } from "@/lib/session/registry";
import { createTestDatabase, type TestDatabase } from "@/test/support/database";

export const PROVIDER = "dev-idp";
export const CLIENT_ID = "oauth-next-app";
export const CLIENT_SECRET = "dev-idp-client-secret-not-for-production";
export const ENDPOINT = "http://localhost:3000/api/auth/backchannel-logout";
const CLIENT = { ip: "192.0.2.10", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36" };
export const ALICE_SUB = "dev-alice-5f0c2a91";
const BOB_SUB = "dev-bob-8d3e7b14";
const SILENT = { info: () => {}, warn: () => {} };

export const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export function post(
  body: BodyInit | null,
  headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" },
): Request {
  return new Request(ENDPOINT, { method: "POST", headers, body });
}

export const form = (token: string) => new URLSearchParams({ logout_token: token }).toString();

/** Sets up the database and the provider for this file, and fresh sessions before each test. */
export function useBackchannelLogout(): BackchannelLogoutFixture {
  const fixture = new BackchannelLogoutFixture();
  beforeAll(() => fixture.start());
  afterAll(() => fixture.stop());
  beforeEach(() => fixture.seed());
  return fixture;
}

interface Started {
  database: TestDatabase;
  jwksServer: Server;
  issuer: string;
  providerKey: { kid: string; privateKey: CryptoKey };
  issuerEntry: LogoutTokenIssuer;
}

/** Alice signed in twice through the provider (two provider sessions), Bob once; Alice once more elsewhere. */
export interface Sessions {
  aliceOne: string;
  aliceTwo: string;
  aliceOtherProvider: string;
  bob: string;
}

/** Arrow-function members: destructure freely. */
export class BackchannelLogoutFixture {
  #started: Started | undefined;
  #sessions: Sessions | undefined;
  #jtiCounter = 0;
  /** Requests the JWKS server answered, to prove a refusal came before any key was fetched. */
  jwksRequests = 0;
  /** The clock the handler sees; set before each test. */
  now = new Date();

  get #s(): Started {
    if (!this.#started) throw new Error("started in beforeAll");
    return this.#started;
  }
  get db(): Database {
    return this.#s.database.db;
  }
  get issuer(): string {
    return this.#s.issuer;
  }
  get providerKey(): Started["providerKey"] {
    return this.#s.providerKey;
  }
  get issuerEntry(): LogoutTokenIssuer {
    return this.#s.issuerEntry;
  }
  get sessions(): Sessions {
    if (!this.#sessions) throw new Error("sessions are started in beforeEach");
    return this.#sessions;
  }

  async start(): Promise<void> {
    const database = await createTestDatabase();
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const publicJwk = await exportJWK(publicKey);
    const providerKey = { kid: "provider-key-1", privateKey };
    const { server: jwksServer, url: issuer } = await this.#startJwksServer([
      { ...publicJwk, kid: providerKey.kid, alg: "RS256", use: "sig" },
    ]);
    const issuerEntry = { provider: PROVIDER, issuer, clientId: CLIENT_ID, keys: providerKeySet(`${issuer}/jwks`, fetch) };
    this.#started = { database, jwksServer, issuer, providerKey, issuerEntry };
  }

  async stop(): Promise<void> {
    await this.#started?.database.close();
    await new Promise((resolve) => this.#started?.jwksServer.close(resolve));
  }

  async #startJwksServer(keys: JWK[]): Promise<{ server: Server; url: string }> {
    const server = createServer((req, res) => {
      this.jwksRequests += 1;
      if (req.url === "/jwks") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ keys }));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { server, url: `http://127.0.0.1:${port}` };
  }

  /** No logout tokens seen; Alice and Bob with fresh sessions (see Sessions). */
  async seed(): Promise<void> {
    const { db } = this;
    const now = (this.now = new Date());
    await db.seenLogoutToken.deleteMany();
    await db.user.deleteMany();
    const alice = await db.user.create({
      data: {
        email: "alice@example.com",
        accounts: {
          create: [
            { type: "oidc", provider: PROVIDER, providerAccountId: ALICE_SUB },
            { type: "oidc", provider: "oidc", providerAccountId: ALICE_SUB },
          ],
        },
      },
    });
    const bob = await db.user.create({
      data: { email: "bob@example.com", accounts: { create: { type: "oidc", provider: PROVIDER, providerAccountId: BOB_SUB } } },
    });
    const start = (userId: string, providerSid: string, provider = PROVIDER) =>
      startSession(db, { userId, provider, providerSid, client: CLIENT }, now);
    this.#sessions = {
      aliceOne: await start(alice.id, "op-sid-alice-1"),
      aliceTwo: await start(alice.id, "op-sid-alice-2"),
      // Same provider sid string, but another provider: a dev-idp logout must never touch it.
      aliceOtherProvider: await start(alice.id, "op-sid-alice-1", "oidc"),
      bob: await start(bob.id, "op-sid-bob-1"),
    };
  }

  /** A logout token as oidc-provider sends it (§2.4), with any claim or header changed; `undefined` removes one. */
  logoutToken = async (
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    key: CryptoKey | Uint8Array = this.providerKey.privateKey,
  ): Promise<string> => {
    const iat = seconds(this.now);
    const payload: Record<string, unknown> = {
      iss: this.issuer,
      aud: CLIENT_ID,
      iat,
      exp: iat + 120,
      jti: `jti-${++this.#jtiCounter}-${Math.random().toString(36).slice(2)}`,
      sub: ALICE_SUB,
      sid: "op-sid-alice-1",
      events: { [LOGOUT_EVENT]: {} },
      ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    const protectedHeader = { alg: "RS256", kid: this.providerKey.kid, typ: "logout+jwt", ...header };
    for (const [name, value] of Object.entries(protectedHeader))
      if (value === undefined) delete (protectedHeader as Record<string, unknown>)[name];
    return new SignJWT(payload).setProtectedHeader(protectedHeader as never).sign(key);
  };

  /** An unsigned JWT (`alg: none`), which jose will not produce. */
  unsecuredToken = (claims: Record<string, unknown>): string => {
    const iat = seconds(this.now);
    const encode = (value: object) => base64url.encode(JSON.stringify(value));
    const payload = {
      iss: this.issuer,
      aud: CLIENT_ID,
      iat,
      exp: iat + 120,
      jti: "unsigned",
      sub: ALICE_SUB,
      events: { [LOGOUT_EVENT]: {} },
      ...claims,
    };
    return `${encode({ alg: "none", typ: "logout+jwt" })}.${encode(payload)}.`;
  };

  /** The app's handler, with this database and provider unless `options` say otherwise. */
  deliver = (request: Request, options: { db?: Database; issuerFor?: (iss: string) => Promise<LogoutTokenIssuer | null> } = {}) =>
    handleBackchannelLogout(request, {
      db: options.db ?? this.db,
      issuerFor: options.issuerFor ?? (async (iss) => (iss === this.issuer ? this.issuerEntry : null)),
      now: () => this.now,
      log: SILENT,
    });

  send = (token: string) => this.deliver(post(form(token)));

  revokedSessions = async (): Promise<string[]> => {
    const rows = await this.db.userSession.findMany({ where: { revokedAt: { not: null } }, select: { id: true } });
    return rows.map((r) => r.id).sort();
  };

  expectAccepted = async (response: Response): Promise<void> => {
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.text()).toBe("");
  };

  /** 413 before the body is read whole, and nobody was signed out. */
  expectTooLarge = async (response: Response): Promise<void> => {
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "payload_too_large" });
    expect(await this.revokedSessions()).toEqual([]);
  };

  /** §2.8: 400 with a JSON error, never cached, and nobody was signed out. */
  expectRefused = async (response: Response, description: RegExp): Promise<void> => {
    expect(response.status).toBe(400);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body.error).toBe("invalid_request");
    expect(body.error_description).toMatch(description);
    expect(await this.revokedSessions()).toEqual([]);
  };
}
