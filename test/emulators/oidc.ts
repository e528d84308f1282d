/**
 * An emulator of a generic OpenID Connect provider (Keycloak, Auth0, Okta…), as OIDC Core and
 * Discovery describe one, served on loopback under an issuer of the test's choosing: with a path
 * (Keycloak's `/realms/<realm>`, Okta's `/oauth2/default`) or a trailing slash (Auth0's). It records
 * what each authorization request asked for (prompt, scope, extra parameters), so tests can check
 * what the operator configured reached the provider. It can refuse the next authorization with an
 * RFC 6749 §4.1.2.1 error, refreshes tokens (not rotating the refresh token, as Keycloak may not) and
 * records RP-initiated logouts.
 * https://openid.net/specs/openid-connect-core-1_0.html · https://openid.net/specs/openid-connect-discovery-1_0.html
 */
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

export interface OidcAccount {
  sub: string;
  name: string;
  email: string;
  email_verified: boolean;
}

export interface OidcEmulatorOptions {
  /** Appended to the server's origin to form the issuer: "/realms/acme", "/" (Auth0's style)… */
  issuerPath: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  accounts: Record<string, OidcAccount>;
  /** Access tokens' lifetime (default 300 s). */
  accessTokenTtlSeconds?: number;
}

export interface OidcEmulator extends EmulatorServer {
  /** The issuer exactly as published. */
  issuer: string;
  lastAuthorization(): URLSearchParams | undefined;
  /** The query of the last request to the end-session endpoint. */
  lastLogout(): URLSearchParams | undefined;
  /** The next account chosen is answered with `error=<code>` instead of a code. */
  failNextAuthorization(code: string): void;
  stats: Record<string, number>;
}

interface Grant {
  account: OidcAccount;
  refreshToken: string | null;
}

export async function startOidcEmulator(options: OidcEmulatorOptions): Promise<OidcEmulator> {
  const key = await SigningKey.create();
  const pending = new Map<string, URLSearchParams>();
  const codes = new Map<string, { grant: Grant; params: URLSearchParams; used: boolean }>();
  const accessTokens = new Map<string, Grant>();
  const refreshTokens = new Map<string, Grant>();
  const stats: Record<string, number> = {};
  const count = (what: string) => (stats[what] = (stats[what] ?? 0) + 1);
  let lastAuthorization: URLSearchParams | undefined;
  let lastLogout: URLSearchParams | undefined;
  let nextError: string | undefined;
  let issuer = "";
  /** Endpoints hang off the issuer without its trailing slash, as Keycloak's and Auth0's do. */
  const endpoint = (path: string) => `${issuer.replace(/\/$/, "")}${path}`;
  const base = () => new URL(endpoint("")).pathname.replace(/\/$/, "");

  function authorize(response: ServerResponse, params: URLSearchParams): void {
    lastAuthorization = params;
    if (params.get("client_id") !== options.clientId || !options.redirectUris.includes(params.get("redirect_uri") ?? "")) {
      return sendHtml(response, 400, "<h1>Invalid client or redirect URI</h1>");
    }
    const id = opaque("");
    pending.set(id, params);
    const accounts = Object.entries(options.accounts).map(([handle, account]) => ({ handle, label: `Sign in as ${account.name}` }));
    sendHtml(response, 200, accountChooser(`Sign in to ${new URL(issuer).pathname}`, `${base()}/authorize/choose`, id, accounts));
  }

  async function choose(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = await readForm(request);
    const params = pending.get(form.get("request") ?? "");
    if (!params) return sendHtml(response, 400, "<h1>Expired</h1>");
    pending.delete(form.get("request")!);
    const back = new URL(params.get("redirect_uri")!);
    const account = options.accounts[form.get("account") ?? ""];
    if (form.has("cancel") || !account) {
      back.searchParams.set("error", "access_denied");
    } else if (nextError) {
      back.searchParams.set("error", nextError);
      nextError = undefined;
    } else {
      const code = opaque("");
      codes.set(code, { grant: { account, refreshToken: null }, params, used: false });
      back.searchParams.set("code", code);
    }
    back.searchParams.set("state", params.get("state") ?? "");
    // RFC 9207: the issuer comes back with the code, so a client can tell providers apart.
    back.searchParams.set("iss", issuer);
    redirect(response, back.toString());
  }

  async function tokens(grant: Grant, nonce: string | null, scope: string): Promise<Record<string, unknown>> {
    const accessToken = opaque("at-");
    accessTokens.set(accessToken, grant);
    if (scope.split(" ").includes("offline_access") && !grant.refreshToken) {
      grant.refreshToken = opaque("rt-");
      refreshTokens.set(grant.refreshToken, grant);
    }
    const { sub, name, email, email_verified } = grant.account;
    return {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: options.accessTokenTtlSeconds ?? 300,
      ...(grant.refreshToken ? { refresh_token: grant.refreshToken } : {}),
      id_token: await key.sign({ iss: issuer, aud: options.clientId, sub, name, email, email_verified, ...(nonce ? { nonce } : {}) }),
    };
  }

  async function token(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = await readForm(request);
    const client = clientCredentials(request, form);
    if (client.id !== options.clientId || client.secret !== options.clientSecret)
      return sendJson(response, 401, { error: "invalid_client" });
    if (form.get("grant_type") === "refresh_token") {
      count("refresh_token");
      const grant = refreshTokens.get(form.get("refresh_token") ?? "");
      return grant ? sendJson(response, 200, await tokens(grant, null, "")) : sendJson(response, 400, { error: "invalid_grant" });
    }
    count("authorization_code");
    const code = codes.get(form.get("code") ?? "");
    if (!code || code.used || form.get("redirect_uri") !== code.params.get("redirect_uri"))
      return sendJson(response, 400, { error: "invalid_grant" });
    code.used = true;
    if (!pkceMatches(code.params.get("code_challenge"), code.params.get("code_challenge_method"), form.get("code_verifier"))) {
      return sendJson(response, 400, { error: "invalid_grant", error_description: "PKCE verification failed" });
    }
    sendJson(response, 200, await tokens(code.grant, code.params.get("nonce"), code.params.get("scope") ?? ""));
  }

  function userinfo(request: IncomingMessage, response: ServerResponse): void {
    count("userinfo");
    const grant = accessTokens.get(bearer(request) ?? "");
    if (!grant) return sendJson(response, 401, { error: "invalid_token" }, { "www-authenticate": 'Bearer error="invalid_token"' });
    const { sub, name, email, email_verified } = grant.account;
    sendJson(response, 200, { sub, name, email, email_verified });
  }

  const server = await listen(async (request, response, url) => {
    const path = url.pathname.slice(base().length);
    switch (`${request.method} ${url.pathname.startsWith(base()) ? path : ""}`) {
      case "GET /.well-known/openid-configuration":
        return sendJson(response, 200, {
          issuer,
          authorization_endpoint: endpoint("/authorize"),
          token_endpoint: endpoint("/token"),
          userinfo_endpoint: endpoint("/userinfo"),
          jwks_uri: endpoint("/jwks"),
          end_session_endpoint: endpoint("/logout"),
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
          code_challenge_methods_supported: ["S256"],
          authorization_response_iss_parameter_supported: true,
        });
      case "GET /authorize":
        return authorize(response, url.searchParams);
      case "POST /authorize/choose":
        return choose(request, response);
      case "POST /token":
        return token(request, response);
      case "GET /userinfo":
        return userinfo(request, response);
      case "GET /jwks":
        return sendJson(response, 200, key.jwks());
      case "GET /logout":
        lastLogout = url.searchParams;
        return redirect(response, url.searchParams.get("post_logout_redirect_uri") ?? issuer);
      default:
        return sendJson(response, 404, { error: "not_found" });
    }
  });
  issuer = `${server.base}${options.issuerPath}`;

  return {
    ...server,
    issuer,
    lastAuthorization: () => lastAuthorization,
    lastLogout: () => lastLogout,
    failNextAuthorization: (code) => void (nextError = code),
    stats,
  };
}
