import { existsSync } from "node:fs";

import { defineConfig, devices } from "@playwright/test";

import { APP_URL, IDP_URL, NO_PROXY_APP_URL, PORT_BASE, appServerEnv, idpServerEnv } from "./e2e/support/stack";

/**
 * End-to-end tests: real Chromium, the real Dev IdP, a production build of the app on a fresh
 * database. A second build of the app with the proxy's matcher emptied proves the pages,
 * actions and route handlers defend themselves (e2e/no-proxy).
 */

// Debian's Chromium where it exists (nothing may be downloaded at install time here);
// Playwright's own browser on machines that have one.
const SYSTEM_CHROMIUM = "/usr/bin/chromium";
const executablePath = process.env.CHROMIUM_PATH ?? (existsSync(SYSTEM_CHROMIUM) ? SYSTEM_CHROMIUM : undefined);

export default defineConfig({
  testDir: "./e2e",
  outputDir: `./test-results/e2e-${PORT_BASE}`,
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never", outputFolder: `playwright-report/e2e-${PORT_BASE}` }]],
  use: {
    ...devices["Desktop Chrome"],
    baseURL: APP_URL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [
    { name: "app", testIgnore: /(no-proxy|deployment|multi-instance)\//, use: { baseURL: APP_URL } },
    { name: "deployment", testMatch: /deployment\/.*\.spec\.ts/, use: { baseURL: APP_URL } },
    { name: "no-proxy", testMatch: /no-proxy\/.*\.spec\.ts/, use: { baseURL: NO_PROXY_APP_URL } },
    // Several instances on one database need a database server: PGlite has a single owner.
    ...(process.env.E2E_DATABASE_URL
      ? [{ name: "multi-instance", testMatch: /multi-instance\/.*\.spec\.ts/, use: { baseURL: APP_URL } }]
      : []),
  ],
  webServer: [
    {
      command: "node --import tsx idp/server.ts",
      url: `${IDP_URL}/.well-known/openid-configuration`,
      env: idpServerEnv(),
      reuseExistingServer: false,
      // SIGTERM, not Playwright's default SIGKILL: the servers close their databases and clean up.
      gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
      timeout: 30_000,
      stdout: "pipe",
    },
    {
      command: "node --import tsx e2e/support/app-server.ts app",
      url: `${APP_URL}/api/health`,
      env: appServerEnv(APP_URL),
      reuseExistingServer: false,
      // SIGTERM, not Playwright's default SIGKILL: the servers close their databases and clean up.
      gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
      // Two production builds run side by side on a 2-core machine: give them room.
      timeout: 600_000,
      stdout: "pipe",
    },
    {
      command: "node --import tsx e2e/support/app-server.ts no-proxy",
      url: `${NO_PROXY_APP_URL}/api/health`,
      env: appServerEnv(NO_PROXY_APP_URL),
      reuseExistingServer: false,
      // SIGTERM, not Playwright's default SIGKILL: the servers close their databases and clean up.
      gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
      // Two production builds run side by side on a 2-core machine: give them room.
      timeout: 600_000,
      stdout: "pipe",
    },
  ],
});
