/**
 * The oidc-provider instance behind the Dev IdP and its configuration: the registered clients,
 * PKCE, rotating refresh tokens, revocation, userinfo, RP-initiated and back-channel logout, with
 * keys and every model kept in memory. Only what the app needs of Google is switched on.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import Provider, { type Account, type ClientMetadata, type Configuration, type JWK, type KoaContextWithOIDC } from "oidc-provider";

import { deliverBackchannelLogoutToEach } from "./backchannel-logout";
import { sendHtml } from "./http";
import { logoutPages } from "./interactions";
import { memoryAdapterFactory, type MemoryStore } from "./memory-adapter";
import { CLAIMS, SCOPES } from "./scopes";
import type { DevIdpSettings } from "./settings";
import { findUserBySub, userClaims } from "./users";
import { errorPage } from "./views";

export async function createOidcProvider(issuer: string, settings: DevIdpSettings, store: MemoryStore): Promise<Provider> {
  const provider = new Provider(issuer, await oidcConfiguration(issuer, settings, store));
  if (settings.backchannelLogoutUris.length > 1) deliverBackchannelLogoutToEach(provider, settings.backchannelLogoutUris);
  provider.on("backchannel.error", (_ctx: KoaContextWithOIDC, err: Error) => {
    console.warn(`Dev IdP: back-channel logout failed: ${err.message}`);
  });
  provider.on("server_error", (_ctx: KoaContextWithOIDC, err: Error) => {
    console.error(`Dev IdP server error: ${err.message}`);
  });
  return provider;
}

async function oidcConfiguration(issuer: string, settings: DevIdpSettings, store: MemoryStore): Promise<Configuration> {
  return {
    adapter: memoryAdapterFactory(store),
    // oidc-provider refuses to connect to loopback and private addresses (SSRF protection), but
    // the apps it posts back-channel logout tokens to are on localhost. It only ever fetches the
    // configured client's URIs (no dynamic registration, no request objects), so this is safe here.
    fetch: (url, options) => globalThis.fetch(url, { ...options, dispatcher: undefined } as RequestInit),
    clients: registeredClients(settings),
    clientAuthMethods: ["client_secret_basic"],
    // Server-side client only; no browser CORS access to token/userinfo/revocation.
    clientBasedCORS: () => false,
    jwks: { keys: [await generateSigningKey()] },
    cookies: {
      keys: settings.cookieKeys,
      names: { session: "_dev_idp_session", interaction: "_dev_idp_interaction", resume: "_dev_idp_resume" },
    },
    claims: { ...CLAIMS },
    scopes: [...SCOPES],
    // Also put the scope-derived claims (email, name, picture...) into the ID token, as Google does.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    responseTypes: ["code"],
    // Refresh tokens: the default issueRefreshToken needs the refresh_token grant type and the
    // offline_access scope. oidc-provider drops offline_access unless prompt contains consent
    // (OIDC Core 11); see rewriteOfflineAccessPrompt in routes.ts.
    rotateRefreshToken: true,
    features: features(settings.backchannelLogoutUris.length > 0),
    ttl: lifetimes(settings.accessTokenTtl),
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    findAccount: (_ctx, sub): Account | undefined => {
      const user = findUserBySub(sub, settings.users);
      if (!user) return undefined;
      return { accountId: user.sub, claims: () => userClaims(issuer, user) };
    },
    renderError: (ctx, out) => {
      const message = out.error_description ? `${out.error}: ${out.error_description}` : out.error;
      sendHtml(ctx, ctx.status >= 400 ? ctx.status : 400, errorPage("Something went wrong", message));
    },
  };
}

/** The main client (the app) and any extra ones; only the main one hears of logouts. */
function registeredClients(settings: DevIdpSettings): ClientMetadata[] {
  const { backchannelLogoutUris } = settings;
  return [
    {
      client_id: settings.clientId,
      client_secret: settings.clientSecret,
      application_type: "web",
      redirect_uris: settings.redirectUris,
      post_logout_redirect_uris: settings.postLogoutRedirectUris,
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "RS256",
      // OIDC Back-Channel Logout: ID tokens carry `sid`, and logout tokens name it (and `sub`).
      ...(backchannelLogoutUris.length > 0
        ? { backchannel_logout_uri: backchannelLogoutUris[0], backchannel_logout_session_required: true }
        : {}),
    },
    ...settings.extraClients.map((extra): ClientMetadata => ({
      client_id: extra.clientId,
      client_secret: extra.clientSecret,
      application_type: "web",
      redirect_uris: extra.redirectUris,
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "RS256",
    })),
  ];
}

function features(backchannelLogout: boolean): Configuration["features"] {
  return {
    devInteractions: { enabled: false },
    revocation: {
      enabled: true,
      // Only the client the token was issued to may revoke it.
      allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
    },
    userinfo: { enabled: true },
    // When a session here ends (the end-session endpoint, with "Sign out"), the app is told
    // server to server, so the person is signed out there too.
    backchannelLogout: { enabled: backchannelLogout },
    rpInitiatedLogout: { enabled: true, ...logoutPages },
    // Not needed by the app (Google offers none of these); keep the surface small.
    pushedAuthorizationRequests: { enabled: false },
    dPoP: { enabled: false },
    resourceIndicators: { enabled: false },
  };
}

function lifetimes(accessTokenTtl: number): Configuration["ttl"] {
  return {
    AccessToken: accessTokenTtl,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 14 * 24 * 3600,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
  };
}

/** A fresh RS256 key per start: restarting the IdP invalidates every ID token the app holds. */
async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg: "RS256", use: "sig" } as JWK;
}
