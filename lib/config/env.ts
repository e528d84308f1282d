import "server-only";

import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { DEFAULT_SESSION_POLICY, parseSessionPolicy, SessionPolicyError, type SessionPolicy } from "@/lib/config/session-policy";
import { flag, httpUrl, LOOPBACK_HOSTS, value, type EnvSource, type Mode, type Problems } from "@/lib/config/variables";
import { DatabaseUrlError, parseDatabaseUrl } from "@/lib/db/database-url";
import { parseTokenEncryptionKeys, TokenKeyConfigError } from "@/lib/encryption/keyring";
import { processSingleton } from "@/lib/process-singleton";
import type { ProviderConfig } from "@/lib/providers/definition";
import { readProviders } from "@/lib/providers/registry";
import { parseRateLimits, type RateLimits } from "@/lib/security/rate-limits/counters";

/**
 * The app's configuration, read from the environment once and validated as a whole, so a bad
 * deployment fails at start-up with every problem named instead of at the first sign-in.
 *
 * `parseEnv` is pure (it takes the variables and returns problems) so every rule is unit-tested;
 * `getEnv` is the cached, process-wide view that lib/services.ts hands to the rest of the server.
 * Each provider reads its own variables (lib/providers/definitions/).
 */

export type { Mode } from "@/lib/config/variables";

export interface AppEnv {
  mode: Mode;
  authSecret: string;
  /** Secrets for secrets at rest (lib/encryption/keyring.ts): the first encrypts, all decrypt. */
  tokenEncryptionSecrets: string[];
  /** The public origin the app is served from; when set, it wins over Host / X-Forwarded-Host. */
  authUrl: string | undefined;
  /** Sign-in, callback and bearer-failure limits (lib/security/rate-limits/counters.ts; RATE_LIMIT_* variables). */
  rateLimits: RateLimits;
  /** Idle timeout and absolute lifetime of a session (lib/config/session-policy.ts; SESSION_* variables). */
  sessionPolicy: SessionPolicy;
  /** Whether session checks may answer from memory while the database's change feed is live (lib/session/cache.ts; SESSION_CHECK_CACHE). */
  sessionCheckCache: boolean;
  /** Reverse proxies in front of the app that append to X-Forwarded-For (lib/security/client-address.ts; TRUSTED_PROXY_HOPS). */
  trustedProxyHops: number;
  /** Whether /api/health tells anonymous callers more than ok/error (HEALTH_DETAILS). */
  healthDetails: boolean;
  /** The configured sign-in providers, in the order of their buttons (lib/providers/registry.ts). */
  providers: readonly ProviderConfig[];
}

export interface ParsedEnv {
  env: AppEnv | null;
  errors: string[];
  warnings: string[];
}

const MIN_SECRET_LENGTH = 32;
const SECRET_HINT = "generate one with `openssl rand -base64 33` and set it in .env.local (or your host's env settings)";
const MAX_PROXY_HOPS = 10;

function modeOf(source: EnvSource): Mode {
  const nodeEnv = value(source, "NODE_ENV");
  return nodeEnv === "production" || nodeEnv === "test" ? nodeEnv : "development";
}

function readAuthSecret(source: EnvSource, mode: Mode, problems: Problems, devSecret?: () => string): string | undefined {
  const authSecret = value(source, "AUTH_SECRET");
  if (!authSecret) {
    if (mode === "production") problems.errors.push(`AUTH_SECRET is missing: it encrypts the session cookie; ${SECRET_HINT}.`);
    else if (!devSecret) problems.errors.push(`AUTH_SECRET is missing; ${SECRET_HINT}.`);
    else {
      problems.warnings.push("AUTH_SECRET is not set: using a generated development secret stored in .data/dev-auth-secret.");
      return devSecret();
    }
    return undefined;
  }
  if (authSecret.length < MIN_SECRET_LENGTH) {
    const message = `AUTH_SECRET is too short (${authSecret.length} characters; at least ${MIN_SECRET_LENGTH}): ${SECRET_HINT}.`;
    (mode === "production" ? problems.errors : problems.warnings).push(message);
  }
  return authSecret;
}

/**
 * Redirect URIs, cookie names and the `Secure` flag all follow the public URL. In production
 * it must be fixed (AUTH_URL) or explicitly taken from a trusted proxy (AUTH_TRUST_HOST): else
 * a forged Host / X-Forwarded-Host header would choose where the provider sends the code.
 * Plain http is only acceptable on loopback, where a production build is tried out locally.
 */
function readPublicUrl(source: EnvSource, mode: Mode, problems: Problems): string | undefined {
  const authUrl = httpUrl(source, "AUTH_URL", problems);
  if (mode !== "production" || (value(source, "AUTH_URL") && !authUrl)) return authUrl; // invalid: already reported
  if (authUrl) {
    const url = new URL(authUrl);
    if (url.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname)) {
      problems.errors.push(
        `AUTH_URL must use https in production (got "${authUrl}"): session cookies and authorization codes would travel in clear text. Use https://${url.host}${url.pathname === "/" ? "" : url.pathname}.`,
      );
    }
    return authUrl;
  }
  // Vercel and Cloudflare Pages put the app behind their own proxy, which sets the forwarded headers.
  if (value(source, "VERCEL") || value(source, "CF_PAGES")) return undefined;
  const trustHost = value(source, "AUTH_TRUST_HOST");
  if (trustHost === "1" || trustHost === "true") {
    problems.warnings.push(
      "AUTH_TRUST_HOST is set without AUTH_URL: the public URL is taken from X-Forwarded-Host / Host, so only run this behind a proxy that overwrites them. Prefer AUTH_URL.",
    );
    return undefined;
  }
  problems.errors.push(
    "AUTH_URL is missing: set it to the app's public https URL (e.g. https://app.example.com), or set AUTH_TRUST_HOST=true behind a reverse proxy that sets X-Forwarded-Host.",
  );
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

/**
 * The cache trusts LISTEN/NOTIFY, which a transaction-mode pooler does not carry (the feed also
 * checks that its pings come back on the backend that listens, lib/db/change-feed.ts). Off by
 * default where such a pooler is likely: Prisma's `pgbouncer=true` marker, a Neon `-pooler` host,
 * and Vercel's functions (frozen between requests, they could rarely use a cached answer anyway).
 */
function readSessionCheckCache(source: EnvSource, problems: Problems): boolean {
  const pooled = likelyTransactionPooler(source.DATABASE_URL);
  const enabled = flag(source, "SESSION_CHECK_CACHE", problems) ?? !(pooled || value(source, "VERCEL"));
  if (enabled && pooled) {
    problems.warnings.push(
      "SESSION_CHECK_CACHE=1 with a pooled DATABASE_URL: a transaction-mode pooler does not deliver the change notifications the cache relies on.",
    );
  }
  return enabled;
}

function readProxyHops(source: EnvSource, problems: Problems): number {
  const raw = value(source, "TRUSTED_PROXY_HOPS");
  if (raw === undefined) return 1;
  if (/^\d+$/.test(raw) && Number(raw) <= MAX_PROXY_HOPS) return Number(raw);
  problems.errors.push(
    `TRUSTED_PROXY_HOPS must be a whole number from 0 to ${MAX_PROXY_HOPS} (got "${raw}"): how many reverse proxies in front of the app append to X-Forwarded-For (0: none, the connection's own address is the client).`,
  );
  return 1;
}

/** Runs a parser that reports its problems by throwing `errorClass`, one per line. */
function collect<T>(problems: Problems, errorClass: new (...args: never[]) => Error, parse: () => T, fallback: T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof errorClass)) throw error;
    problems.errors.push(...error.message.split("\n"));
    return fallback;
  }
}

/**
 * The embedded database is one process's folder: a second instance, a serverless function's
 * next cold start or a redeploy would each see another (or no) database, and nothing backs it up.
 * In production it is a mistake unless the operator says it is a single-box trial.
 */
function refuseEmbeddedDatabase(source: EnvSource, problems: Problems): void {
  if (flag(source, "ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION", problems)) return;
  problems.errors.push(
    "DATABASE_URL is unset or names the embedded PGlite database, which production does not use: set DATABASE_URL=postgresql://user:password@host:5432/db (then npm run db:migrate). For a single-box trial only, ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION=1 keeps the embedded one (one process, no backups).",
  );
}

export function parseEnv(source: EnvSource, options: { devSecret?: () => string } = {}): ParsedEnv {
  const problems: Problems = { errors: [], warnings: [] };
  const mode = modeOf(source);
  const authSecret = readAuthSecret(source, mode, problems, options.devSecret);
  const authUrl = readPublicUrl(source, mode, problems);
  const database = collect(problems, DatabaseUrlError, () => parseDatabaseUrl(source.DATABASE_URL, { env: source }), undefined);
  if (mode === "production" && database && database.kind !== "postgres") refuseEmbeddedDatabase(source, problems);

  const providers = readProviders(source, mode, problems);
  if (mode === "production" && providers.length === 0) {
    problems.errors.push(
      "No sign-in provider is configured: set AUTH_GOOGLE_ID/AUTH_GOOGLE_SECRET, AUTH_GITHUB_ID/AUTH_GITHUB_SECRET or AUTH_OIDC_ISSUER/AUTH_OIDC_ID/AUTH_OIDC_SECRET.",
    );
  }

  const tokenEncryptionSecrets = authSecret
    ? collect(problems, TokenKeyConfigError, () => parseTokenEncryptionKeys(source.TOKEN_ENCRYPTION_KEYS, authSecret), [])
    : [];
  const { limits: rateLimits, errors: rateLimitErrors } = parseRateLimits(source);
  problems.errors.push(...rateLimitErrors);
  const sessionPolicy = collect(problems, SessionPolicyError, () => parseSessionPolicy(source), DEFAULT_SESSION_POLICY);
  const sessionCheckCache = readSessionCheckCache(source, problems);
  const trustedProxyHops = readProxyHops(source, problems);
  const healthDetails = flag(source, "HEALTH_DETAILS", problems) ?? false;

  const { errors, warnings } = problems;
  if (errors.length > 0 || !authSecret) return { env: null, errors, warnings };
  const env: AppEnv = {
    mode,
    authSecret,
    tokenEncryptionSecrets,
    authUrl,
    rateLimits,
    sessionPolicy,
    sessionCheckCache,
    trustedProxyHops,
    healthDetails,
    providers,
  };
  return { env, errors, warnings };
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

/** The configuration, parsed once per process (the proxy and the app are separate bundles): one set of warnings. */
export function getEnv(): AppEnv {
  return processSingleton("config.env", () => {
    const { env, errors, warnings } = parseEnv(process.env, { devSecret: readOrCreateDevSecret });
    for (const warning of warnings) console.warn(`[config] ${warning}`);
    if (!env) throw new ConfigError(errors);
    return env;
  });
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
