import "server-only";

import { decodeJwt } from "jose";

import type { FixedEndpoints } from "@/lib/providers/definition";
import { discover, expectedTokenIssuer, type ProviderMetadata } from "@/lib/providers/discovery";
import { AccessTokenRejectedError, InvalidGrantError, isProviderUnavailable, ProviderUnavailableError } from "@/lib/providers/errors";
import type { StoredProfile } from "@/lib/providers/profile";
import { expiresAtFrom } from "@/lib/providers/tokens/expiry";

/**
 * The server's own calls to a provider with a person's tokens, outside any sign-in: refreshing
 * (RFC 6749 §6), revoking (RFC 7009), reading userinfo (OIDC Core §5.3) and building the
 * RP-initiated logout URL (OIDC RP-Initiated Logout 1.0).
 *
 * Endpoints come from discovery for OIDC issuers (cached) or are fixed by the provider's definition
 * (lib/providers/definitions/). The client authenticates the way Auth.js does at sign-in:
 * client_secret_basic, or client_secret_post where the provider wants it (Apple).
 * `fetch` is passed in; the app passes fetchWithTimeout, so a provider that hangs costs 5 s, not a
 * stuck request.
 */

export interface ProviderClientConfig {
  id: string;
  name: string;
  clientId: string;
  clientSecret: string;
  /** Endpoints fixed by the provider's definition (Google, GitHub); without them, discovery from `issuer`. */
  endpoints?: ProviderEndpoints;
  /** OpenID issuer as configured (lib/providers/discovery.ts). */
  issuer?: string;
  /** Refuse endpoints over plain http off loopback (production). */
  requireHttps?: boolean;
  /** A userinfo request of the provider's own (GitHub's address comes from its emails API). */
  userinfo?(accessToken: string, fetchImpl: typeof fetch): Promise<Record<string, unknown>>;
  /** A client secret made when needed (Apple's signed JWT), instead of `clientSecret`. */
  freshClientSecret?(): Promise<string>;
  /** The credentials in the body instead of HTTP Basic (Apple). */
  tokenEndpointAuth?: "client_secret_post";
  /** Ends the grant the provider's own way instead of RFC 7009 (GitHub, with the access token). */
  revokeGrant?(accessToken: string, fetchImpl: typeof fetch): Promise<void>;
  /** The provider's claims about a person, as stored (its definition's mapping, lib/providers/profile.ts). */
  profile(claims: Record<string, unknown>): StoredProfile;
}

/** Where the server reaches a provider (its definition's, or its discovery document's). */
export type ProviderEndpoints = FixedEndpoints;

export interface RefreshedTokens {
  accessToken: string;
  /** Absent when the provider does not rotate (Google): keep using the old one. */
  refreshToken: string | null;
  idToken: string | null;
  expiresAt: number | null;
  tokenType: string | null;
  scope: string | null;
}

export interface ProviderClient {
  readonly config: ProviderClientConfig;
  endpoints(): Promise<ProviderEndpoints>;
  /** Spends `refreshToken`. `subject` is the account's providerAccountId (checked against a new ID token). */
  refresh(refreshToken: string, subject: string): Promise<RefreshedTokens>;
  /**
   * Ends the grant: the provider's own way, else RFC 7009 on the refresh token (the access token
   * without one). Says what was revoked, null when the provider offers no way; throws
   * ProviderUnavailableError when it fails.
   */
  revoke(tokens: { accessToken: string | null; refreshToken: string | null }): Promise<"grant" | "refresh_token" | "access_token" | null>;
  /** The provider's claims about the person; throws AccessTokenRejectedError on 401. */
  userinfo(accessToken: string): Promise<Record<string, unknown>>;
  /** Null when the provider offers no end-session endpoint. */
  endSessionUrl(options: { idTokenHint: string | null; postLogoutRedirectUri: string }): Promise<string | null>;
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding (as oauth4webapi does). */
function formUrlEncode(value: string): string {
  return encodeURIComponent(value).replace(/(?:[-_.!~*'()]|%20)/g, (c) =>
    c === "%20" ? "+" : `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function clientSecretBasic(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`).toString("base64")}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

export function createProviderClient(config: ProviderClientConfig, fetchImpl: typeof fetch): ProviderClient {
  const provider = config.id;

  /** Network failures and timeouts are the provider being unavailable, never a reason to give up the grant. */
  async function send(url: string, init: RequestInit, what: string): Promise<Response> {
    try {
      return await fetchImpl(url, { ...init, redirect: "manual", cache: "no-store" });
    } catch (error) {
      const name = (error as Error)?.name;
      const detail = name === "TimeoutError" || name === "AbortError" ? "timed out" : "unreachable";
      throw new ProviderUnavailableError(provider, `${what}: ${detail}`, { cause: error });
    }
  }

  async function readJson(response: Response, what: string): Promise<Record<string, unknown>> {
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw new ProviderUnavailableError(provider, `${what}: HTTP ${response.status}, not JSON`, { cause: error });
    }
    if (!isRecord(body)) throw new ProviderUnavailableError(provider, `${what}: HTTP ${response.status}, not a JSON object`);
    return body;
  }

  async function discovered(): Promise<ProviderEndpoints> {
    const issuer = config.issuer;
    if (!issuer) throw new ProviderUnavailableError(provider, "no issuer configured");
    let doc: ProviderMetadata;
    try {
      // Cached per process and shared with sign-in (lib/providers/discovery.ts); the issuer is checked there.
      doc = await discover(issuer, { fetch: fetchImpl, requireHttps: config.requireHttps });
    } catch (error) {
      if (isProviderUnavailable(error))
        throw new ProviderUnavailableError(provider, error.message.replace(/^[^:]*: /, ""), { cause: error });
      throw new ProviderUnavailableError(provider, (error as Error)?.message ?? "discovery failed", { cause: error });
    }
    if (!doc.token_endpoint) throw new ProviderUnavailableError(provider, "discovery: no token_endpoint");
    return {
      issuer: doc.issuer,
      token: doc.token_endpoint,
      userinfo: doc.userinfo_endpoint,
      revocation: doc.revocation_endpoint,
      endSession: doc.end_session_endpoint,
      jwks: doc.jwks_uri,
    };
  }

  function endpoints(): Promise<ProviderEndpoints> {
    return config.endpoints ? Promise.resolve(config.endpoints) : discovered();
  }

  async function clientPost(url: string, form: Record<string, string>, what: string): Promise<Response> {
    const secret = config.freshClientSecret ? await config.freshClientSecret() : config.clientSecret;
    const inBody = config.tokenEndpointAuth === "client_secret_post";
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    if (!inBody) headers.authorization = clientSecretBasic(config.clientId, secret);
    const body = new URLSearchParams(inBody ? { ...form, client_id: config.clientId, client_secret: secret } : form);
    return send(url, { method: "POST", headers, body: body.toString() }, what);
  }

  return {
    config,
    endpoints,

    async refresh(refreshToken, subject) {
      const { token, issuer } = await endpoints();
      const response = await clientPost(token, { grant_type: "refresh_token", refresh_token: refreshToken }, "token refresh");
      if (response.status >= 500 || response.status === 429) {
        throw new ProviderUnavailableError(provider, `token refresh: HTTP ${response.status}`);
      }
      const body = await readJson(response, "token refresh");
      // GitHub answers errors with 200 and names a spent refresh token `bad_refresh_token`.
      const error = typeof body.error === "string" ? body.error : undefined;
      if (error === "invalid_grant" || error === "bad_refresh_token") throw new InvalidGrantError(provider);
      if (error || !response.ok) {
        throw new ProviderUnavailableError(provider, `token refresh: HTTP ${response.status}${error ? ` ${error}` : ""}`);
      }
      const accessToken = optionalString(body.access_token);
      if (!accessToken) throw new ProviderUnavailableError(provider, "token refresh: no access_token");
      const idToken = optionalString(body.id_token);
      if (idToken) {
        // OIDC Core §12.2: a refreshed ID token must come from the same issuer, exactly as published,
        // and be about the same person. We only keep it as the logout hint, which the provider
        // verifies, so decoding (not verifying) is enough here.
        let claims: { sub?: unknown; iss?: unknown; tid?: unknown } = {};
        try {
          claims = decodeJwt(idToken);
        } catch {
          // an unreadable token matches nobody
        }
        if (claims.sub !== subject) throw new ProviderUnavailableError(provider, "token refresh: ID token is about someone else");
        const expectedIssuer = issuer === undefined ? undefined : expectedTokenIssuer(issuer, claims);
        if (issuer !== undefined && (expectedIssuer === undefined || claims.iss !== expectedIssuer))
          throw new ProviderUnavailableError(provider, "token refresh: ID token from another issuer");
      }
      return {
        accessToken,
        refreshToken: optionalString(body.refresh_token),
        idToken,
        expiresAt: expiresAtFrom(body.expires_in, Date.now()),
        tokenType: optionalString(body.token_type),
        scope: optionalString(body.scope),
      };
    },

    async revoke({ accessToken, refreshToken }) {
      if (config.revokeGrant) {
        if (!accessToken) return null;
        await config.revokeGrant(accessToken, fetchImpl);
        return "grant";
      }
      const { revocation } = await endpoints();
      const [value, hint] = refreshToken ? [refreshToken, "refresh_token" as const] : [accessToken, "access_token" as const];
      if (!revocation || !value) return null;
      const response = await clientPost(revocation, { token: value, token_type_hint: hint }, "revocation");
      // RFC 7009 §2.2: 200 also for a token the provider no longer knows; anything else is a failure.
      if (response.status !== 200) throw new ProviderUnavailableError(provider, `revocation: HTTP ${response.status}`);
      await response.body?.cancel();
      return hint;
    },

    async userinfo(accessToken) {
      if (config.userinfo) return config.userinfo(accessToken, fetchImpl);
      const { userinfo } = await endpoints();
      if (!userinfo) throw new ProviderUnavailableError(provider, "no userinfo endpoint");
      const headers: Record<string, string> = { authorization: `Bearer ${accessToken}`, accept: "application/json" };
      const response = await send(userinfo, { headers }, "userinfo");
      // RFC 6750 §3.1: 401 is invalid_token (worth one refresh); 403 is a scope problem or, at
      // GitHub, a rate limit, which a new token would not fix.
      if (response.status === 401) {
        await response.body?.cancel();
        throw new AccessTokenRejectedError(provider);
      }
      if (!response.ok) throw new ProviderUnavailableError(provider, `userinfo: HTTP ${response.status}`);
      return readJson(response, "userinfo");
    },

    async endSessionUrl({ idTokenHint, postLogoutRedirectUri }) {
      const { endSession } = await endpoints();
      if (!endSession) return null;
      const url = new URL(endSession);
      if (idTokenHint) url.searchParams.set("id_token_hint", idTokenHint);
      url.searchParams.set("post_logout_redirect_uri", postLogoutRedirectUri);
      // RP-Initiated Logout §2: client_id lets the provider check the redirect URI without a hint.
      url.searchParams.set("client_id", config.clientId);
      return url.href;
    },
  };
}
