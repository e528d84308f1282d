/**
 * An emulator of GitHub's OAuth app endpoints and the REST calls the app makes, as GitHub documents
 * them, for the app's e2e tests (requests to github.com and api.github.com are redirected here:
 * network-redirect.mjs for the server, Playwright routes for the browser).
 *
 * Quirks it reproduces, each from GitHub's documentation:
 * - Plain OAuth 2.0: no ID token, no discovery; the token endpoint answers form-encoded unless the
 *   request accepts JSON, and reports errors (`bad_verification_code`, `incorrect_client_credentials`,
 *   `bad_refresh_token`) with status 200 and an `error` field.
 *   https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 *   https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors
 * - Tokens that never expire (`gho_…`), or, with expiring user tokens enabled, that expire after
 *   8 hours with a single-use refresh token (`ghr_…`) that a refresh replaces.
 *   https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
 * - Cancel comes back as `error=access_denied` with a description and an error_uri.
 *   https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-authorization-request-errors
 * - `/user` has only the public address; `/user/emails` lists every address with `verified`.
 *   https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user
 * - Organisation membership at `/user/memberships/orgs/{org}`, only with the `read:org` scope.
 *   https://docs.github.com/en/rest/orgs/members#get-an-organization-membership-for-the-authenticated-user
 * - Revocation is `DELETE /applications/{client_id}/grant` with HTTP Basic client credentials and
 *   the access token in a JSON body; it ends every token of the grant.
 *   https://docs.github.com/en/rest/apps/oauth-applications#delete-an-app-authorization
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import {
  accountChooser,
  bearer,
  clientCredentials,
  listen,
  opaque,
  pkceMatches,
  readBody,
  redirect,
  sendHtml,
  sendJson,
  type EmulatorServer,
} from "./server";

export const GITHUB_HOSTS = ["github.com", "api.github.com"];

export interface GitHubAccount {
  id: number;
  login: string;
  name: string | null;
  /** The public profile address (may be unverified, or null). */
  publicEmail: string | null;
  emails: { email: string; primary: boolean; verified: boolean; visibility: "public" | "private" | null }[];
  orgs: string[];
}

export const GITHUB_ACCOUNTS: Record<"octocat" | "hubot" | "monalisa" | "mojombo", GitHubAccount> = {
  octocat: {
    id: 583231,
    login: "octocat",
    name: "The Octocat",
    publicEmail: null,
    emails: [
      { email: "octocat@github.example", primary: true, verified: true, visibility: "private" },
      { email: "old-octocat@github.example", primary: false, verified: false, visibility: null },
    ],
    orgs: [],
  },
  /** Only an unverified address, shown publicly on the profile. */
  hubot: {
    id: 1104512,
    login: "hubot",
    name: null,
    publicEmail: "hubot@github.example",
    emails: [{ email: "hubot@github.example", primary: true, verified: false, visibility: "public" }],
    orgs: [],
  },
  monalisa: {
    id: 2952190,
    login: "monalisa",
    name: "Mona Lisa Octocat",
    publicEmail: null,
    emails: [{ email: "mona@acme.example", primary: true, verified: true, visibility: "private" }],
    orgs: ["acme-corp"],
  },
  mojombo: {
    id: 1,
    login: "mojombo",
    name: "Tom Preston-Werner",
    publicEmail: "tom@mojombo.example",
    emails: [{ email: "tom@mojombo.example", primary: true, verified: true, visibility: "public" }],
    orgs: [],
  },
};

export interface GitHubEmulatorOptions {
  clientId: string;
  clientSecret: string;
  /** The OAuth app's callback URL. */
  callbackUrl: string;
}

export interface GitHubEmulator extends EmulatorServer {
  hosts: string[];
  lastAuthorization(): URLSearchParams | undefined;
  /** What the token endpoint was last sent, and the Accept header it was sent with. */
  lastTokenRequest(): { form: URLSearchParams; accept: string | undefined } | undefined;
  /** authorization_code, refresh_token, user, emails, membership, grant_deleted */
  stats: Record<string, number>;
  resetStats(): void;
  /** GitHub's "expire user authorization tokens" setting, with the lifetime of the tokens it then issues. */
  setExpiringTokens(expiresInSeconds: number | null): void;
  /** The next code exchange answers 200 with `error=<error>`, as GitHub does for a spent code. */
  failNextTokenExchange(error: string): void;
}

interface Grant {
  account: GitHubAccount;
  scopes: string[];
  accessTokens: Set<string>;
  refreshToken: string | null;
  deleted: boolean;
}

export async function startGitHubEmulator(options: GitHubEmulatorOptions): Promise<GitHubEmulator> {
  const pending = new Map<string, URLSearchParams>();
  const codes = new Map<string, { grant: Grant; params: URLSearchParams; used: boolean }>();
  const accessTokens = new Map<string, { grant: Grant; expiresAt: number | null }>();
  const refreshTokens = new Map<string, Grant>();
  const stats: Record<string, number> = {};
  const count = (what: string) => (stats[what] = (stats[what] ?? 0) + 1);
  let expiresIn: number | null = null;
  let lastAuthorization: URLSearchParams | undefined;
  let lastTokenRequest: { form: URLSearchParams; accept: string | undefined } | undefined;
  let nextTokenError: string | undefined;

  /** JSON when the client accepts it, else GitHub's default, application/x-www-form-urlencoded; 200 either way. */
  function tokenAnswer(request: IncomingMessage, response: ServerResponse, body: Record<string, string | number>): void {
    if ((request.headers.accept ?? "").includes("application/json")) return sendJson(response, 200, body);
    response.writeHead(200, { "content-type": "application/x-www-form-urlencoded; charset=utf-8" });
    response.end(new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])).toString());
  }

  function tokenError(request: IncomingMessage, response: ServerResponse, error: string, description: string): void {
    tokenAnswer(request, response, {
      error,
      error_description: description,
      error_uri: `https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#${error.replaceAll("_", "-")}`,
    });
  }

  function issue(grant: Grant): Record<string, string | number> {
    if (expiresIn === null) {
      const token = opaque("gho_");
      grant.accessTokens.add(token);
      accessTokens.set(token, { grant, expiresAt: null });
      return { access_token: token, token_type: "bearer", scope: grant.scopes.join(",") };
    }
    const token = opaque("ghu_");
    grant.accessTokens.add(token);
    accessTokens.set(token, { grant, expiresAt: Date.now() + expiresIn * 1000 });
    if (grant.refreshToken) refreshTokens.delete(grant.refreshToken);
    grant.refreshToken = opaque("ghr_");
    refreshTokens.set(grant.refreshToken, grant);
    return {
      access_token: token,
      expires_in: expiresIn,
      refresh_token: grant.refreshToken,
      refresh_token_expires_in: 15_811_200,
      token_type: "bearer",
      scope: "",
    };
  }

  function authorize(response: ServerResponse, url: URL): void {
    const params = url.searchParams;
    lastAuthorization = params;
    if (params.get("client_id") !== options.clientId) return sendHtml(response, 404, "<h1>Not Found</h1>");
    const redirectUri = params.get("redirect_uri") ?? options.callbackUrl;
    if (redirectUri !== options.callbackUrl)
      return sendHtml(response, 400, "<h1>The redirect_uri is not associated with this application.</h1>");
    const id = opaque("");
    pending.set(id, params);
    const accounts = Object.entries(GITHUB_ACCOUNTS).map(([handle, account]) => ({ handle, label: `Authorize as ${account.login}` }));
    sendHtml(response, 200, accountChooser("Authorize the app", "/login/oauth/authorize/decide", id, accounts));
  }

  async function decide(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(request));
    const params = pending.get(form.get("request") ?? "");
    if (!params) return sendHtml(response, 400, "<h1>This request has expired</h1>");
    pending.delete(form.get("request")!);
    const back = new URL(params.get("redirect_uri") ?? options.callbackUrl);
    if (form.has("cancel")) {
      back.searchParams.set("error", "access_denied");
      back.searchParams.set("error_description", "The user has denied your application access.");
      back.searchParams.set(
        "error_uri",
        "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied",
      );
    } else {
      const account: GitHubAccount | undefined = GITHUB_ACCOUNTS[form.get("account") as keyof typeof GITHUB_ACCOUNTS];
      if (!account) return sendHtml(response, 400, "<h1>Unknown account</h1>");
      const scopes = (params.get("scope") ?? "").split(/[ ,]+/).filter(Boolean);
      const code = opaque("").slice(0, 20);
      codes.set(code, { grant: { account, scopes, accessTokens: new Set(), refreshToken: null, deleted: false }, params, used: false });
      back.searchParams.set("code", code);
    }
    const state = params.get("state");
    if (state !== null) back.searchParams.set("state", state);
    redirect(response, back.toString());
  }

  async function token(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(request));
    lastTokenRequest = { form, accept: request.headers.accept };
    const client = clientCredentials(request, form);
    if (client.id !== options.clientId || client.secret !== options.clientSecret) {
      return tokenError(request, response, "incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
    }
    if (form.get("grant_type") === "refresh_token") {
      count("refresh_token");
      const grant = refreshTokens.get(form.get("refresh_token") ?? "");
      if (!grant || grant.deleted)
        return tokenError(request, response, "bad_refresh_token", "The refresh token passed is incorrect or expired.");
      return tokenAnswer(request, response, issue(grant));
    }
    count("authorization_code");
    const code = codes.get(form.get("code") ?? "");
    const failure = nextTokenError;
    nextTokenError = undefined;
    if (failure || !code || code.used) {
      return tokenError(request, response, failure ?? "bad_verification_code", "The code passed is incorrect or expired.");
    }
    code.used = true;
    if (form.has("redirect_uri") && form.get("redirect_uri") !== (code.params.get("redirect_uri") ?? options.callbackUrl)) {
      return tokenError(
        request,
        response,
        "redirect_uri_mismatch",
        "The redirect_uri MUST match the registered callback URL for this application.",
      );
    }
    if (!pkceMatches(code.params.get("code_challenge"), code.params.get("code_challenge_method"), form.get("code_verifier"))) {
      return tokenError(request, response, "bad_verification_code", "The code passed is incorrect or expired.");
    }
    tokenAnswer(request, response, issue(code.grant));
  }

  /** GitHub's REST API takes `Bearer` or `token` (its older scheme). */
  function authenticated(request: IncomingMessage, response: ServerResponse): Grant | null {
    const header = request.headers.authorization ?? "";
    const value = bearer(request) ?? (header.startsWith("token ") ? header.slice(6) : "");
    const held = accessTokens.get(value);
    if (!held || held.grant.deleted || (held.expiresAt !== null && held.expiresAt < Date.now())) {
      sendJson(response, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
      return null;
    }
    return held.grant;
  }

  function user(grant: Grant) {
    const { id, login, name, publicEmail } = grant.account;
    return {
      login,
      id,
      node_id: `MDQ6VXNlcj${id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      html_url: `https://github.com/${login}`,
      type: "User",
      name,
      email: publicEmail,
      created_at: "2011-01-25T18:44:36Z",
    };
  }

  function api(request: IncomingMessage, response: ServerResponse, path: string): void {
    const grant = authenticated(request, response);
    if (!grant) return;
    if (path === "/user") {
      count("user");
      return sendJson(response, 200, user(grant));
    }
    if (path === "/user/emails") {
      count("emails");
      if (!grant.scopes.includes("user:email") && !grant.scopes.includes("user")) return sendJson(response, 404, { message: "Not Found" });
      return sendJson(response, 200, grant.account.emails);
    }
    const membership = /^\/user\/memberships\/orgs\/([^/]+)$/.exec(path);
    if (membership) {
      count("membership");
      if (!grant.scopes.includes("read:org")) return sendJson(response, 403, { message: "Resource not accessible by integration" });
      const org = decodeURIComponent(membership[1]!).toLowerCase();
      if (!grant.account.orgs.includes(org)) return sendJson(response, 404, { message: "Not Found" });
      return sendJson(response, 200, { state: "active", role: "member", organization: { login: org }, user: user(grant) });
    }
    sendJson(response, 404, { message: "Not Found" });
  }

  async function deleteGrant(request: IncomingMessage, response: ServerResponse, clientId: string): Promise<void> {
    const credentials = clientCredentials(request, new URLSearchParams());
    if (clientId !== options.clientId || credentials.id !== options.clientId || credentials.secret !== options.clientSecret) {
      return sendJson(response, 404, { message: "Not Found" });
    }
    let body: { access_token?: unknown };
    try {
      body = JSON.parse(await readBody(request)) as { access_token?: unknown };
    } catch {
      return sendJson(response, 400, { message: "Problems parsing JSON" });
    }
    if (typeof body.access_token !== "string") return sendJson(response, 422, { message: "Validation Failed" });
    const held = accessTokens.get(body.access_token);
    if (!held || held.grant.deleted) return sendJson(response, 404, { message: "Not Found" });
    held.grant.deleted = true;
    count("grant_deleted");
    response.writeHead(204);
    response.end();
  }

  const server = await listen(async (request, response, url) => {
    const route = `${request.method} ${url.host}${url.pathname}`;
    if (route === "GET github.com/login/oauth/authorize") return authorize(response, url);
    if (route === "POST github.com/login/oauth/authorize/decide") return decide(request, response);
    if (route === "POST github.com/login/oauth/access_token") return token(request, response);
    const grant = /^DELETE api\.github\.com\/applications\/([^/]+)\/grant$/.exec(route);
    if (grant) return deleteGrant(request, response, decodeURIComponent(grant[1]!));
    if (request.method === "GET" && url.host === "api.github.com") return api(request, response, url.pathname);
    sendJson(response, 404, { message: "Not Found" });
  });

  return {
    ...server,
    hosts: GITHUB_HOSTS,
    lastAuthorization: () => lastAuthorization,
    lastTokenRequest: () => lastTokenRequest,
    stats,
    resetStats: () => {
      for (const name of Object.keys(stats)) delete stats[name];
    },
    setExpiringTokens: (seconds) => void (expiresIn = seconds),
    failNextTokenExchange: (error) => void (nextTokenError = error),
  };
}
