/**
 * An emulator of Microsoft Entra ID's v2.0 endpoints as Microsoft documents them, for the app's e2e
 * tests (requests to login.microsoftonline.com and graph.microsoft.com are redirected here).
 *
 * Quirks it reproduces, each from Microsoft's documentation:
 * - Authorities per tenant (`/<tenant id>/v2.0`) and multi-tenant ones (`/common`, `/organizations`),
 *   whose discovery documents publish the issuer as the template
 *   `https://login.microsoftonline.com/{tenantid}/v2.0`; every ID token's `iss` names its own tenant,
 *   also in `tid`. https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc
 * - ID token claims: `oid`, `tid`, `preferred_username`, an optional `email` and no `email_verified`.
 *   https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference
 * - A refresh token only with the `offline_access` scope; a refresh returns a new one.
 *   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token
 * - Errors as JSON with `AADSTS` codes; Cancel comes back as `error=access_denied`.
 * - No revocation endpoint; an end-session endpoint per authority.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import {
  accountChooser,
  bearer,
  clientCredentials,
  listen,
  opaque,
  pkceMatches,
  readForm,
  redirect,
  sendHtml,
  sendJson,
  SigningKey,
  type EmulatorServer,
} from "./server";

const LOGIN = "https://login.microsoftonline.com";
export const ENTRA_HOSTS = ["login.microsoftonline.com", "graph.microsoft.com"];
const ALIASES = new Set(["common", "organizations"]);

export const ENTRA_TENANTS = {
  contoso: "8f3c1d2e-5b6a-4c7d-9e8f-0a1b2c3d4e5f",
  fabrikam: "2b7e4a90-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
  northwind: "c0ffee00-1234-4abc-8def-0123456789ab",
} as const;

export interface EntraAccount {
  oid: string;
  tid: string;
  name: string;
  preferred_username: string;
  email: string | null;
}

export const ENTRA_ACCOUNTS: Record<"adele" | "megan" | "bianca" | "nestor", EntraAccount> = {
  adele: {
    oid: "3d9a2c4e-0000-4000-8000-00000000a001",
    tid: ENTRA_TENANTS.contoso,
    name: "Adele Vance",
    preferred_username: "adele@contoso.example",
    email: "adele@contoso.example",
  },
  megan: {
    oid: "3d9a2c4e-0000-4000-8000-00000000a004",
    tid: ENTRA_TENANTS.contoso,
    name: "Megan Bowen",
    preferred_username: "megan@contoso.example",
    email: "megan@contoso.example",
  },
  bianca: {
    oid: "3d9a2c4e-0000-4000-8000-00000000b002",
    tid: ENTRA_TENANTS.fabrikam,
    name: "Bianca Pisani",
    preferred_username: "bianca@fabrikam.example",
    email: "bianca@fabrikam.example",
  },
  nestor: {
    oid: "3d9a2c4e-0000-4000-8000-00000000c003",
    tid: ENTRA_TENANTS.northwind,
    name: "Nestor Wilke",
    preferred_username: "nestor@northwind.example",
    email: "nestor@northwind.example",
  },
};

export interface EntraEmulatorOptions {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  accessTokenTtlSeconds?: number;
}

export interface EntraEmulator extends EmulatorServer {
  hosts: string[];
  lastAuthorization(): { tenant: string; params: URLSearchParams } | undefined;
  /** The query of the last end-session request (RP-initiated logout). */
  lastLogout(): URLSearchParams | undefined;
  /** The next account chosen is answered with `error=<code>` (and an AADSTS description) instead of a code. */
  failNextAuthorization(code: string, description: string): void;
  /** authorization_code, refresh_token, userinfo, discovery:<tenant> */
  stats: Record<string, number>;
  resetStats(): void;
}

interface Grant {
  account: EntraAccount;
  scopes: string[];
  refreshToken: string | null;
}

/** The `sub` Entra gives a person for one app: pairwise, stable, not the object id. */
function subjectOf(account: EntraAccount, clientId: string): string {
  return createHash("sha256").update(`${account.oid}:${clientId}`).digest("base64url");
}

export async function startEntraEmulator(options: EntraEmulatorOptions): Promise<EntraEmulator> {
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  const key = await SigningKey.create();
  const pending = new Map<string, { tenant: string; params: URLSearchParams }>();
  const codes = new Map<string, { grant: Grant; params: URLSearchParams; used: boolean }>();
  const accessTokens = new Map<string, { grant: Grant; expiresAt: number }>();
  const refreshTokens = new Map<string, Grant>();
  const stats: Record<string, number> = {};
  const count = (what: string) => (stats[what] = (stats[what] ?? 0) + 1);
  let lastAuthorization: { tenant: string; params: URLSearchParams } | undefined;
  let lastLogout: URLSearchParams | undefined;
  let nextError: { code: string; description: string } | undefined;

  const knownTenant = (tenant: string) => ALIASES.has(tenant) || Object.values<string>(ENTRA_TENANTS).includes(tenant);
  /** Who may sign in at an authority: a tenant's own people, or everyone's at a multi-tenant one. */
  const accountsAt = (tenant: string) =>
    Object.entries(ENTRA_ACCOUNTS).filter(([, account]) => ALIASES.has(tenant) || account.tid === tenant);

  function discovery(tenant: string) {
    return {
      token_endpoint: `${LOGIN}/${tenant}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${LOGIN}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: `${LOGIN}/${ALIASES.has(tenant) ? "{tenantid}" : tenant}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
      authorization_endpoint: `${LOGIN}/${tenant}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${LOGIN}/${tenant}/oauth2/v2.0/logout`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      claims_supported: [
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "acr",
        "nonce",
        "preferred_username",
        "name",
        "tid",
        "ver",
        "at_hash",
        "c_hash",
        "email",
      ],
      tenant_region_scope: "EU",
      cloud_instance_name: "microsoftonline.com",
    };
  }

  function aadError(response: ServerResponse, status: number, error: string, code: number, description: string): void {
    sendJson(response, status, {
      error,
      error_description: `AADSTS${code}: ${description}`,
      error_codes: [code],
      timestamp: new Date().toISOString().replace("T", " ").slice(0, 19) + "Z",
      trace_id: opaque(""),
      correlation_id: opaque(""),
    });
  }

  function authorize(response: ServerResponse, tenant: string, url: URL): void {
    const params = url.searchParams;
    lastAuthorization = { tenant, params };
    if (params.get("client_id") !== options.clientId)
      return sendHtml(response, 400, "<h1>AADSTS700016: Application not found in the directory.</h1>");
    if (!options.redirectUris.includes(params.get("redirect_uri") ?? "")) {
      return sendHtml(
        response,
        400,
        "<h1>AADSTS50011: The redirect URI does not match the redirect URIs configured for the application.</h1>",
      );
    }
    const id = opaque("");
    pending.set(id, { tenant, params });
    const accounts = accountsAt(tenant).map(([handle, account]) => ({ handle, label: `${account.name} ${account.preferred_username}` }));
    sendHtml(response, 200, accountChooser("Pick an account", `/${tenant}/oauth2/v2.0/authorize/choose`, id, accounts));
  }

  async function choose(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = await readForm(request);
    const authorization = pending.get(form.get("request") ?? "");
    if (!authorization) return sendHtml(response, 400, "<h1>AADSTS90014: the request has expired</h1>");
    pending.delete(form.get("request")!);
    const { tenant, params } = authorization;
    const back = new URL(params.get("redirect_uri")!);
    const chosen = accountsAt(tenant).find(([handle]) => handle === form.get("account"))?.[1];
    if (form.has("cancel") || !chosen) {
      back.searchParams.set("error", "access_denied");
      back.searchParams.set("error_description", "AADSTS65004: User declined to consent to access the app.");
    } else if (nextError) {
      back.searchParams.set("error", nextError.code);
      back.searchParams.set("error_description", nextError.description);
      nextError = undefined;
    } else {
      const code = opaque("1.AQ");
      const scopes = (params.get("scope") ?? "").split(" ").filter(Boolean);
      codes.set(code, { grant: { account: chosen, scopes, refreshToken: null }, params, used: false });
      back.searchParams.set("code", code);
    }
    const state = params.get("state");
    if (state !== null) back.searchParams.set("state", state);
    back.searchParams.set("session_state", opaque(""));
    redirect(response, back.toString());
  }

  function idToken(grant: Grant, nonce: string | null): Promise<string> {
    const { account } = grant;
    return key.sign({
      ver: "2.0",
      iss: `${LOGIN}/${account.tid}/v2.0`,
      aud: options.clientId,
      sub: subjectOf(account, options.clientId),
      oid: account.oid,
      tid: account.tid,
      name: account.name,
      preferred_username: account.preferred_username,
      ...(account.email ? { email: account.email } : {}),
      ...(nonce ? { nonce } : {}),
    });
  }

  async function issue(grant: Grant, nonce: string | null): Promise<Record<string, unknown>> {
    const accessToken = opaque("eyJ0eXAiOi");
    accessTokens.set(accessToken, { grant, expiresAt: Date.now() + ttl * 1000 });
    if (grant.scopes.includes("offline_access")) {
      if (grant.refreshToken) refreshTokens.delete(grant.refreshToken);
      grant.refreshToken = opaque("0.AQ");
      refreshTokens.set(grant.refreshToken, grant);
    }
    return {
      token_type: "Bearer",
      scope: grant.scopes.filter((scope) => scope !== "offline_access").join(" "),
      expires_in: ttl,
      ext_expires_in: ttl,
      access_token: accessToken,
      ...(grant.refreshToken ? { refresh_token: grant.refreshToken } : {}),
      id_token: await idToken(grant, nonce),
    };
  }

  async function token(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = await readForm(request);
    const client = clientCredentials(request, form);
    if (client.id !== options.clientId || client.secret !== options.clientSecret) {
      return aadError(response, 401, "invalid_client", 7000215, "Invalid client secret provided.");
    }
    if (form.get("grant_type") === "refresh_token") {
      count("refresh_token");
      const grant = refreshTokens.get(form.get("refresh_token") ?? "");
      if (!grant)
        return aadError(
          response,
          400,
          "invalid_grant",
          70008,
          "The provided authorization code or refresh token has expired due to inactivity.",
        );
      return sendJson(response, 200, await issue(grant, null));
    }
    count("authorization_code");
    const code = codes.get(form.get("code") ?? "");
    if (!code || code.used) return aadError(response, 400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed.");
    code.used = true;
    if (form.get("redirect_uri") !== code.params.get("redirect_uri")) {
      return aadError(response, 400, "invalid_grant", 50148, "The redirect_uri does not match the one used in the authorization request.");
    }
    if (!pkceMatches(code.params.get("code_challenge"), code.params.get("code_challenge_method"), form.get("code_verifier"))) {
      return aadError(
        response,
        400,
        "invalid_grant",
        501481,
        "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
      );
    }
    sendJson(response, 200, await issue(code.grant, code.params.get("nonce")));
  }

  function userinfo(request: IncomingMessage, response: ServerResponse): void {
    count("userinfo");
    const held = accessTokens.get(bearer(request) ?? "");
    if (!held || held.expiresAt < Date.now()) {
      return sendJson(
        response,
        401,
        { error: { code: "InvalidAuthenticationToken", message: "Access token has expired or is not yet valid." } },
        { "www-authenticate": 'Bearer error="invalid_token"' },
      );
    }
    const { account } = held.grant;
    const [given, ...family] = account.name.split(" ");
    sendJson(response, 200, {
      sub: subjectOf(account, options.clientId),
      name: account.name,
      given_name: given,
      family_name: family.join(" "),
      picture: "https://graph.microsoft.com/v1.0/me/photo/$value",
      ...(account.email ? { email: account.email } : {}),
    });
  }

  const server = await listen(async (request, response, url) => {
    if (url.host === "graph.microsoft.com" && request.method === "GET" && url.pathname === "/oidc/userinfo")
      return userinfo(request, response);
    const match =
      /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/authorize|oauth2\/v2\.0\/authorize\/choose|oauth2\/v2\.0\/token|discovery\/v2\.0\/keys|oauth2\/v2\.0\/logout)$/.exec(
        url.pathname,
      );
    const tenant = match?.[1]?.toLowerCase();
    if (url.host !== "login.microsoftonline.com" || !match || !tenant || !knownTenant(tenant)) {
      return aadError(response, 400, "invalid_tenant", 90002, `Tenant '${tenant ?? ""}' not found.`);
    }
    switch (`${request.method} ${match[2]}`) {
      case "GET v2.0/.well-known/openid-configuration":
        count(`discovery:${tenant}`);
        return sendJson(response, 200, discovery(tenant));
      case "GET oauth2/v2.0/authorize":
        return authorize(response, tenant, url);
      case "POST oauth2/v2.0/authorize/choose":
        return choose(request, response);
      case "POST oauth2/v2.0/token":
        return token(request, response);
      case "GET discovery/v2.0/keys":
        return sendJson(response, 200, key.jwks());
      case "GET oauth2/v2.0/logout":
        lastLogout = url.searchParams;
        return redirect(response, url.searchParams.get("post_logout_redirect_uri") ?? `${LOGIN}/${tenant}/oauth2/v2.0/logoutsession`);
      default:
        return aadError(response, 405, "invalid_request", 900561, "The endpoint only accepts POST requests.");
    }
  });

  return {
    ...server,
    hosts: ENTRA_HOSTS,
    lastAuthorization: () => lastAuthorization,
    lastLogout: () => lastLogout,
    failNextAuthorization: (code, description) => void (nextError = { code, description }),
    stats,
    resetStats: () => {
      for (const name of Object.keys(stats)) delete stats[name];
    },
  };
}
