import { processSingleton } from "@/lib/process-singleton";
import { ProviderUnavailableError } from "@/lib/providers/errors";

/**
 * A provider's discovery document (OIDC Discovery 1.0 §4), fetched once per process and shared by
 * everything that talks to the provider: Auth.js's sign-in and callback (lib/providers/authjs.ts), the ID
 * token's signature check, refresh, revocation, end-session and back-channel logout.
 *
 * Issuers are identifiers and are compared exactly as the provider publishes them (§4.3). The
 * configured issuer only says where to look: it may differ from the published one by a trailing
 * "/" (Auth0 and Authentik publish `https://tenant.example.com/`, people copy it without), and
 * nothing else, or (Microsoft Entra ID) be a tenant alias where the published issuer is a template.
 * Every later comparison (the ID token's `iss`, a refreshed ID token, a logout token's `iss`) uses
 * the published value (expectedTokenIssuer).
 */

/** The fields we use; every endpoint is an absolute URL the provider published. */
export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  userinfo_endpoint?: string;
  revocation_endpoint?: string;
  end_session_endpoint?: string;
  jwks_uri?: string;
}

/** The document is there but unusable (another issuer, a bad endpoint); a provider that does not answer is ProviderUnavailableError. */
export class DiscoveryError extends Error {
  override name = "DiscoveryError";
}

/** How long a document is reused: providers change theirs rarely, and announce it. */
export const DISCOVERY_TTL_MS = 10 * 60_000;

const ENDPOINTS = [
  "authorization_endpoint",
  "token_endpoint",
  "userinfo_endpoint",
  "revocation_endpoint",
  "end_session_endpoint",
  "jwks_uri",
] as const;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Where the document of `issuer` lives (§4: the issuer, then `/.well-known/openid-configuration`). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/**
 * Microsoft Entra ID's multi-tenant endpoints (`…/common/v2.0`, `…/organizations/v2.0`) publish their
 * issuer as a template, `https://login.microsoftonline.com/{tenantid}/v2.0`, and each ID token names
 * its own tenant in `tid`: the token's `iss` must be the template filled with that `tid`.
 * https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#validate-the-issuer
 */
const TENANT_PLACEHOLDER = "{tenantid}";
/** An Entra tenant id: a GUID. */
export const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT_ALIASES = new Set(["common", "organizations", "consumers"]);

/**
 * §4.3, with two allowances: a configured issuer may lack or add the single trailing "/" the provider
 * publishes, and a tenant alias (common, organizations, consumers) stands where a published template
 * has `{tenantid}`.
 */
export function issuerMatches(configured: string, published: string): boolean {
  if (published === configured || published === `${configured}/` || `${published}/` === configured) return true;
  const [before, after, ...rest] = published.split(TENANT_PLACEHOLDER);
  if (before === undefined || after === undefined || rest.length > 0) return false;
  if (!configured.startsWith(before) || !configured.endsWith(after) || configured.length <= before.length + after.length) return false;
  return TENANT_ALIASES.has(configured.slice(before.length, configured.length - after.length));
}

export function isIssuerTemplate(published: string): boolean {
  return published.includes(TENANT_PLACEHOLDER);
}

/**
 * The `iss` a token from this provider must carry: the published issuer, or for a template the
 * template filled with the token's own `tid` (which the token's signature covers). Undefined when a
 * template meets a token without a usable `tid`: no issuer then matches.
 */
export function expectedTokenIssuer(published: string, claims: { tid?: unknown }): string | undefined {
  if (!isIssuerTemplate(published)) return published;
  const tid = claims.tid;
  // A tenant id is a GUID; anything else (a path, another host) must not be spliced into an issuer.
  if (typeof tid !== "string" || !TENANT_ID.test(tid)) return undefined;
  return published.replace(TENANT_PLACEHOLDER, tid);
}

/** Plain http is acceptable only on this machine (the Dev IdP, tests); elsewhere codes and tokens would travel in clear. */
export function isLoopbackOrHttps(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || (parsed.protocol === "http:" && LOOPBACK_HOSTS.has(parsed.hostname));
  } catch {
    return false;
  }
}

export interface DiscoveryOptions {
  fetch: typeof fetch;
  /** Refuse endpoints over plain http off loopback (production). */
  requireHttps?: boolean;
}

/** Validates a document fetched for `configured`; throws DiscoveryError naming what is wrong (never the body). */
export function checkMetadata(configured: string, body: unknown, requireHttps: boolean): ProviderMetadata {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new DiscoveryError("discovery: not a JSON object");
  const doc = body as Record<string, unknown>;
  // The document must be for the issuer we trust, or its endpoints could send our client secret
  // and the person's tokens to someone else.
  if (typeof doc.issuer !== "string" || !issuerMatches(configured, doc.issuer)) throw new DiscoveryError("discovery: names another issuer");
  const metadata: ProviderMetadata = { issuer: doc.issuer };
  for (const name of ENDPOINTS) {
    const value = doc[name];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value !== "string" || !URL.canParse(value)) throw new DiscoveryError(`discovery: ${name} is not a URL`);
    if (requireHttps && !isLoopbackOrHttps(value)) throw new DiscoveryError(`discovery: ${name} is plain http`);
    metadata[name] = value;
  }
  return metadata;
}

interface Entry {
  at: number;
  /** The raw body, for Auth.js (lib/providers/authjs.ts hands it the provider's own bytes). */
  body: string;
  metadata: ProviderMetadata;
}

// One cache per process: the proxy and the app's route bundles are separate module graphs.
const cache = processSingleton("oidc-discovery", () => ({ done: new Map<string, Entry>(), inflight: new Map<string, Promise<Entry>>() }));

async function load(configured: string, options: DiscoveryOptions): Promise<Entry> {
  const provider = hostOf(configured);
  let response: Response;
  try {
    response = await options.fetch(discoveryUrl(configured), { headers: { accept: "application/json" }, redirect: "manual" });
  } catch (error) {
    throw new ProviderUnavailableError(provider, `discovery: ${timedOut(error) ? "timed out" : "unreachable"}`, { cause: error });
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new ProviderUnavailableError(provider, `discovery: HTTP ${response.status}`);
  }
  const body = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new DiscoveryError("discovery: not JSON");
  }
  return { at: Date.now(), body, metadata: checkMetadata(configured, parsed, options.requireHttps ?? false) };
}

export function timedOut(error: unknown): boolean {
  const name = (error as Error | null)?.name;
  return name === "TimeoutError" || name === "AbortError";
}

function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).host : "provider";
}

async function entryFor(configured: string, options: DiscoveryOptions): Promise<Entry> {
  const key = `${configured}\0${options.requireHttps ? "https" : "any"}`;
  const kept = cache.done.get(key);
  if (kept && Date.now() - kept.at < DISCOVERY_TTL_MS) return kept;
  let pending = cache.inflight.get(key);
  if (!pending) {
    pending = load(configured, options).finally(() => cache.inflight.delete(key));
    cache.inflight.set(key, pending);
  }
  // A failure is not remembered: the next call asks again.
  const entry = await pending;
  cache.done.set(key, entry);
  return entry;
}

/** The provider's validated metadata (cached for DISCOVERY_TTL_MS; concurrent callers share one request). */
export async function discover(configured: string, options: DiscoveryOptions): Promise<ProviderMetadata> {
  return (await entryFor(configured, options)).metadata;
}

/** The document's own bytes, validated like `discover`'s (for Auth.js, which parses it itself). */
export async function discoveryDocument(configured: string, options: DiscoveryOptions): Promise<string> {
  return (await entryFor(configured, options)).body;
}

/** The issuer as published, if this process has discovered it (no network). */
export function knownPublishedIssuer(configured: string): string | undefined {
  for (const [key, entry] of cache.done) {
    if (!key.startsWith(`${configured}\0`) || Date.now() - entry.at >= DISCOVERY_TTL_MS) continue;
    // A template is no issuer to give Auth.js: it is given the configured one (lib/providers/authjs.ts).
    return isIssuerTemplate(entry.metadata.issuer) ? configured : entry.metadata.issuer;
  }
  return undefined;
}

/** For tests: forget every document. */
export function forgetDiscovery(): void {
  cache.done.clear();
  cache.inflight.clear();
}
