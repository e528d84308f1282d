import { expect, test } from "@playwright/test";

import { freshPgliteDatabase, productionEnv, startApp, waitUntilReady } from "../support/app-process";
import { PORT_BASE } from "../support/stack";

/**
 * The production build refuses to start on a configuration that cannot work, naming the
 * variable and how to fix it, and exits non-zero (so the deployment fails, not the first sign-in).
 */

const PORT = PORT_BASE + 210;

const cases: { name: string; env: Record<string, string | undefined>; message: RegExp }[] = [
  { name: "no AUTH_SECRET", env: { AUTH_SECRET: undefined }, message: /AUTH_SECRET is missing.*openssl rand/ },
  { name: "a weak AUTH_SECRET", env: { AUTH_SECRET: "hunter2" }, message: /AUTH_SECRET is too short \(7 characters; at least 32\)/ },
  { name: "no provider", env: { AUTH_DEV_IDP: undefined }, message: /No sign-in provider is configured: set AUTH_GOOGLE_ID/ },
  {
    name: "half a provider",
    env: { AUTH_GITHUB_ID: "client-id" },
    message: /AUTH_GITHUB_SECRET is missing: it is required when AUTH_GITHUB_ID is set/,
  },
  {
    name: "a plain-http public URL",
    env: { AUTH_URL: "http://app.example.com" },
    message: /AUTH_URL must use https in production .* Use https:\/\/app\.example\.com/,
  },
  {
    name: "no public URL and no trusted proxy",
    env: { AUTH_URL: undefined },
    message: /AUTH_URL is missing: set it to the app's public https URL/,
  },
  {
    name: "an unreachable database",
    env: { DATABASE_URL: "postgresql://app:s3cret-pw@127.0.0.1:9/app" },
    message: /The database is unreachable \(DATABASE_URL: PostgreSQL at postgresql:\/\/app:\*\*\*@127\.0\.0\.1:9\/app\)/,
  },
  {
    name: "the embedded database, which production refuses unless told it is a single-box trial",
    env: { DATABASE_URL: "pglite:memory", ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION: undefined },
    message: /DATABASE_URL is unset or names the embedded PGlite database.*ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION=1/,
  },
  {
    name: "a malformed DATABASE_URL",
    env: { DATABASE_URL: "mysql://somewhere/db" },
    message: /DATABASE_URL is not a supported database URL \(mysql:\/\/somewhere\/db\)/,
  },
];

test.describe("start-up validation", () => {
  test.describe.configure({ timeout: 120_000 });
  for (const { name, env, message } of cases) {
    test(`the server stops with a named error on ${name}`, async () => {
      const app = startApp(PORT, productionEnv(PORT, { DATABASE_URL: "pglite:memory", ...env }));
      // A server that keeps running (answering errors) is the failure this test exists for.
      const code = await Promise.race([app.exited, new Promise<"running">((r) => setTimeout(() => r("running"), 30_000))]);
      await app.stop("SIGKILL");
      expect(code, app.output()).not.toBe("running");
      expect(code, app.output()).not.toBe(0);
      expect(app.output()).toMatch(message);
      // The operator sees the problem, not a stack trace, and never the secret itself.
      expect(app.output()).not.toMatch(/^\s+at /m);
      expect(app.output()).not.toContain("s3cret-pw");
    });
  }

  test("a valid configuration starts and answers its health check", async () => {
    const database = freshPgliteDatabase();
    const app = startApp(PORT, productionEnv(PORT, { DATABASE_URL: database.url }));
    try {
      await waitUntilReady(app);
      const health = await fetch(`${app.url}/api/health`);
      // Nothing has checked a session yet (health checks none), so the session cache has not started its change feed.
      expect(await health.json()).toEqual({ status: "ok", db: "ok", sessionCache: "idle" });
    } finally {
      await app.stop();
      database.remove();
    }
  });
});
