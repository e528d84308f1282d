import { createWriteStream, mkdirSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";

import { EXTRA_APP_URLS, IDP_URL, SECOND_CLIENT } from "./stack";
import { freshPgliteDatabase, productionEnv, startApp, waitUntilReady, type AppProcess } from "./app-process";

/**
 * An extra instance of the e2e build for the abuse and linking tests: its own fresh database, the
 * Dev IdP a second time as the generic OIDC provider (SECOND_CLIENT), and whatever rate limits the
 * test asks for. The shared servers keep exactly one provider button and relaxed limits.
 *
 * Each spec file starts one in beforeAll and stops it in afterAll. Playwright also runs afterAll
 * when a test fails and then starts the file's remaining tests in a new worker (beforeAll again),
 * so a start must cope with the previous instance still releasing the port, and a stop must end
 * the process whatever state it is in.
 */
export interface SecurityInstance {
  app: AppProcess;
  url: string;
  stop(): Promise<void>;
}

/** Time for a loaded 2-core machine: PGlite alone can take tens of seconds to open there. */
const READY_TIMEOUT_MS = 180_000;
const PORT_RELEASE_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 15_000;
const MAX_STARTS = 4;
/** What lib/server-lifecycle.ts prints when its start-up database check times out. */
const DATABASE_START_TIMEOUT = /The database is unreachable \(DATABASE_URL: PGlite[^)]*\): connecting timed out/;

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "localhost" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** A previous worker's instance may still be shutting down; a stranger on the port is an error. */
async function waitForFreePort(port: number): Promise<void> {
  const deadline = Date.now() + PORT_RELEASE_TIMEOUT_MS;
  while (await portInUse(port)) {
    if (Date.now() > deadline) {
      throw new Error(
        `port ${port} is still in use after ${PORT_RELEASE_TIMEOUT_MS} ms: is another e2e run using E2E_PORT_BASE=${port - 216}?`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** SIGTERM (the app closes its database), then SIGKILL if it has not exited within the grace period. */
async function stopApp(app: AppProcess): Promise<void> {
  const timer = setTimeout(() => app.child.kill("SIGKILL"), STOP_GRACE_MS);
  try {
    await app.stop("SIGTERM");
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts the instance. `overrides` are environment variables over the defaults above (rate limits, a
 * provider of the test's own). `logFile`, when given, receives everything the server prints (it is
 * the only place its errors show up: a failed server action is just "Something went wrong" in the page).
 */
export async function startSecurityInstance(overrides: Record<string, string>, logFile?: string): Promise<SecurityInstance> {
  const url = EXTRA_APP_URLS.security;
  const port = Number(new URL(url).port);
  await waitForFreePort(port);
  const database = freshPgliteDatabase();
  const log = logFile ? (mkdirSync(path.dirname(logFile), { recursive: true }), createWriteStream(logFile, { flags: "a" })) : null;
  const env = productionEnv(port, {
    DATABASE_URL: database.url,
    AUTH_OIDC_ISSUER: IDP_URL,
    AUTH_OIDC_ID: SECOND_CLIENT.clientId,
    AUTH_OIDC_SECRET: SECOND_CLIENT.clientSecret,
    AUTH_OIDC_NAME: SECOND_CLIENT.name,
    ...overrides,
  });

  let app: AppProcess | null = null;
  // If this worker ends without its afterAll (a crash), the server must not outlive it.
  const killOnExit = () => app?.child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const cleanUp = async () => {
    if (app) await stopApp(app);
    process.removeListener("exit", killOnExit);
    database.remove();
    log?.end();
  };

  const launch = (): AppProcess => {
    const started = startApp(port, env);
    if (log) {
      started.child.stdout?.pipe(log, { end: false });
      started.child.stderr?.pipe(log, { end: false });
    }
    return started;
  };

  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (let attempt = 1; ; attempt++) {
      app = launch();
      try {
        await waitUntilReady(app, Math.max(deadline - Date.now(), 10_000));
        break;
      } catch (error) {
        // On a machine loaded by other runs PGlite can take longer to open than the app's start-up
        // database check allows (lib/server-lifecycle.ts), and the app exits: start it again while
        // time remains. Any other failure (a crash, a server that never answers) is real: no retry.
        const exited = app.child.exitCode !== null || app.child.signalCode !== null;
        if (!exited || !DATABASE_START_TIMEOUT.test(app.output()) || attempt >= MAX_STARTS || Date.now() > deadline) throw error;
        log?.write(`\n[e2e] start ${attempt}: the database did not open in time; starting again\n`);
      }
    }
  } catch (error) {
    await cleanUp();
    throw error;
  }

  const ready = app;
  return { app: ready, url, stop: cleanUp };
}
