/**
 * The README's key rotation, end to end ("Rotating the key" under Provider tokens): put the new
 * secret first in TOKEN_ENCRYPTION_KEYS and keep the old one after it, deploy, run
 * `npm run tokens:encrypt`, drop the old secret. With the real parts: a PGlite data folder (or a
 * database on the server in TEST_DATABASE_URL), the Dev IdP and a real sign-in through it, the
 * provider calls and POST /api/token through the app's own code with the real signing-key store,
 * and the real script as a child process. Each "deploy" is a fresh instance (nothing in memory).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startDevIdp, type DevIdp } from "@/idp/provider";
import { AppClient, signInAs, TEST_APP, testAuthConfig } from "@/test/support/auth-client";
import { createAdapterFactory } from "@/lib/db/adapter-factory";
import { pgliteAdapterFactoryFor } from "@/lib/db/pglite/adapter";
import { createPrismaClient } from "@/lib/db/client";
import { parseDatabaseUrl } from "@/lib/db/database-url";
import { applyMigrations } from "@/lib/db/migrations";
import { emptyClusterSnapshot } from "@/lib/db/pglite/memory";
import { createServerDatabase, type ServerDatabase } from "@/test/support/database";
import { parseEnv } from "@/lib/config/env";
import { loadLiveProviderProfile } from "@/lib/providers/tokens/live-profile";
import { createProviderClient } from "@/lib/providers/client";
import { providerClientConfigs } from "@/lib/providers/registry";
import { createProviderTokenService } from "@/lib/providers/tokens/refresh";
import { fetchWithTimeout } from "@/lib/providers/fetch";
import { DEFAULT_SESSION_POLICY } from "@/lib/config/session-policy";
import { createSigningKeyStore } from "@/lib/api-tokens/signing-keys";
import { handleTokenRequest } from "@/lib/api-tokens/endpoint";
import { createTokenKeyring } from "@/lib/encryption/keyring";

const AUTH_SECRET = "rotation-test-auth-secret-0123456789abcdefgh";
const OLD = "rotation-test-old-key-0123456789abcdefghijklm";
const NEW = "rotation-test-new-key-0123456789abcdefghijklm";
const ALICE = { email: "alice@example.com", password: "alice-password", sub: "dev-alice-5f0c2a91" };

let idp: DevIdp;
let databaseUrl: string;
let cleanup: () => Promise<void>;
/** Alice's browser from the first sign-in, before the rotation: its cookie must keep working. */
let browser: AppClient;

beforeAll(async () => {
  idp = await startDevIdp({ port: 0, testApi: true, backchannelLogoutUris: [] });
  ({ url: databaseUrl, cleanup } = await migratedDatabase());
}, 120_000);

afterAll(async () => {
  await cleanup?.();
  await idp?.close();
});

/** PostgreSQL when TEST_DATABASE_URL names a server, else a PGlite folder (one process at a time). */
async function migratedDatabase(): Promise<{ url: string; cleanup: () => Promise<void> }> {
  const server = process.env.TEST_DATABASE_URL;
  if (server && parseDatabaseUrl(server).kind === "postgres") {
    const database: ServerDatabase = await createServerDatabase(server, "oauth_vitest_rotation");
    await applyMigrations(createAdapterFactory(parseDatabaseUrl(database.url)));
    return { url: database.url, cleanup: () => database.drop() };
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "token-rotation-test-"));
  const dataDir = path.join(tmp, "db");
  const pglite = await PGlite.create({ dataDir, loadDataDir: await emptyClusterSnapshot() });
  try {
    await applyMigrations(pgliteAdapterFactoryFor(pglite));
  } finally {
    await pglite.close();
  }
  return { url: `pglite:${dataDir}`, cleanup: async () => fs.rmSync(tmp, { recursive: true, force: true }) };
}

/** One deployment of the app with this TOKEN_ENCRYPTION_KEYS: its own database handle, keyring, keys and provider client. */
async function deploy(tokenEncryptionKeys: string) {
  const { env, errors } = parseEnv({
    NODE_ENV: "test",
    AUTH_SECRET,
    AUTH_URL: TEST_APP,
    AUTH_DEV_IDP: "1",
    DEV_IDP_ISSUER: idp.issuer,
    TOKEN_ENCRYPTION_KEYS: tokenEncryptionKeys,
  });
  if (!env) throw new Error(errors.join("\n"));
  const db = createPrismaClient(parseDatabaseUrl(databaseUrl));
  const keyring = () => createTokenKeyring(env.tokenEncryptionSecrets);
  const keys = createSigningKeyStore({ db, keyring });
  const clients = new Map(providerClientConfigs(env).map((c) => [c.id, createProviderClient(c, fetchWithTimeout)]));
  const client = (provider: string) => clients.get(provider);
  const tokens = createProviderTokenService({ db, keyring, client, log: { info() {}, warn() {}, error() {} } });
  const deps = { db, policy: DEFAULT_SESSION_POLICY, secret: AUTH_SECRET, authUrl: TEST_APP, keys, now: () => new Date() };
  return {
    db,
    newBrowser: () => new AppClient(testAuthConfig({ issuer: idp.issuer, secret: AUTH_SECRET, db, keyring })),
    /** POST /api/token from one of our pages, with this browser's session cookie. */
    async token(from: AppClient): Promise<Response> {
      const headers = { origin: TEST_APP, "sec-fetch-site": "same-origin", cookie: from.credentials().headers.get("cookie") ?? "" };
      return handleTokenRequest(new Request(`${TEST_APP}/api/token`, { method: "POST", headers }), { ...deps, keys });
    },
    /** What GET /api/provider/profile answers from: the provider's userinfo with the stored (refreshed when due) token. */
    profile: (userId: string) => loadLiveProviderProfile({ accessToken: tokens.getAccessToken, client }, userId, "dev-idp"),
    /** Shutdown: on PGlite, frees the folder for the next process. */
    stop: () => db.$disconnect(),
  };
}

type Deployment = Awaited<ReturnType<typeof deploy>>;

async function aliceId(app: Deployment): Promise<string> {
  return (await app.db.user.findUniqueOrThrow({ where: { email: ALICE.email } })).id;
}

/** The key id in the protected header of every ciphertext this keyring's encryption wrote. */
async function kidOf(secret: string): Promise<string> {
  return (await createTokenKeyring([secret])).current.kid;
}

/** The key ids named by every secret at rest: provider tokens and the API signing keys' private halves. */
async function kidsAtRest(app: Deployment): Promise<{ tokens: string[]; signingKeys: string[] }> {
  const header = (jwe: string) => JSON.parse(Buffer.from(jwe.split(".")[0]!, "base64url").toString()).kid as string;
  const accounts = await app.db.account.findMany({ select: { access_token: true, refresh_token: true, id_token: true } });
  const keys = await app.db.apiSigningKey.findMany({ select: { privateJwk: true } });
  return {
    tokens: [
      ...new Set(
        accounts
          .flatMap((a) => [a.access_token, a.refresh_token, a.id_token])
          .filter((t) => t !== null)
          .map(header),
      ),
    ],
    signingKeys: [...new Set(keys.map((k) => header(k.privateJwk)))],
  };
}

async function expectWorking(app: Deployment, who: AppClient): Promise<void> {
  const token = await app.token(who);
  expect(token.status).toBe(200);
  expect(await token.json()).toMatchObject({ token_type: "Bearer", expires_in: 900 });
  expect(await app.profile(await aliceId(app))).toMatchObject({ status: "ok", profile: { id: ALICE.sub, email: ALICE.email } });
}

function tokensEncrypt(tokenEncryptionKeys: string): Promise<{ code: number | null; output: string }> {
  const child = spawn("npm", ["run", "--silent", "tokens:encrypt"], {
    env: { ...process.env, NODE_ENV: "test", DATABASE_URL: databaseUrl, AUTH_SECRET, TOKEN_ENCRYPTION_KEYS: tokenEncryptionKeys },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, output })));
}

describe("rotating TOKEN_ENCRYPTION_KEYS as the README says", () => {
  it("before: with the old key, sign-in, a provider call and POST /api/token work", async () => {
    const app = await deploy(OLD);
    try {
      browser = app.newBrowser();
      await signInAs(idp, browser, ALICE);
      await expectWorking(app, browser);
      expect(await kidsAtRest(app)).toEqual({ tokens: [await kidOf(OLD)], signingKeys: [await kidOf(OLD)] });
    } finally {
      await app.stop();
    }
  });

  it("1. the new key first, the old one after it, deployed: the old ciphertexts are still read", async () => {
    const app = await deploy(`${NEW},${OLD}`);
    try {
      await expectWorking(app, browser);
      // New writes use the new key; the API signing key stays under the old one until the script runs.
      expect((await kidsAtRest(app)).signingKeys).toEqual([await kidOf(OLD)]);
    } finally {
      await app.stop();
    }
  });

  it("2. npm run tokens:encrypt moves every secret at rest to the new key, and a second run has nothing to do", async () => {
    const first = await tokensEncrypt(`${NEW},${OLD}`);
    // The provider tokens may already have moved: the app rewrites a stale row it reads (step 1 did).
    expect(first.output).toMatch(/provider tokens: 1 accounts, [01] rewritten, 0 unreadable/);
    expect(first.output).toMatch(/API signing keys: (\d+) keys, \1 rewritten, 0 unreadable/);
    expect(first.code, first.output).toBe(0);
    const second = await tokensEncrypt(`${NEW},${OLD}`);
    expect(second.output).toContain("provider tokens: 1 accounts, 0 rewritten, 0 unreadable");
    expect(second.output).toMatch(/API signing keys: \d+ keys, 0 rewritten, 0 unreadable/);
    expect(second.code, second.output).toBe(0);
  }, 60_000);

  it("3. the old key dropped: the earlier session's POST /api/token and a refresh work, and a new sign-in does too", async () => {
    const app = await deploy(NEW);
    try {
      // What answered 500 before the script covered the signing keys: the private key was unreadable.
      expect((await app.token(browser)).status).toBe(200);
      expect(await kidsAtRest(app)).toEqual({ tokens: [await kidOf(NEW)], signingKeys: [await kidOf(NEW)] });
      // The access token is due: the provider call first spends the rewritten refresh token.
      const grants = idp.stats().grants.refresh_token;
      await app.db.account.updateMany({ data: { expires_at: Math.floor(Date.now() / 1000) - 5 } });
      await expectWorking(app, browser);
      expect(idp.stats().grants.refresh_token).toBe(grants + 1);

      const another = app.newBrowser();
      await signInAs(idp, another, ALICE);
      expect((await another.session())?.user).toMatchObject({ id: await aliceId(app) });
      await expectWorking(app, another);
    } finally {
      await app.stop();
    }
  });
});
