import path from "node:path";
import { pathToFileURL } from "node:url";

import type { BrowserContext } from "@playwright/test";

import { startSecurityInstance, type SecurityInstance } from "./security-instance";

/**
 * Real providers' hosts, answered by their emulators (test/emulators/): the app server is started
 * with network-redirect.mjs preloaded, and each browser context routes the same hosts to the same
 * emulator. The app and the browser keep using https://accounts.google.com and the rest.
 */
export interface EmulatedHosts {
  hosts: string[];
  /** http://127.0.0.1:<port> */
  base: string;
}

/** Environment for an app instance whose requests to `emulators`' hosts land on them. */
export function emulatorEnv(...emulators: EmulatedHosts[]): Record<string, string> {
  const hosts = Object.fromEntries(emulators.flatMap((emulator) => emulator.hosts.map((host) => [host, emulator.base])));
  const preload = pathToFileURL(path.resolve("test/emulators/network-redirect.mjs")).href;
  return { NODE_OPTIONS: `--import ${preload}`, PROVIDER_EMULATOR_HOSTS: JSON.stringify(hosts) };
}

/** Sends the browser's requests to `emulators`' hosts (https) to them, redirects passed back as they are. */
export async function routeToEmulators(context: BrowserContext, ...emulators: EmulatedHosts[]): Promise<void> {
  for (const emulator of emulators) {
    for (const host of emulator.hosts) {
      await context.route(`https://${host}/**`, async (route) => {
        const url = new URL(route.request().url());
        const response = await route.fetch({
          url: new URL(url.pathname + url.search, emulator.base).toString(),
          headers: { ...route.request().headers(), "x-emulated-host": host },
          maxRedirects: 0,
        });
        await route.fulfill({ response });
      });
    }
  }
}

/**
 * An instance of the e2e build (its own database, the Dev IdP as a second provider) configured by
 * `env` for a real provider whose hosts `emulators` answer. The generic OIDC slot stays empty.
 */
export function startEmulatedInstance(env: Record<string, string>, emulators: EmulatedHosts[], logFile: string): Promise<SecurityInstance> {
  const noOidc = { AUTH_OIDC_ISSUER: "", AUTH_OIDC_ID: "", AUTH_OIDC_SECRET: "", AUTH_OIDC_NAME: "" };
  return startSecurityInstance({ ...noOidc, ...emulatorEnv(...emulators), ...env }, logFile);
}
