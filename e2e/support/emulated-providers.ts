import path from "node:path";
import { pathToFileURL } from "node:url";

import { expect, type BrowserContext, type Page } from "@playwright/test";

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

export interface SignedInUser {
  id: string;
  email: string | null;
  name: string | null;
  providers: string[];
}

/** Who the page's browser is signed in as at `baseUrl` (GET /api/me, which must answer 200). */
export async function signedInAs(page: Page, baseUrl: string): Promise<SignedInUser> {
  const response = await page.request.get(`${baseUrl}/api/me`);
  expect(response.status()).toBe(200);
  return response.json();
}

/**
 * On /settings/accounts of a person signed in with the Dev IdP: "Link <name>", `atProvider` (choose
 * an account there), linked; then `linked` (more checks), "Unlink <name>", back to the Dev IdP alone.
 */
export async function linkThenUnlink(
  page: Page,
  baseUrl: string,
  provider: { id: string; name: string },
  steps: { atProvider(): Promise<void>; linked?(): Promise<void> },
): Promise<void> {
  await page.goto(`${baseUrl}/settings/accounts`);
  await page.getByRole("button", { name: `Link ${provider.name}`, exact: true }).click();
  await steps.atProvider();
  await expect(page).toHaveURL(/\/settings\/accounts\?notice=linked/);
  expect((await signedInAs(page, baseUrl)).providers.sort()).toEqual(["dev-idp", provider.id].sort());
  await steps.linked?.();
  await page.getByRole("button", { name: `Unlink ${provider.name}`, exact: true }).click();
  await expect(
    page
      .getByRole("main")
      .getByRole("status")
      .filter({ hasText: `${provider.name} is unlinked` }),
  ).toBeVisible();
  expect((await signedInAs(page, baseUrl)).providers).toEqual(["dev-idp"]);
}

export interface ButtonLook {
  background: string;
  border: string;
  color: string;
  fontFamily: string;
  fontWeight: string;
}

/**
 * How the "Continue with …" button `name` on the open page looks in `scheme`, once its colour
 * transition has settled on `expected` (a brand's published colours, the button tones in components/styles.ts).
 */
export async function expectButtonLook(
  page: Page,
  name: string,
  scheme: "light" | "dark",
  expected: Partial<ButtonLook>,
): Promise<ButtonLook> {
  await page.emulateMedia({ colorScheme: scheme });
  const look = () =>
    page.getByRole("button", { name, exact: true }).evaluate((element): ButtonLook => {
      const style = getComputedStyle(element);
      return {
        background: style.backgroundColor,
        border: style.borderTopColor,
        color: style.color,
        fontFamily: style.fontFamily,
        fontWeight: style.fontWeight,
      };
    });
  await expect.poll(look, { message: `${name} in ${scheme}` }).toMatchObject(expected);
  return look();
}
