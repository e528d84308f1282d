import "server-only";

import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { DatabaseUrlError, parseDatabaseUrl } from "@/lib/db/database-url";
import { parseRateLimits, type RateLimits } from "@/lib/security/rate-limits/counters";
import { DEFAULT_SESSION_POLICY, parseSessionPolicy, SessionPolicyError, type SessionPolicy } from "@/lib/config/session-policy";
import { parseTokenEncryptionKeys, TokenKeyConfigError } from "@/lib/encryption/keyring";

/**
 * The app's configuration, read from the environment once and validated as a whole, so a bad
 * deployment fails at start-up with every problem named instead of at the first sign-in.
 *
 * `parseEnv` is pure (it takes the variables and returns problems) so every rule is unit-tested;
 * `getEnv` is the cached, process-wide view that the rest of the server uses.
 */

export type Mode = "development" | "production" | "test";

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface OidcClient extends OAuthClient {
  /** As configured; compared with the provider's published issuer by lib/providers/discovery.ts. */
  issuer: string;
  name: string;
  /**
   * Whether an address sent without an `email_verified` claim counts as verified (for providers
   * that never send the claim); `email_verified: false` is never overridden.
   */
  trustEmail: boolean;
}

export interface AppEnv {
  mode: Mode;
  authSecret: string;
  /** Secrets for provider tokens at rest (lib/encryption/keyring.ts): the first encrypts, all decrypt. */
  tokenEncryptionSecrets: string[];
  /** The public origin the app is served from; when set, it wins over Host / X-Forwarded-Host. */
  authUrl: string | undefined;
  /** Sign-in, callback and bearer-failure limits (lib/security/rate-limits/counters.ts; RATE_LIMIT_* variables). */
  rateLimits: RateLimits;
  /** Idle timeout and absolute lifetime of a session (lib/config/session-policy.ts; SESSION_* variables). */
  sessionPolicy: SessionPolicy;
  /** Whether session checks may answer from memory while the database's change feed is live (lib/session/cache.ts; SESSION_CHECK_CACHE). */
  sessionCheckCache: boolean;
  /** Reverse proxies in front of the app that append to X-Forwarded-For (lib/auth/request-context.ts; TRUSTED_PROXY_HOPS). */
  trustedProxyHops: number;
  /** Whether /api/health tells anonymous callers more than ok/error (HEALTH_DETAILS). */
  healthDetails: boolean;
  providers: {
    google?: OAuthClient;
    github?: OAuthClient;
    oidc?: OidcClient;
    devIdp?: OidcClient;
  };
}

export interface ParsedEnv {
  env: AppEnv | null;
  errors: string[];
  warnings: string[];
}

type Source = Record<string, string | undefined>;

/** Defaults shared with the Dev IdP (idp/config.ts); a test keeps the two in step. */
export const DEV_IDP_DEFAULTS = {
  issuer: "http://127.0.0.1:3001",
  clientId: "oauth-next-app",
  clientSecret: "dev-idp-client-secret-not-for-production",
} as const;

const MIN_SECRET_LENGTH = 32;
const SECRET_HINT = "generate one with `openssl rand -base64 33` and set it in .env.local (or your host's env settings)";

function value(source: Source, name: string): string | undefined {
  const raw = source[name]?.trim();
  return raw ? raw : undefined;
}

function modeOf(source: Source): Mode {
  const nodeEnv = value(source, "NODE_ENV");
  return nodeEnv === "production" || nodeEnv === "test" ? nodeEnv : "development";
}

function flag(source: Source, name: string, errors: string[]): boolean | undefined {
  const raw = value(source, name)?.toLowerCase();
  if (raw === undefined) return undefined;
  if (raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  errors.push(`${name} must be 1/true or 0/false (got "${source[name]}").`);
  return undefined;
}

function likelyTransactionPooler(databaseUrl: string | undefined): boolean {
  if (!databaseUrl || !/^postgres(ql)?:\/\//i.test(databaseUrl)) return false;
  try {
    const url = new URL(databaseUrl);
    return url.searchParams.get("pgbouncer") === "true" || /-pooler\./i.test(url.hostname);
  } catch {
    return false;
  }
}

/** A provider is configured by a pair of variables; half a pair is a mistake worth stopping for. */
function clientPair(source: Source, idName: string, secretName: string, errors: string[]): OAuthClient | undefined {
  const clientId = value(source, idName);
  const clientSecret = value(source, secretName);
  if (!clientId && !clientSecret) return undefined;
  if (!clientId) {
    errors.push(`${idName} is missing: it is required when ${secretName} is set.`);
    return undefined;
  }
  if (!clientSecret) {
    errors.push(`${secretName} is missing: it is required when ${idName} is set.`);
    return undefined;
  }
  return { clientId, clientSecret };
}

/**
 * An http(s) URL. `exact` keeps it as written: an issuer is an identifier, and a trailing "/" may be
 * part of it (lib/providers/discovery.ts); other URLs lose theirs.
 */
function httpUrl(source: Source, name: string, errors: string[], options: { exact?: boolean } = {}): string | undefined {
  const raw = value(source, name);
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === "https:" || url.protocol === "http:") return options.exact ? raw : raw.replace(/\/+$/, "");
  } catch {
    // reported below
  }
  errors.push(`${name} must be an http(s) URL (got "${raw}").`);
  return undefined;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * In production a provider reached over plain http off this machine would see our client secret
 * and people's codes and tokens in clear text, and anyone on the path could sign in as anyone.
 */
function requireSecureIssuer(mode: Mode, name: string, issuer: string | undefined, errors: string[]): void {
  if (mode !== "production" || !issuer) return;
  const url = new URL(issuer);
  if (url.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname)) {
    errors.push(`${name} must use https in production (got "${issuer}"): the client secret, codes and tokens would travel in clear text.`);
  }
}

const MAX_PROXY_HOPS = 10;

function proxyHops(source: Source, errors: string[]): number {
  const raw = value(source, "TRUSTED_PROXY_HOPS");
  if (raw === undefined) return 1;
  if (/^\d+$/.test(raw) && Number(raw) <= MAX_PROXY_HOPS) return Number(raw);
  errors.push(
    `TRUSTED_PROXY_HOPS must be a whole number from 0 to ${MAX_PROXY_HOPS} (got "${raw}"): how many reverse proxies in front of the app append to X-Forwarded-For (0: none, the connection's own address is the client).`,
  );
  return 1;
}

/**
 * Redirect URIs, cookie names and the `Secure` flag all follow the public URL. In production
 * it must be fixed (AUTH_URL) or explicitly taken from a trusted proxy (AUTH_TRUST_HOST): else
 * a forged Host / X-Forwarded-Host header would choose where the provider sends the code.
 * Plain http is only acceptable on loopback, where a production build is tried out locally.
 */
function checkPublicUrl(source: Source, mode: Mode, authUrl: string | undefined, errors: string[], warnings: string[]) {
  if (mode !== "production" || (value(source, "AUTH_URL") && !authUrl)) return; // invalid: already reported
  if (authUrl) {
    const url = new URL(authUrl);
    if (url.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname)) {
      errors.push(
        `AUTH_URL must use https in production (got "${authUrl}"): session cookies and authorization codes would travel in clear text. Use https://${url.host}${url.pathname === "/" ? "" : url.pathname}.`,
      );
    }
    return;
  }
  // Vercel and Cloudflare Pages put the app behind their own proxy, which sets the forwarded headers.
  const trustedPlatform = Boolean(value(source, "VERCEL") || value(source, "CF_PAGES"));
  const trustHost = value(source, "AUTH_TRUST_HOST");
  if (trustedPlatform) return;
  if (trustHost === "1" || trustHost === "true") {
    warnings.push(
      "AUTH_TRUST_HOST is set without AUTH_URL: the public URL is taken from X-Forwarded-Host / Host, so only run this behind a proxy that overwrites them. Prefer AUTH_URL.",
    );
    return;
  }
  errors.push(
    "AUTH_URL is missing: set it to the app's public https URL (e.g. https://app.example.com), or set AUTH_TRUST_HOST=true behind a reverse proxy that sets X-Forwarded-Host.",
  );
}

export function parseEnv(source: Source, options: { devSecret?: () => string } = {}): ParsedEnv {
  const errors: string[] = [];
  const warnings: string[] = [];
  const mode = modeOf(source);

  let authSecret = value(source, "AUTH_SECRET");
  if (!authSecret) {
    if (mode === "production") {
      errors.push(`AUTH_SECRET is missing: it encrypts the session cookie; ${SECRET_HINT}.`);
    } else if (options.devSecret) {
      authSecret = options.devSecret();
      warnings.push("AUTH_SECRET is not set: using a generated development secret stored in .data/dev-auth-secret.");
    } else {
      errors.push(`AUTH_SECRET is missing; ${SECRET_HINT}.`);
    }
  } else if (authSecret.length < MIN_SECRET_LENGTH) {
    const message = `AUTH_SECRET is too short (${authSecret.length} characters; at least ${MIN_SECRET_LENGTH}): ${SECRET_HINT}.`;
    if (mode === "production") errors.push(message);
    else warnings.push(message);
  }

  const authUrl = httpUrl(source, "AUTH_URL", errors);
  checkPublicUrl(source, mode, authUrl, errors, warnings);

  try {
    parseDatabaseUrl(source.DATABASE_URL, { env: source });
  } catch (error) {
    if (!(error instanceof DatabaseUrlError)) throw error;
    errors.push(error.message);
  }

  const google = clientPair(source, "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET", errors);
  const github = clientPair(source, "AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET", errors);

  let oidc: OidcClient | undefined;
  const oidcIssuer = httpUrl(source, "AUTH_OIDC_ISSUER", errors, { exact: true });
  requireSecureIssuer(mode, "AUTH_OIDC_ISSUER", oidcIssuer, errors);
  const oidcClient = clientPair(source, "AUTH_OIDC_ID", "AUTH_OIDC_SECRET", errors);
  const oidcTrustEmail = flag(source, "AUTH_OIDC_TRUST_EMAIL", errors) ?? false;
  if (oidcIssuer && oidcClient) {
    oidc = { ...oidcClient, issuer: oidcIssuer, name: value(source, "AUTH_OIDC_NAME") ?? "Single sign-on", trustEmail: oidcTrustEmail };
  } else if (oidcIssuer && !oidcClient) {
    errors.push("AUTH_OIDC_ID and AUTH_OIDC_SECRET are required when AUTH_OIDC_ISSUER is set.");
  } else if (!oidcIssuer && oidcClient) {
    errors.push("AUTH_OIDC_ISSUER is missing: it is required when AUTH_OIDC_ID is set (the issuer URL, e.g. https://login.example.com).");
  }

  // The Dev IdP signs anyone in with a published password: on by default only in development when
  // nothing real is configured, and in production only when asked for by name.
  const hasRealProvider = Boolean(google || github || oidc);
  const devIdpFlag = flag(source, "AUTH_DEV_IDP", errors);
  const devIdpEnabled = devIdpFlag ?? (mode !== "production" && !hasRealProvider);
  let devIdp: OidcClient | undefined;
  if (devIdpEnabled) {
    devIdp = {
      issuer: httpUrl(source, "DEV_IDP_ISSUER", errors, { exact: true }) ?? DEV_IDP_DEFAULTS.issuer,
      clientId: value(source, "DEV_IDP_CLIENT_ID") ?? DEV_IDP_DEFAULTS.clientId,
      clientSecret: value(source, "DEV_IDP_CLIENT_SECRET") ?? DEV_IDP_DEFAULTS.clientSecret,
      name: "Dev IdP",
      trustEmail: false,
    };
    requireSecureIssuer(mode, "DEV_IDP_ISSUER", devIdp.issuer, errors);
    if (mode === "production" && devIdp.clientSecret === DEV_IDP_DEFAULTS.clientSecret) {
      // The published secret is in this repository: anyone could run an IdP that our app trusts.
      errors.push(
        "DEV_IDP_CLIENT_SECRET is the published development secret and AUTH_DEV_IDP=1 in production: set AUTH_DEV_IDP=0 (or unset it), or give the Dev IdP and the app a secret of your own in DEV_IDP_CLIENT_SECRET.",
      );
    } else if (mode === "production") {
      warnings.push(
        "AUTH_DEV_IDP=1 in production: the Dev IdP signs anyone in with the published test passwords. Never do this on a public deployment.",
      );
    }
  }

  if (mode === "production" && !hasRealProvider && !devIdp) {
    errors.push(
      "No sign-in provider is configured: set AUTH_GOOGLE_ID/AUTH_GOOGLE_SECRET, AUTH_GITHUB_ID/AUTH_GITHUB_SECRET or AUTH_OIDC_ISSUER/AUTH_OIDC_ID/AUTH_OIDC_SECRET.",
    );
  }

  let tokenEncryptionSecrets: string[] = [];
  if (authSecret) {
    try {
      tokenEncryptionSecrets = parseTokenEncryptionKeys(source.TOKEN_ENCRYPTION_KEYS, authSecret);
    } catch (error) {
      if (!(error instanceof TokenKeyConfigError)) throw error;
      errors.push(...error.message.split("\n"));
    }
  }

  const { limits: rateLimits, errors: rateLimitErrors } = parseRateLimits(source);
  errors.push(...rateLimitErrors);

  let sessionPolicy: SessionPolicy = DEFAULT_SESSION_POLICY;
  try {
    sessionPolicy = parseSessionPolicy(source);
  } catch (error) {
    if (!(error instanceof SessionPolicyError)) throw error;
    errors.push(...error.message.split("\n"));
  }

  // The cache trusts LISTEN/NOTIFY, which a transaction-mode pooler does not carry (the feed also
  // checks that its pings come back on the backend that listens, lib/db/change-feed.ts). Off by
  // default where such a pooler is likely: Prisma's `pgbouncer=true` marker, a Neon `-pooler` host,
  // and Vercel's functions (frozen between requests, they could rarely use a cached answer anyway).
  const pooled = likelyTransactionPooler(source.DATABASE_URL);
  const sessionCheckCache = flag(source, "SESSION_CHECK_CACHE", errors) ?? !(pooled || value(source, "VERCEL"));
  if (sessionCheckCache && pooled) {
    warnings.push(
      "SESSION_CHECK_CACHE=1 with a pooled DATABASE_URL: a transaction-mode pooler does not deliver the change notifications the cache relies on.",
    );
  }

  const trustedProxyHops = proxyHops(source, errors);
  const healthDetails = flag(source, "HEALTH_DETAILS", errors) ?? false;

  if (errors.length > 0 || !authSecret) return { env: null, errors, warnings };
  return {
    env: {
      mode,
      authSecret,
      tokenEncryptionSecrets,
      authUrl,
      rateLimits,
      sessionPolicy,
      sessionCheckCache,
      trustedProxyHops,
      healthDetails,
      providers: { google, github, oidc, devIdp },
    },
    errors,
    warnings,
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Development only: one random secret per checkout, so sessions survive `npm run dev` restarts. */
function readOrCreateDevSecret(): string {
  const file = path.join(process.cwd(), ".data", "dev-auth-secret");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, randomBytes(33).toString("base64url"), { flag: "wx", mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    return readFileSync(file, "utf8").trim();
  }
}

// The proxy and the app are separate bundles in one process; keep one parse and one set of warnings.
const cacheKey = Symbol.for("oauth-next-app.env");
type EnvCache = { [cacheKey]?: AppEnv };

export function getEnv(): AppEnv {
  const cache = globalThis as EnvCache;
  const cached = cache[cacheKey];
  if (cached) return cached;
  const { env, errors, warnings } = parseEnv(process.env, { devSecret: readOrCreateDevSecret });
  for (const warning of warnings) console.warn(`[config] ${warning}`);
  if (!env) throw new ConfigError(errors);
  cache[cacheKey] = env;
  return env;
}

/** For server start-up (instrumentation.ts): a bad configuration stops the process, every problem named. */
export function validateEnvOrExit(): void {
  try {
    getEnv();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`\n${error.message}\n\nSee .env.example and the README's Configuration section.\n`);
    process.exit(1);
  }
}
