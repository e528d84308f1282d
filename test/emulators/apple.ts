/**
 * An emulator of Sign in with Apple's REST API as Apple documents it, for the app's e2e tests
 * (requests to appleid.apple.com are redirected here).
 *
 * Quirks it reproduces, each from Apple's documentation:
 * - The client secret is an ES256 JWT signed with the team's key: `kid` in the header, `iss` the
 *   team id, `sub` the Services ID, `aud` https://appleid.apple.com, at most 6 months long; anything
 *   else is `invalid_client`. The credentials travel in the body.
 *   https://developer.apple.com/documentation/accountorganizationaldatasharing/creating-a-client-secret
 * - With `name` or `email` in the scope, `response_mode=form_post` is required, and the answer is an
 *   auto-submitted form POSTed to the redirect URI; the first authorization also carries the `user`
 *   field (JSON with the name), later ones do not.
 *   https://developer.apple.com/documentation/sign_in_with_apple/request_an_authorization_to_the_sign_in_with_apple_server
 * - ID tokens with `email_verified` and `is_private_email` as strings; private relay addresses.
 * - No userinfo endpoint; revocation at /auth/revoke.
 *   https://developer.apple.com/documentation/sign_in_with_apple/revoke_tokens
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { importSPKI, jwtVerify, type CryptoKey } from "jose";

import {
  accountChooser,
  escapeHtml,
  listen,
  opaque,
  pkceMatches,
  readForm,
  sendHtml,
  sendJson,
  SigningKey,
  type EmulatorServer,
} from "./server";

const ISSUER = "https://appleid.apple.com";
export const APPLE_HOSTS = ["appleid.apple.com"];
const SIX_MONTHS_SECONDS = 15_777_000;

export interface AppleAccount {
  sub: string;
  email: string;
  isPrivateEmail: boolean;
  firstName: string;
  lastName: string;
}

export const APPLE_ACCOUNTS: Record<"tim" | "jony" | "craig", AppleAccount> = {
  /** Chose "Hide My Email": a private relay address. */
  tim: {
    sub: "001234.8c1a2f3e4d5b6a7980c1d2e3f4a5b6c7.1234",
    email: "x7k2pq9m4n@privaterelay.appleid.com",
    isPrivateEmail: true,
    firstName: "Tim",
    lastName: "Apple",
  },
  jony: {
    sub: "001234.9d2b3e4f5a6c7b8091d2e3f4a5b6c7d8.5678",
    email: "jony@design.example",
    isPrivateEmail: false,
    firstName: "Jony",
    lastName: "Ive",
  },
  craig: {
    sub: "001234.ae3c4f5a6b7d8c9102e3f4a5b6c7d8e9.9012",
    email: "craig@software.example",
    isPrivateEmail: false,
    firstName: "Craig",
    lastName: "Federighi",
  },
};

export interface AppleEmulatorOptions {
  /** The Services ID. */
  clientId: string;
  teamId: string;
  keyId: string;
  /** The public half of the team's key (SPKI PEM): what Apple checks client secrets with. */
  publicKey: string;
  redirectUris: string[];
}

export interface AppleEmulator extends EmulatorServer {
  hosts: string[];
  lastAuthorization(): URLSearchParams | undefined;
  /** The claims of the last client secret the token endpoint accepted. */
  lastClientSecret(): Record<string, unknown> | undefined;
  /** The next account chosen is answered with `error=<code>` in the POSTed form instead of a code. */
  failNextAuthorization(code: string): void;
  /** authorization_code, refresh_token, revoke, invalid_client */
  stats: Record<string, number>;
}

export async function startAppleEmulator(options: AppleEmulatorOptions): Promise<AppleEmulator> {
  const key = await SigningKey.create();
  const teamKey: CryptoKey = await importSPKI(options.publicKey, "ES256");
  const pending = new Map<string, URLSearchParams>();
  const codes = new Map<string, { account: AppleAccount; params: URLSearchParams; used: boolean }>();
  const refreshTokens = new Map<string, AppleAccount>();
  /** Who has authorized the app before: Apple sends the name only the first time. */
  const authorized = new Set<string>();
  const stats: Record<string, number> = {};
  const count = (what: string) => (stats[what] = (stats[what] ?? 0) + 1);
  let lastAuthorization: URLSearchParams | undefined;
  let lastClientSecret: Record<string, unknown> | undefined;
  let nextError: string | undefined;

  async function clientAuthenticated(form: URLSearchParams): Promise<boolean> {
    if (form.get("client_id") !== options.clientId) return false;
    try {
      const { payload, protectedHeader } = await jwtVerify(form.get("client_secret") ?? "", teamKey, {
        algorithms: ["ES256"],
        issuer: options.teamId,
        subject: options.clientId,
        audience: ISSUER,
      });
      if (protectedHeader.kid !== options.keyId || typeof payload.iat !== "number" || typeof payload.exp !== "number") return false;
      if (payload.exp - payload.iat > SIX_MONTHS_SECONDS) return false;
      lastClientSecret = payload;
      return true;
    } catch {
      return false;
    }
  }

  function authorize(response: ServerResponse, params: URLSearchParams): void {
    lastAuthorization = params;
    const scopes = (params.get("scope") ?? "").split(" ");
    if (params.get("client_id") !== options.clientId || !options.redirectUris.includes(params.get("redirect_uri") ?? "")) {
      return sendHtml(response, 400, "<h1>invalid_client</h1>");
    }
    if ((scopes.includes("name") || scopes.includes("email")) && params.get("response_mode") !== "form_post") {
      return sendHtml(response, 400, "<h1>invalid_request: response_mode must be form_post when name or email scope is requested.</h1>");
    }
    const id = opaque("");
    pending.set(id, params);
    const accounts = Object.entries(APPLE_ACCOUNTS).map(([handle, account]) => ({
      handle,
      label: `Continue as ${account.firstName} ${account.lastName}`,
    }));
    sendHtml(response, 200, accountChooser("Use your Apple Account", "/auth/authorize/choose", id, accounts));
  }

  /** The answer Apple gives: a page that POSTs the result to the redirect URI at once. */
  function postBack(response: ServerResponse, redirectUri: string, fields: Record<string, string>): void {
    const inputs = Object.entries(fields)
      .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
      .join("");
    sendHtml(
      response,
      200,
      `<form id="post-back" method="post" action="${escapeHtml(redirectUri)}">${inputs}</form><script>document.getElementById("post-back").submit()</script>`,
    );
  }

  async function choose(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = await readForm(request);
    const params = pending.get(form.get("request") ?? "");
    if (!params) return sendHtml(response, 400, "<h1>Expired</h1>");
    pending.delete(form.get("request")!);
    const state = params.get("state") ?? "";
    const account: AppleAccount | undefined = APPLE_ACCOUNTS[form.get("account") as keyof typeof APPLE_ACCOUNTS];
    if (form.has("cancel") || !account)
      return postBack(response, params.get("redirect_uri")!, { error: "user_cancelled_authorize", state });
    if (nextError) {
      const error = nextError;
      nextError = undefined;
      return postBack(response, params.get("redirect_uri")!, { error, state });
    }
    const code = opaque("c");
    codes.set(code, { account, params, used: false });
    const fields: Record<string, string> = { state, code };
    if (!authorized.has(account.sub)) {
      fields.user = JSON.stringify({ name: { firstName: account.firstName, lastName: account.lastName }, email: account.email });
      authorized.add(account.sub);
    }
    postBack(response, params.get("redirect_uri")!, fields);
  }

  function idToken(account: AppleAccount, nonce: string | null): Promise<string> {
    return key.sign({
      iss: ISSUER,
      aud: options.clientId,
      sub: account.sub,
      email: account.email,
      email_verified: "true",
      is_private_email: account.isPrivateEmail ? "true" : "false",
      auth_time: Math.floor(Date.now() / 1000),
      nonce_supported: true,
      real_user_status: 2,
      ...(nonce ? { nonce } : {}),
    });
  }

  async function token(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = await readForm(request);
    if (!(await clientAuthenticated(form))) {
      count("invalid_client");
      return sendJson(response, 400, { error: "invalid_client" });
    }
    if (form.get("grant_type") === "refresh_token") {
      count("refresh_token");
      const account = refreshTokens.get(form.get("refresh_token") ?? "");
      if (!account) return sendJson(response, 400, { error: "invalid_grant" });
      return sendJson(response, 200, {
        access_token: opaque("a"),
        token_type: "Bearer",
        expires_in: 3600,
        id_token: await idToken(account, null),
      });
    }
    count("authorization_code");
    const code = codes.get(form.get("code") ?? "");
    if (!code || code.used || form.get("redirect_uri") !== code.params.get("redirect_uri"))
      return sendJson(response, 400, { error: "invalid_grant" });
    code.used = true;
    if (!pkceMatches(code.params.get("code_challenge"), code.params.get("code_challenge_method"), form.get("code_verifier"))) {
      return sendJson(response, 400, { error: "invalid_grant" });
    }
    const refreshToken = opaque("r");
    refreshTokens.set(refreshToken, code.account);
    sendJson(response, 200, {
      access_token: opaque("a"),
      token_type: "Bearer",
      expires_in: 3600,
      refresh_token: refreshToken,
      id_token: await idToken(code.account, code.params.get("nonce")),
    });
  }

  async function revoke(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = await readForm(request);
    if (!(await clientAuthenticated(form))) return sendJson(response, 400, { error: "invalid_client" });
    count("revoke");
    refreshTokens.delete(form.get("token") ?? "");
    response.writeHead(200);
    response.end();
  }

  const server = await listen(async (request, response, url) => {
    switch (`${request.method} ${url.pathname}`) {
      case "GET /.well-known/openid-configuration":
        return sendJson(response, 200, {
          issuer: ISSUER,
          authorization_endpoint: `${ISSUER}/auth/authorize`,
          token_endpoint: `${ISSUER}/auth/token`,
          revocation_endpoint: `${ISSUER}/auth/revoke`,
          jwks_uri: `${ISSUER}/auth/keys`,
          response_types_supported: ["code"],
          response_modes_supported: ["query", "fragment", "form_post"],
          subject_types_supported: ["pairwise"],
          id_token_signing_alg_values_supported: ["RS256"],
          scopes_supported: ["openid", "email", "name"],
          token_endpoint_auth_methods_supported: ["client_secret_post"],
          claims_supported: [
            "aud",
            "email",
            "email_verified",
            "exp",
            "iat",
            "is_private_email",
            "iss",
            "nonce",
            "nonce_supported",
            "real_user_status",
            "sub",
            "transfer_sub",
          ],
        });
      case "GET /auth/authorize":
        return authorize(response, url.searchParams);
      case "POST /auth/authorize/choose":
        return choose(request, response);
      case "POST /auth/token":
        return token(request, response);
      case "POST /auth/revoke":
        return revoke(request, response);
      case "GET /auth/keys":
        return sendJson(response, 200, key.jwks());
      default:
        return sendJson(response, 404, { error: "not_found" });
    }
  });

  return {
    ...server,
    hosts: APPLE_HOSTS,
    lastAuthorization: () => lastAuthorization,
    lastClientSecret: () => lastClientSecret,
    failNextAuthorization: (code) => void (nextError = code),
    stats,
  };
}
