/**
 * npm run screenshots: renders every page of the app in Chromium, light and dark, desktop and
 * phone, into docs/screenshots/ (the README shows them).
 *
 * It starts the same stack as the e2e suite (e2e/support: the Dev IdP, and a production build of
 * the app on a fresh database) on ports of its own (E2E_PORT_BASE, default 3700, so it can run
 * beside `npm run dev` and the e2e suite), behind a TLS proxy (Sign in with Apple is offered only
 * over https), signs in as Alice through the Dev IdP, takes the pictures, and stops everything
 * again, also on Ctrl-C or a failure.
 *
 *   E2E_SKIP_BUILD=1 npm run screenshots     reuse the last build of this port base
 *   npm run screenshots -- dashboard login   only pages whose name contains one of these words
 */
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";

import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";

process.env.E2E_PORT_BASE ??= "3700";
// After E2E_PORT_BASE is settled: stack.ts derives every port and the build folder from it.
const { APP_URL, EXTRA_APP_URLS, IDP_URL, appServerEnv, idpServerEnv } = await import("../e2e/support/stack");
const { USERS } = await import("../e2e/support/dev-idp");
const { startTlsProxy } = await import("../e2e/support/tls-proxy");

/** Where the browser reaches the app: the TLS proxy's port (the Dev IdP knows its callback). */
const PUBLIC_URL = EXTRA_APP_URLS.appleTls;

const OUT_DIR = path.resolve("docs/screenshots");
const SYSTEM_CHROMIUM = "/usr/bin/chromium";
const executablePath = process.env.CHROMIUM_PATH ?? (existsSync(SYSTEM_CHROMIUM) ? SYSTEM_CHROMIUM : undefined);
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const DEVICES = {
  desktop: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
  phone: { viewport: { width: 360, height: 740 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true },
} as const;
type Device = keyof typeof DEVICES;
type Theme = "light" | "dark";

/**
 * Google, GitHub, Microsoft and Apple "configured" with placeholder credentials (Apple's key made
 * for this run), so the pictures show the login page as a real deployment has it. Nothing here
 * signs in with them: only the Dev IdP is ever pressed.
 */
const SHOWCASE_PROVIDERS = {
  AUTH_GOOGLE_ID: "screenshots.apps.googleusercontent.com",
  AUTH_GOOGLE_SECRET: "screenshots-only",
  AUTH_GITHUB_ID: "screenshots-only",
  AUTH_GITHUB_SECRET: "screenshots-only",
  AUTH_MICROSOFT_ENTRA_ID_ID: "00000000-0000-4000-8000-000000000000",
  AUTH_MICROSOFT_ENTRA_ID_SECRET: "screenshots-only",
  AUTH_MICROSOFT_ENTRA_ID_ISSUER: "https://login.microsoftonline.com/common/v2.0",
  AUTH_APPLE_ID: "com.example.screenshots",
  AUTH_APPLE_TEAM_ID: "SCREENSHOT",
  AUTH_APPLE_KEY_ID: "SCREENSHOT",
  AUTH_APPLE_PRIVATE_KEY: generateKeyPairSync("ec", { namedCurve: "prime256v1" })
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString(),
};

interface Shot {
  name: string;
  signedIn: boolean;
  /** Brings the page into the state to photograph. */
  open: (page: Page) => Promise<void>;
}

async function visit(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: "networkidle" });
}

const SHOTS: Shot[] = [
  { name: "home", signedIn: false, open: (page) => visit(page, "/") },
  { name: "login", signedIn: false, open: (page) => visit(page, "/login") },
  { name: "login-error", signedIn: false, open: (page) => visit(page, "/login?error=access_denied") },
  {
    name: "dev-idp-login",
    signedIn: false,
    open: async (page) => {
      await visit(page, "/login");
      await page.getByRole("button", { name: "Continue with Dev IdP" }).click();
      await page.waitForURL((url) => url.origin === IDP_URL);
      await page.getByLabel("Password").waitFor();
    },
  },
  { name: "dashboard", signedIn: true, open: (page) => visit(page, "/dashboard") },
  {
    name: "account-menu",
    signedIn: true,
    open: async (page) => {
      await visit(page, "/dashboard");
      await page.getByRole("banner").locator("details > summary").click();
      await page.getByRole("navigation", { name: "Account" }).waitFor();
    },
  },
  { name: "settings-profile", signedIn: true, open: (page) => visit(page, "/settings/profile") },
  { name: "settings-accounts", signedIn: true, open: (page) => visit(page, "/settings/accounts") },
  { name: "settings-sessions", signedIn: true, open: (page) => visit(page, "/settings/sessions") },
  { name: "settings-activity", signedIn: true, open: (page) => visit(page, "/settings/activity") },
  { name: "not-found", signedIn: true, open: (page) => visit(page, "/no-such-page") },
];

// ---------- the stack ----------

const children: ChildProcess[] = [];

function start(label: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split("\n")
      .filter(Boolean)
      .map((line) => `[${label}] ${line}\n`)
      .join("");
  child.stdout?.on("data", (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  children.push(child);
  return child;
}

async function waitForUrl(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited (${child.exitCode}) before it answered`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/** SIGTERM, as Playwright's webServer config does: the app server then removes its database. */
async function stopAll(): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void stopAll().then(() => process.exit(130));
  });
}

// ---------- the pictures ----------

async function signIn(page: Page): Promise<void> {
  const alice = USERS.alice;
  await visit(page, "/login");
  await page.getByRole("button", { name: "Continue with Dev IdP" }).click();
  await page.waitForURL((url) => url.origin === IDP_URL);
  await page.getByLabel("Email").fill(alice.email);
  await page.getByLabel("Password").fill(alice.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${PUBLIC_URL}/dashboard`);
}

async function newContext(browser: Browser, device: Device, theme: Theme): Promise<BrowserContext> {
  return browser.newContext({
    ...DEVICES[device],
    colorScheme: theme,
    reducedMotion: "reduce",
    baseURL: PUBLIC_URL,
    ignoreHTTPSErrors: true,
  });
}

async function capture(browser: Browser, shots: Shot[]): Promise<string[]> {
  const written: string[] = [];
  for (const device of Object.keys(DEVICES) as Device[]) {
    for (const theme of ["light", "dark"] as const) {
      const anonymous = await newContext(browser, device, theme);
      const signedIn = await newContext(browser, device, theme);
      try {
        if (shots.some((shot) => shot.signedIn)) await signIn(await signedIn.newPage());
        for (const shot of shots) {
          const page = await (shot.signedIn ? signedIn : anonymous).newPage();
          await shot.open(page);
          const file = path.join(OUT_DIR, `${shot.name}-${device}-${theme}.png`);
          await page.screenshot({ path: file, fullPage: true, animations: "disabled", caret: "hide" });
          written.push(path.relative(process.cwd(), file));
          console.log(`[screenshots] ${written.at(-1)}`);
          await page.close();
        }
      } finally {
        await anonymous.close();
        await signedIn.close();
      }
    }
  }
  return written;
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const shots = filters.length ? SHOTS.filter((shot) => filters.some((word) => shot.name.includes(word))) : SHOTS;
  if (shots.length === 0) throw new Error(`no page matches ${filters.join(", ")}; pages: ${SHOTS.map((s) => s.name).join(", ")}`);
  mkdirSync(OUT_DIR, { recursive: true });

  const idp = start("idp", ["idp/server.ts"], idpServerEnv());
  const app = start("app", ["e2e/support/app-server.ts", "app"], { ...appServerEnv(APP_URL), AUTH_URL: PUBLIC_URL, ...SHOWCASE_PROVIDERS });
  await waitForUrl(`${IDP_URL}/.well-known/openid-configuration`, idp, 30_000);
  await waitForUrl(`${APP_URL}/api/health`, app, 600_000);
  const proxy = await startTlsProxy(Number(new URL(PUBLIC_URL).port), Number(new URL(APP_URL).port));

  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const written = await capture(browser, shots);
    console.log(`[screenshots] ${written.length} pictures in ${path.relative(process.cwd(), OUT_DIR)}/`);
  } finally {
    await browser.close();
    await proxy.close();
  }
}

try {
  await main();
} catch (error) {
  console.error(`[screenshots] ${(error as Error).stack ?? error}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
