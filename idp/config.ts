/**
 * Dev IdP configuration, read from environment variables.
 *
 * `parseDevIdpConfig(env)` is pure (no file or process access) so it can be unit-tested;
 * `loadDevIdpConfig()` first loads `.env*` files from the project root with `@next/env`
 * (same files and precedence as the Next.js app) and then parses `process.env`.
 */
import { fileURLToPath } from "node:url";
// @next/env is a CommonJS bundle: Node's ESM loader only exposes its default export.
import nextEnv from "@next/env";

export const DEFAULT_PORT = 3001;
export const DEFAULT_CLIENT_ID = "oauth-next-app";
export const DEFAULT_CLIENT_SECRET = "dev-idp-client-secret-not-for-production";
export const DEFAULT_REDIRECT_URIS: readonly string[] = ["http://localhost:3000/api/auth/callback/dev-idp"];
export const DEFAULT_POST_LOGOUT_REDIRECT_URIS: readonly string[] = ["http://localhost:3000/", "http://localhost:3000/login"];
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 3600;
export const DEFAULT_BACKCHANNEL_LOGOUT_URIS: readonly string[] = ["http://localhost:3000/api/auth/backchannel-logout"];

export interface DevIdpConfig {
  /** TCP port to listen on (bound to `host`). */
  port: number;
  /** Interface to bind; always 127.0.0.1 from env. */
  host: string;
  /** Issuer identifier (scheme://host[:port], no path). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /**
   * Where to POST OIDC Back-Channel Logout tokens when a session here ends (the client's
   * backchannel_logout_uri; with several, each gets its own token). Empty: back-channel logout off.
   */
  backchannelLogoutUris: string[];
  /** Access token (and ID token) lifetime in seconds. */
  accessTokenTtlSeconds: number;
  /** Enables the `/__test/*` endpoints. Only `DEV_IDP_TEST_API=1` turns it on. */
  testApi: boolean;
  /** Keys for signing oidc-provider's cookies; `undefined` means random per start. */
  cookieKeys: string[] | undefined;
  /**
   * More confidential clients besides the main one, e.g. the same app configured a second time as
   * a generic OIDC provider (tests of account linking need two providers). No back-channel logout.
   */
  extraClients: DevIdpClient[];
}

export interface DevIdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export class DevIdpConfigError extends Error {
  override name = "DevIdpConfigError";
}

type Env = Readonly<Record<string, string | undefined>>;

/** Returns the trimmed value, or undefined when unset or blank. */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function parsePort(name: string, raw: string): number {
  if (!/^\d+$/.test(raw)) {
    throw new DevIdpConfigError(`${name} must be a port number between 1 and 65535, got ${JSON.stringify(raw)}.`);
  }
  const port = Number(raw);
  if (port < 1 || port > 65535) {
    throw new DevIdpConfigError(`${name} must be a port number between 1 and 65535, got ${JSON.stringify(raw)}.`);
  }
  return port;
}

/**
 * Validates an issuer: http(s), no path, query or fragment (the IdP serves its
 * endpoints at the root of its own origin). A single trailing "/" is dropped.
 */
export function parseIssuer(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DevIdpConfigError(`${name} must be an absolute URL like http://127.0.0.1:3001, got ${JSON.stringify(raw)}.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new DevIdpConfigError(`${name} must use http or https, got ${JSON.stringify(raw)}.`);
  }
  if (url.pathname !== "/" || url.search || url.hash || raw.endsWith("?") || raw.endsWith("#")) {
    throw new DevIdpConfigError(
      `${name} must be an origin without path, query or fragment (e.g. http://127.0.0.1:3001), got ${JSON.stringify(raw)}.`,
    );
  }
  if (url.username || url.password) {
    throw new DevIdpConfigError(`${name} must not contain credentials.`);
  }
  return url.origin;
}

function parseUriList(name: string, raw: string): string[] {
  const items = raw.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) {
    throw new DevIdpConfigError(`${name} must be a comma-separated list of absolute URLs without empty entries.`);
  }
  for (const item of items) {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      throw new DevIdpConfigError(`${name} contains an invalid URL: ${JSON.stringify(item)}.`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new DevIdpConfigError(`${name} entries must use http or https: ${JSON.stringify(item)}.`);
    }
    if (url.hash || item.includes("#")) {
      throw new DevIdpConfigError(`${name} entries must not contain a fragment: ${JSON.stringify(item)}.`);
    }
  }
  return [...new Set(items)];
}

function parsePositiveSeconds(name: string, raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw new DevIdpConfigError(`${name} must be a whole number of seconds >= 1, got ${JSON.stringify(raw)}.`);
  }
  return Number(raw);
}

function parseTestApi(name: string, raw: string | undefined): boolean {
  if (raw === undefined || raw === "0") return false;
  if (raw === "1") return true;
  throw new DevIdpConfigError(`${name} must be "1" (on) or "0"/unset (off), got ${JSON.stringify(raw)}.`);
}

function parseCookieKeys(name: string, raw: string): string[] {
  const keys = raw.split(",").map((s) => s.trim());
  if (keys.some((k) => k.length < 16)) {
    throw new DevIdpConfigError(`${name} must be a comma-separated list of keys, each at least 16 characters long.`);
  }
  return keys;
}

/** Parses and validates the Dev IdP settings from an environment object. */
export function parseDevIdpConfig(env: Env): DevIdpConfig {
  const rawIssuer = read(env, "DEV_IDP_ISSUER");
  const issuerFromEnv = rawIssuer === undefined ? undefined : parseIssuer("DEV_IDP_ISSUER", rawIssuer);

  const rawPort = read(env, "DEV_IDP_PORT");
  let port: number;
  if (rawPort !== undefined) {
    port = parsePort("DEV_IDP_PORT", rawPort);
  } else if (issuerFromEnv !== undefined && new URL(issuerFromEnv).port) {
    // Only the issuer was given: listen on the port it names.
    port = Number(new URL(issuerFromEnv).port);
  } else {
    port = DEFAULT_PORT;
  }

  const clientId = read(env, "DEV_IDP_CLIENT_ID") ?? DEFAULT_CLIENT_ID;
  const clientSecret = read(env, "DEV_IDP_CLIENT_SECRET") ?? DEFAULT_CLIENT_SECRET;

  const rawRedirects = read(env, "DEV_IDP_REDIRECT_URIS");
  const rawPostLogout = read(env, "DEV_IDP_POST_LOGOUT_REDIRECT_URIS");
  const rawBackchannel = read(env, "DEV_IDP_BACKCHANNEL_LOGOUT_URIS");
  const rawTtl = read(env, "DEV_IDP_ACCESS_TOKEN_TTL");
  const rawCookieKeys = read(env, "DEV_IDP_COOKIE_KEYS");
  const extraClient = parseExtraClient(env, clientId);

  return {
    port,
    host: "127.0.0.1",
    issuer: issuerFromEnv ?? `http://127.0.0.1:${port}`,
    clientId,
    clientSecret,
    redirectUris: rawRedirects === undefined ? [...DEFAULT_REDIRECT_URIS] : parseUriList("DEV_IDP_REDIRECT_URIS", rawRedirects),
    postLogoutRedirectUris:
      rawPostLogout === undefined
        ? [...DEFAULT_POST_LOGOUT_REDIRECT_URIS]
        : parseUriList("DEV_IDP_POST_LOGOUT_REDIRECT_URIS", rawPostLogout),
    backchannelLogoutUris:
      rawBackchannel === undefined
        ? [...DEFAULT_BACKCHANNEL_LOGOUT_URIS]
        : rawBackchannel.toLowerCase() === "off"
          ? []
          : parseUriList("DEV_IDP_BACKCHANNEL_LOGOUT_URIS", rawBackchannel),
    accessTokenTtlSeconds:
      rawTtl === undefined ? DEFAULT_ACCESS_TOKEN_TTL_SECONDS : parsePositiveSeconds("DEV_IDP_ACCESS_TOKEN_TTL", rawTtl),
    testApi: parseTestApi("DEV_IDP_TEST_API", read(env, "DEV_IDP_TEST_API")),
    cookieKeys: rawCookieKeys === undefined ? undefined : parseCookieKeys("DEV_IDP_COOKIE_KEYS", rawCookieKeys),
    extraClients: extraClient ? [extraClient] : [],
  };
}

/** DEV_IDP_EXTRA_CLIENT_ID / _SECRET / _REDIRECT_URIS: all three, or none. */
function parseExtraClient(env: Env, mainClientId: string): DevIdpClient | undefined {
  const clientId = read(env, "DEV_IDP_EXTRA_CLIENT_ID");
  const clientSecret = read(env, "DEV_IDP_EXTRA_CLIENT_SECRET");
  const rawRedirects = read(env, "DEV_IDP_EXTRA_CLIENT_REDIRECT_URIS");
  if (!clientId && !clientSecret && !rawRedirects) return undefined;
  if (!clientId || !clientSecret || !rawRedirects) {
    throw new DevIdpConfigError(
      "DEV_IDP_EXTRA_CLIENT_ID, DEV_IDP_EXTRA_CLIENT_SECRET and DEV_IDP_EXTRA_CLIENT_REDIRECT_URIS must be set together.",
    );
  }
  if (clientId === mainClientId) {
    throw new DevIdpConfigError(`DEV_IDP_EXTRA_CLIENT_ID must differ from the main client id (${JSON.stringify(mainClientId)}).`);
  }
  return { clientId, clientSecret, redirectUris: parseUriList("DEV_IDP_EXTRA_CLIENT_REDIRECT_URIS", rawRedirects) };
}

/** The project root (the folder that holds `idp/`). */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Loads `.env`, `.env.local`, `.env.development[.local]` etc. from the project root into
 * `process.env` exactly like Next.js does (variables already set in the environment win),
 * then parses the Dev IdP settings.
 */
export function loadDevIdpConfig(dir: string = PROJECT_ROOT): DevIdpConfig {
  const dev = process.env.NODE_ENV !== "production";
  // Silence @next/env's "Loaded env from ..." lines; errors still surface.
  nextEnv.loadEnvConfig(dir, dev, { info: () => {}, error: (...args: unknown[]) => console.error(...args) });
  return parseDevIdpConfig(process.env);
}
