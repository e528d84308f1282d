import { spawnSync } from "node:child_process";
import net from "node:net";

import { expect, test } from "@playwright/test";

import { createServerDatabase, type ServerDatabase } from "../../test/support/database";
import { productionEnv, startApp, waitUntilReady, type AppProcess } from "../support/app-process";
import { USERS, signIn } from "../support/dev-idp";
import { EXTRA_APP_URLS } from "../support/stack";

/**
 * PostgreSQL going away under a running instance, and coming back. The instance reaches the server
 * through a TCP relay the test controls: cutting it refuses new connections and drops the open
 * ones, as a stopped server does, without disturbing the rest of the suite's server. Runs only with
 * E2E_DATABASE_URL (`npm run test:pg`, CI).
 */

test.describe.configure({ mode: "serial", timeout: 120_000 });

interface Relay {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<port> to the database server; `cut` stops it the way a stopped server looks. */
async function startRelay(target: { host: string; port: number }): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const cut = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  };
  return { port, cut, restore: () => listen(port), close: () => (server.listening ? cut() : Promise.resolve()) };
}

let database: ServerDatabase;
let relay: Relay;
let app: AppProcess;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const port = Number(new URL(EXTRA_APP_URLS.outage).port);
  database = await createServerDatabase(process.env.E2E_DATABASE_URL!, `oauth_e2e_outage_${port}`);
  const migrate = spawnSync(process.execPath, ["--import", "tsx", "scripts/db-migrate.ts"], {
    env: { ...process.env, DATABASE_URL: database.url },
    encoding: "utf8",
  });
  expect(migrate.status, `${migrate.stdout}${migrate.stderr}`).toBe(0);
  const direct = new URL(database.url);
  relay = await startRelay({ host: direct.hostname, port: Number(direct.port || 5432) });
  const relayed = new URL(database.url);
  relayed.hostname = "127.0.0.1";
  relayed.port = String(relay.port);
  app = startApp(port, productionEnv(port, { DATABASE_URL: relayed.toString() }));
  await waitUntilReady(app, 150_000);
});

test.afterAll(async () => {
  await app?.stop();
  await relay?.close();
  await database?.drop();
});

test("while the database is down, the API answers 503 JSON and pages the app's own 503 page; both recover as soon as it is back", async ({
  page,
}) => {
  await signIn(page, USERS.alice, `${app.url}/dashboard`);
  await expect(page).toHaveURL(`${app.url}/dashboard`);

  await relay.cut();
  const me = await page.request.get(`${app.url}/api/me`);
  expect(me.status()).toBe(503);
  expect(me.headers()["content-type"]).toMatch(/^application\/json/);
  expect(Number(me.headers()["retry-after"])).toBeGreaterThan(0);
  expect(await me.json()).toEqual({ error: "unavailable" });

  const dashboard = await page.goto(`${app.url}/dashboard`);
  expect(dashboard?.status()).toBe(503);
  expect(dashboard?.headers()["retry-after"]).toBeDefined();
  await expect(page).toHaveURL(`${app.url}/dashboard`);
  await expect(page.getByRole("banner")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Briefly unavailable" })).toBeVisible();
  // Still signed in: an outage is not a sign-out.
  expect((await page.context().cookies(app.url)).some((c) => c.name.includes("session-token"))).toBe(true);

  await relay.restore();
  await expect.poll(async () => (await page.request.get(`${app.url}/api/me`)).status(), { timeout: 10_000 }).toBe(200);
  const back = await page.goto(`${app.url}/dashboard`);
  expect(back?.status()).toBe(200);
  await expect(page.getByText(`Signed in as ${USERS.alice.email}`)).toBeVisible();
});
