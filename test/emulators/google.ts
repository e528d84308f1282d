/**
 * An emulator of Google's OpenID Connect endpoints as Google documents them, for the app's e2e
 * tests: the app runs unchanged, its requests to Google's hosts are redirected here
 * (network-redirect.mjs; in the browser, Playwright routes), so it builds and checks the real URLs.
 *
 * Quirks it reproduces, each from Google's documentation:
 * - A refresh token only with `access_type=offline`, and after the first consent only when
 *   `prompt=consent` asks for consent again; a refresh never returns a new one.
 *   https://developers.google.com/identity/protocols/oauth2/web-server#offline
 * - `email_verified` a JSON boolean; `hd` only for Google Workspace accounts, absent for consumer ones.
 *   https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload
 * - Signing keys that rotate (a new `kid`, the old key withdrawn).
 *   https://developers.google.com/identity/openid-connect/openid-connect#validatinganidtoken
 * - Extra parameters on the redirect back (`scope`, `authuser`, `prompt`, `hd`).
 * - Errors redirected back as `error=access_denied` (the person said no) or
 *   `error=admin_policy_enforced` (their Workspace administrator did); a redirect URI that is not
 *   registered gets an error page, never a redirect.
 *   https://developers.google.com/identity/protocols/oauth2/web-server#authorization-errors
 * - Revocation by `POST https://oauth2.googleapis.com/revoke` with `token=`; revoking either token
 *   ends the grant. https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import {
  bearer,
  accountChooser,
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

const ISSUER = "https://accounts.google.com";
export const GOOGLE_HOSTS = ["accounts.google.com", "oauth2.googleapis.com", "openidconnect.googleapis.com", "www.googleapis.com"];

export interface GoogleAccount {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string;
  given_name: string;
  family_name: string;
  picture: string;
  /** Google Workspace accounts only. */
  hd?: string;
}

export const GOOGLE_ACCOUNTS: Record<"ada" | "grace" | "mallory", GoogleAccount> = {
  /** A consumer account: no hd. */
  ada: {
    sub: "108204268033311374519",
    email: "ada.lovelace@gmail.com",
    email_verified: true,
    name: "Ada Lovelace",
    given_name: "Ada",
    family_name: "Lovelace",
    picture: "https://lh3.googleusercontent.com/a/ada=s96-c",
  },
  /** A Workspace account of example.com. */
  grace: {
    sub: "117391028475619283746",
    email: "grace@example.com",
    email_verified: true,
    name: "Grace Hopper",
    given_name: "Grace",
    family_name: "Hopper",
    picture: "https://lh3.googleusercontent.com/a/grace=s96-c",
    hd: "example.com",
  },
  /** A Workspace account of another organisation. */
  mallory: {
    sub: "104857361920475816253",
    email: "mallory@other.example",
    email_verified: true,
    name: "Mallory Other",
    given_name: "Mallory",
    family_name: "Other",
    picture: "https://lh3.googleusercontent.com/a/mallory=s96-c",
    hd: "other.example",
  },
};

export interface GoogleEmulatorOptions {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Google's access tokens live an hour; tests shorten it to see refreshes. */
  accessTokenTtlSeconds?: number;
}

export interface GoogleEmulator extends EmulatorServer {
  /** The hosts to send here (network-redirect.mjs, Playwright routes). */
  hosts: string[];
  /** The query of the last authorization request. */
  lastAuthorization(): URLSearchParams | undefined;
  /** Counts by what was asked: authorization_code, refresh_token, revoke, userinfo, jwks. */
  stats: Record<string, number>;
  resetStats(): void;
  /** The next authorization ends with `error=<error>` (e.g. admin_policy_enforced), as the person chose. */
  failNextAuthorization(error: string): void;
  rotateKey(): Promise<void>;
}

interface PendingAuthorization {
  params: URLSearchParams;
}

interface Grant {
  account: GoogleAccount;
  scope: string;
  refreshToken: string | undefined;
  revoked: boolean;
}

interface Code {
  grant: Grant;
  params: URLSearchParams;
  used: boolean;
  issuedAt: number;
}

export async function startGoogleEmulator(options: GoogleEmulatorOptions): Promise<GoogleEmulator> {
  const ttl = options.accessTokenTtlSeconds ?? 3599;
  const key = await SigningKey.create();
  const pending = new Map<string, PendingAuthorization>();
  const codes = new Map<string, Code>();
  const accessTokens = new Map<string, { grant: Grant; expiresAt: number }>();
  const refreshTokens = new Map<string, Grant>();
  /** Subjects that consented before: Google then issues no new refresh token unless prompt=consent. */
  const consented = new Set<string>();
  const stats: Record<string, number> = {};
  const count = (what: string) => (stats[what] = (stats[what] ?? 0) + 1);
  let lastAuthorization: URLSearchParams | undefined;
  let nextError: string | undefined;

  const discovery = {
    issuer: ISSUER,
    authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth",
    device_authorization_endpoint: "https://oauth2.googleapis.com/device/code",
    token_endpoint: "https://oauth2.googleapis.com/token",
    userinfo_endpoint: "https://openidconnect.googleapis.com/v1/userinfo",
    revocation_endpoint: "https://oauth2.googleapis.com/revoke",
    jwks_uri: "https://www.googleapis.com/oauth2/v3/certs",
    response_types_supported: ["code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token", "none"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    scopes_supported: ["openid", "email", "profile"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
    claims_supported: ["aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name", "picture", "sub"],
    code_challenge_methods_supported: ["plain", "S256"],
    grant_types_supported: [
      "authorization_code",
      "refresh_token",
      "urn:ietf:params:oauth:grant-type:device_code",
      "urn:ietf:params:oauth:grant-type:jwt-bearer",
    ],
  };

  function userinfo(account: GoogleAccount): Record<string, unknown> {
    const { sub, name, given_name, family_name, picture, email, email_verified, hd } = account;
    return { sub, name, given_name, family_name, picture, email, email_verified, ...(hd ? { hd } : {}) };
  }

  function idToken(account: GoogleAccount, nonce: string | null): Promise<string> {
    return key.sign({ iss: ISSUER, azp: options.clientId, aud: options.clientId, ...userinfo(account), ...(nonce ? { nonce } : {}) });
  }

  function issueAccessToken(grant: Grant): string {
    const token = opaque("ya29.");
    accessTokens.set(token, { grant, expiresAt: Date.now() + ttl * 1000 });
    return token;
  }

  function authorize(response: ServerResponse, url: URL): void {
    const params = url.searchParams;
    lastAuthorization = params;
    const redirectUri = params.get("redirect_uri") ?? "";
    if (params.get("client_id") !== options.clientId)
      return sendHtml(response, 401, "<h1>Error 401: invalid_client</h1><p>The OAuth client was not found.</p>");
    if (!options.redirectUris.includes(redirectUri)) return sendHtml(response, 400, "<h1>Error 400: redirect_uri_mismatch</h1>");
    if (params.get("response_type") !== "code" || !params.get("scope")?.split(" ").includes("openid")) {
      return sendHtml(response, 400, "<h1>Error 400: invalid_request</h1>");
    }
    const id = opaque("");
    pending.set(id, { params });
    const accounts = Object.entries(GOOGLE_ACCOUNTS).map(([handle, account]) => ({ handle, label: `${account.name} ${account.email}` }));
    sendHtml(response, 200, accountChooser("Choose an account", "/o/oauth2/v2/auth/choose", id, accounts));
  }

  async function choose(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = await readForm(request);
    const authorization = pending.get(form.get("request") ?? "");
    if (!authorization) return sendHtml(response, 400, "<h1>Error 400: this request has expired</h1>");
    pending.delete(form.get("request")!);
    const { params } = authorization;
    const back = new URL(params.get("redirect_uri")!);
    const state = params.get("state");
    if (state !== null) back.searchParams.set("state", state);
    const error = form.has("cancel") ? "access_denied" : nextError;
    nextError = undefined;
    if (error) {
      back.searchParams.set("error", error);
      return redirect(response, back.toString());
    }
    const account: GoogleAccount | undefined = GOOGLE_ACCOUNTS[form.get("account") as keyof typeof GOOGLE_ACCOUNTS];
    if (!account) return sendHtml(response, 400, "<h1>Unknown account</h1>");
    const offline = params.get("access_type") === "offline";
    const askedConsent = (params.get("prompt") ?? "").split(" ").includes("consent");
    const firstConsent = !consented.has(account.sub);
    consented.add(account.sub);
    const grant: Grant = {
      account,
      scope: ["openid", "https://www.googleapis.com/auth/userinfo.email", "https://www.googleapis.com/auth/userinfo.profile"].join(" "),
      refreshToken: offline && (firstConsent || askedConsent) ? opaque("1//") : undefined,
      revoked: false,
    };
    const code = opaque("4/0A");
    codes.set(code, { grant, params, used: false, issuedAt: Date.now() });
    back.searchParams.set("code", code);
    back.searchParams.set("scope", grant.scope);
    back.searchParams.set("authuser", "0");
    if (account.hd) back.searchParams.set("hd", account.hd);
    back.searchParams.set("prompt", askedConsent ? "consent" : "none");
    redirect(response, back.toString());
  }

  async function token(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = await readForm(request);
    const client = clientCredentials(request, form);
    if (client.id !== options.clientId || client.secret !== options.clientSecret) {
      return sendJson(response, 401, { error: "invalid_client", error_description: "Unauthorized" });
    }
    const grantType = form.get("grant_type");
    if (grantType === "authorization_code") {
      count("authorization_code");
      const code = codes.get(form.get("code") ?? "");
      // Codes are single-use and short-lived; a second use is invalid_grant (RFC 6749 §4.1.2).
      if (!code || code.used || Date.now() - code.issuedAt > 60_000 || code.grant.revoked) {
        if (code) code.grant.revoked = true;
        return sendJson(response, 400, { error: "invalid_grant", error_description: "Bad Request" });
      }
      code.used = true;
      if (form.get("redirect_uri") !== code.params.get("redirect_uri")) {
        return sendJson(response, 400, { error: "redirect_uri_mismatch", error_description: "Bad Request" });
      }
      if (!pkceMatches(code.params.get("code_challenge"), code.params.get("code_challenge_method"), form.get("code_verifier"))) {
        return sendJson(response, 400, { error: "invalid_grant", error_description: "Missing code verifier." });
      }
      const accessToken = issueAccessToken(code.grant);
      if (code.grant.refreshToken) refreshTokens.set(code.grant.refreshToken, code.grant);
      return sendJson(response, 200, {
        access_token: accessToken,
        expires_in: ttl,
        ...(code.grant.refreshToken ? { refresh_token: code.grant.refreshToken } : {}),
        scope: code.grant.scope,
        token_type: "Bearer",
        id_token: await idToken(code.grant.account, code.params.get("nonce")),
      });
    }
    if (grantType === "refresh_token") {
      count("refresh_token");
      const grant = refreshTokens.get(form.get("refresh_token") ?? "");
      if (!grant || grant.revoked)
        return sendJson(response, 400, { error: "invalid_grant", error_description: "Token has been expired or revoked." });
      const accessToken = issueAccessToken(grant);
      // No refresh_token: Google keeps the one it issued.
      return sendJson(response, 200, {
        access_token: accessToken,
        expires_in: ttl,
        scope: grant.scope,
        token_type: "Bearer",
        id_token: await idToken(grant.account, null),
      });
    }
    sendJson(response, 400, { error: "unsupported_grant_type", error_description: `Invalid grant_type: ${grantType}` });
  }

  async function revoke(request: IncomingMessage, response: ServerResponse): Promise<void> {
    count("revoke");
    const token = (await readForm(request)).get("token") ?? "";
    const grant = refreshTokens.get(token) ?? accessTokens.get(token)?.grant;
    if (!grant || grant.revoked) return sendJson(response, 400, { error: "invalid_token", error_description: "Token expired or revoked" });
    grant.revoked = true;
    sendJson(response, 200, {});
  }

  function readUserinfo(request: IncomingMessage, response: ServerResponse): void {
    count("userinfo");
    const held = accessTokens.get(bearer(request) ?? "");
    if (!held || held.grant.revoked || held.expiresAt < Date.now()) {
      return sendJson(
        response,
        401,
        { error: "invalid_request", error_description: "Invalid Credentials" },
        { "www-authenticate": 'Bearer error="invalid_token"' },
      );
    }
    sendJson(response, 200, userinfo(held.grant.account));
  }

  const server = await listen(async (request, response, url) => {
    const route = `${request.method} ${url.host}${url.pathname}`;
    switch (route) {
      case "GET accounts.google.com/.well-known/openid-configuration":
        return sendJson(response, 200, discovery, { "cache-control": "public, max-age=3600" });
      case "GET accounts.google.com/o/oauth2/v2/auth":
        return authorize(response, url);
      case "POST accounts.google.com/o/oauth2/v2/auth/choose":
        return choose(request, response);
      case "POST oauth2.googleapis.com/token":
        return token(request, response);
      case "POST oauth2.googleapis.com/revoke":
        return revoke(request, response);
      case "GET openidconnect.googleapis.com/v1/userinfo":
        return readUserinfo(request, response);
      case "GET www.googleapis.com/oauth2/v3/certs":
        count("jwks");
        return sendJson(response, 200, key.jwks(), { "cache-control": "public, max-age=19800" });
      default:
        return sendJson(response, 404, { error: "not_found", error_description: route });
    }
  });

  return {
    ...server,
    hosts: GOOGLE_HOSTS,
    lastAuthorization: () => lastAuthorization,
    stats,
    resetStats: () => {
      for (const name of Object.keys(stats)) delete stats[name];
    },
    failNextAuthorization: (error) => void (nextError = error),
    rotateKey: () => key.rotate(),
  };
}
