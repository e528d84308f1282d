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
 * nothing else. Every later comparison (the ID token's `iss`, a refreshed ID token, a logout
 * token's `iss`) uses the published value.
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

const ENDPOINTS = ["authorization_endpoint", "token_endpoint", "userinfo_endpoint", "revocation_endpoint", "end_session_endpoint", "jwks_uri"] as const;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Where the document of `issuer` lives (§4: the issuer, then `/.well-known/openid-configuration`). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/** §4.3, with one allowance: a configured issuer may lack or add the single trailing "/" the provider publishes. */
export function issuerMatches(configured: string, published: string): boolean {
  return published === configured || published === `${configured}/` || `${published}/` === configured;
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
    if (key.startsWith(`${configured}\0`) && Date.now() - entry.at < DISCOVERY_TTL_MS) return entry.metadata.issuer;
  }
  return undefined;
}

/** For tests: forget every document. */
export function forgetDiscovery(): void {
  cache.done.clear();
  cache.inflight.clear();
}
