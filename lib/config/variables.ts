/**
 * Reading environment variables the way the whole configuration does (lib/config/env.ts and the
 * provider definitions, lib/providers/definitions/): trimmed, empty meaning unset, and every problem
 * a sentence that names the variable and its fix.
 */

export type Mode = "development" | "production" | "test";

export type EnvSource = Record<string, string | undefined>;

/** Where each reader reports what is wrong. */
export interface Problems {
  errors: string[];
  warnings: string[];
}

export function value(source: EnvSource, name: string): string | undefined {
  const raw = source[name]?.trim();
  return raw ? raw : undefined;
}

export function flag(source: EnvSource, name: string, problems: Problems): boolean | undefined {
  const raw = value(source, name)?.toLowerCase();
  if (raw === undefined) return undefined;
  if (raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  problems.errors.push(`${name} must be 1/true or 0/false (got "${source[name]}").`);
  return undefined;
}

/**
 * An http(s) URL. `exact` keeps it as written: an issuer is an identifier, and a trailing "/" may be
 * part of it (lib/providers/discovery.ts); other URLs lose theirs.
 */
export function httpUrl(source: EnvSource, name: string, problems: Problems, options: { exact?: boolean } = {}): string | undefined {
  const raw = value(source, name);
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === "https:" || url.protocol === "http:") return options.exact ? raw : raw.replace(/\/+$/, "");
  } catch {
    // reported below
  }
  problems.errors.push(`${name} must be an http(s) URL (got "${raw}").`);
  return undefined;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** A provider is configured by a pair of variables; half a pair is a mistake worth stopping for. */
export function clientPair(source: EnvSource, idName: string, secretName: string, problems: Problems): ClientCredentials | undefined {
  const clientId = value(source, idName);
  const clientSecret = value(source, secretName);
  if (!clientId && !clientSecret) return undefined;
  if (!clientId) {
    problems.errors.push(`${idName} is missing: it is required when ${secretName} is set.`);
    return undefined;
  }
  if (!clientSecret) {
    problems.errors.push(`${secretName} is missing: it is required when ${idName} is set.`);
    return undefined;
  }
  return { clientId, clientSecret };
}

export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * In production a provider reached over plain http off this machine would see our client secret
 * and people's codes and tokens in clear text, and anyone on the path could sign in as anyone.
 */
export function requireSecureIssuer(mode: Mode, name: string, issuer: string | undefined, problems: Problems): void {
  if (mode !== "production" || !issuer) return;
  const url = new URL(issuer);
  if (url.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname)) {
    problems.errors.push(
      `${name} must use https in production (got "${issuer}"): the client secret, codes and tokens would travel in clear text.`,
    );
  }
}
