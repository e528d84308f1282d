import { flag, httpUrl, requireSecureIssuer, value, clientPair, type EnvSource, type Problems } from "@/lib/config/variables";
import { OIDC_SCOPE, oidcAuthjsProvider } from "@/lib/providers/authjs";
import type { ProviderConfig, ProviderDefinition } from "@/lib/providers/definition";
import { profileFromOidcClaims } from "@/lib/providers/profile";

/**
 * Any OpenID Connect provider, found by discovery from its issuer: Auth0, Okta, Keycloak, Zitadel,
 * Authentik, a company's own. Its endpoints, keys and end-session endpoint come from its discovery
 * document (lib/providers/discovery.ts).
 *
 * One is configured by AUTH_OIDC_* (id "oidc"); more by naming them in AUTH_OIDC_PROVIDERS
 * (`acme,partner`), each with AUTH_OIDC_<NAME>_* (id "oidc-<name>", its own button and callback).
 */

const FIELDS = ["ISSUER", "ID", "SECRET", "NAME", "TRUST_EMAIL", "PROMPT", "SCOPES", "AUTHORIZATION_PARAMS"] as const;
const SLOT_NAME = /^[a-z0-9]{1,20}$/;
/** OIDC Core §3.1.2.1's prompt values (space-separated, none alone). */
const PROMPTS = new Set(["none", "login", "consent", "select_account"]);
/** What the app itself puts in the authorization request; an operator's parameter must not replace it. */
const RESERVED_PARAMS = new Set([
  "client_id",
  "redirect_uri",
  "response_type",
  "response_mode",
  "scope",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
  "prompt",
  "request",
  "request_uri",
]);

/** The slot's `prompt`, checked against OIDC Core's values. */
function prompt(source: EnvSource, name: string, problems: Problems): string | undefined {
  const raw = value(source, name);
  if (raw === undefined) return undefined;
  const values = raw.split(/\s+/);
  if (!values.every((v) => PROMPTS.has(v)) || (values.includes("none") && values.length > 1)) {
    problems.errors.push(`${name} must be prompt values of OpenID Connect (login, consent, select_account, or none alone; got "${raw}").`);
    return undefined;
  }
  return values.join(" ");
}

/** Extra scopes (space- or comma-separated scope tokens, RFC 6749 §3.3). */
function scopes(source: EnvSource, name: string, problems: Problems): string[] {
  const raw = value(source, name);
  if (raw === undefined) return [];
  const list = raw.split(/[\s,]+/).filter(Boolean);
  // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
  if (!list.every((scope) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))) {
    problems.errors.push(`${name} must be scope names separated by spaces or commas (got "${raw}").`);
    return [];
  }
  return list;
}

/** Extra authorization parameters as a query string (`audience=https://api&acr_values=mfa`). */
function authorizationParams(source: EnvSource, name: string, problems: Problems): Record<string, string> {
  const raw = value(source, name);
  if (raw === undefined) return {};
  const params = new URLSearchParams(raw);
  const reserved = [...params.keys()].filter((key) => RESERVED_PARAMS.has(key));
  if (reserved.length > 0) {
    problems.errors.push(`${name} may not set ${reserved.join(", ")}: the app sets it (got "${raw}").`);
    return {};
  }
  return Object.fromEntries(params);
}

/** One slot: `prefix` is AUTH_OIDC_ or AUTH_OIDC_<NAME>_. */
function readSlot(
  source: EnvSource,
  prefix: string,
  id: string,
  mode: "development" | "production" | "test",
  problems: Problems,
): ProviderConfig | undefined {
  const v = (field: (typeof FIELDS)[number]) => `${prefix}${field}`;
  const issuer = httpUrl(source, v("ISSUER"), problems, { exact: true });
  requireSecureIssuer(mode, v("ISSUER"), issuer, problems);
  const client = clientPair(source, v("ID"), v("SECRET"), problems);
  const trustEmail = flag(source, v("TRUST_EMAIL"), problems) ?? false;
  const extraScopes = scopes(source, v("SCOPES"), problems);
  const params = authorizationParams(source, v("AUTHORIZATION_PARAMS"), problems);
  const promptValue = prompt(source, v("PROMPT"), problems);
  if (issuer && !client) problems.errors.push(`${v("ID")} and ${v("SECRET")} are required when ${v("ISSUER")} is set.`);
  if (!issuer && client) {
    problems.errors.push(
      `${v("ISSUER")} is missing: it is required when ${v("ID")} is set (the issuer URL, e.g. https://login.example.com).`,
    );
  }
  if (!issuer || !client) return undefined;
  const scope = [...new Set([...`${OIDC_SCOPE} offline_access`.split(" "), ...extraScopes])].join(" ");
  return {
    id,
    kind: "oidc",
    name: value(source, v("NAME")) ?? "Single sign-on",
    mark: "openid",
    issuer,
    ...client,
    trustEmail,
    authorizationParams: { ...params, scope, ...(promptValue ? { prompt: promptValue } : {}) },
  };
}

/** The names in AUTH_OIDC_PROVIDERS, each a slot of its own. */
function slotNames(source: EnvSource, problems: Problems): string[] {
  const names = (value(source, "AUTH_OIDC_PROVIDERS") ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const bad = names.find((name) => !SLOT_NAME.test(name));
  if (bad !== undefined) {
    problems.errors.push(`AUTH_OIDC_PROVIDERS must list short names of letters and digits separated by commas (not "${bad}").`);
    return [];
  }
  return [...new Set(names)];
}

export const oidc: ProviderDefinition = {
  kind: "oidc",
  variables: ["AUTH_OIDC_PROVIDERS", ...FIELDS.map((field) => `AUTH_OIDC_${field}`)],
  read(source, { mode, problems }) {
    const single = readSlot(source, "AUTH_OIDC_", "oidc", mode, problems);
    const named = slotNames(source, problems).map((name) => {
      const slot = readSlot(source, `AUTH_OIDC_${name.toUpperCase()}_`, `oidc-${name}`, mode, problems);
      if (!slot) problems.errors.push(`AUTH_OIDC_PROVIDERS names "${name}": set AUTH_OIDC_${name.toUpperCase()}_ISSUER, _ID and _SECRET.`);
      return slot;
    });
    return [single, ...named].filter((config): config is ProviderConfig => config !== undefined);
  },
  authjs: (config, context) =>
    oidcAuthjsProvider(config, context, { ...config.authorizationParams }, (claims) => oidc.profile(claims, config)),
  profile: (claims, config) => profileFromOidcClaims(claims, { trustEmail: config.trustEmail }),
  idTokenIssuer: (config) => config.issuer,
  formActionOrigin: (config) => new URL(config.issuer!).origin,
  imageOrigins: () => [],
  offersLogout: true,
};
