/**
 * The Dev IdP: a real OpenID Connect provider (panva/oidc-provider v9) that stands in for
 * Google locally and in e2e tests.
 *
 *   const idp = await startDevIdp({ port: 0, testApi: true });
 *   // idp.issuer -> "http://127.0.0.1:<port>"
 *   await idp.close();
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import Provider, {
  type Account,
  type ClientMetadata,
  type Configuration,
  type Interaction,
  type InteractionResults,
  type JWK,
  type KoaContextWithOIDC,
} from "oidc-provider";
import type { Context, Next } from "koa";

import {
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_BACKCHANNEL_LOGOUT_URIS,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_POST_LOGOUT_REDIRECT_URIS,
  DEFAULT_REDIRECT_URIS,
  parseIssuer,
  type DevIdpConfig,
} from "./config";
import { MemoryStore, memoryAdapterFactory } from "./memory-adapter";
import { DEV_USERS, avatarSvg, findUserByAvatar, findUserBySub, userClaims, verifyCredentials, withExtraUsers, type DevUser } from "./users";
import { PAGE_CSP, errorPage, indexPage, loginPage, logoutPage, signedOutPage } from "./views";

export type { DevIdpConfig } from "./config";

export interface StartDevIdpOptions extends Partial<Omit<DevIdpConfig, "issuer">> {
  /**
   * Issuer identifier. Defaults to `http://127.0.0.1:<bound port>`, so `port: 0`
   * (a random free port) works without knowing the port in advance.
   */
  issuer?: string | undefined;
  /**
   * More people who can sign in, besides the built-in three (load tests need many distinct new
   * users). Not shown on the login page. Each needs its own sub, lower-case email and avatar.
   */
  extraUsers?: readonly DevUser[] | undefined;
}

export interface DevIdpStats {
  /** Successful token endpoint responses, by grant_type. */
  grants: { authorization_code: number; refresh_token: number };
  /** Revocation endpoint requests answered with 200 (RFC 7009 also answers 200 for unknown tokens). */
  revocations: number;
}

/** One successful token response, as the client received it (test API only). */
export interface IssuedTokens {
  grantType: "authorization_code" | "refresh_token";
  /** The user the tokens were issued for. */
  sub: string | undefined;
  accessToken: string;
  refreshToken: string | undefined;
  idToken: string | undefined;
}

export interface DevIdp {
  /** Issuer identifier; discovery is at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  /** The port actually bound. */
  port: number;
  /** The single registered client. */
  client: {
    clientId: string;
    clientSecret: string;
    redirectUris: string[];
    postLogoutRedirectUris: string[];
    backchannelLogoutUris: string[];
  };
  /** The same counters the test API returns. */
  stats(): DevIdpStats;
  /**
   * Every token this IdP handed out (latest last; the most recent 500), optionally for one user.
   * Only recorded with `testApi: true`: tests use it to look for token values where none may appear.
   */
  issuedTokens(sub?: string): IssuedTokens[];
  /** The underlying oidc-provider instance (advanced use only). */
  provider: Provider;
  close(): Promise<void>;
}

/** Scopes and the claims each one releases. */
const CLAIMS = {
  openid: ["sub"],
  email: ["email", "email_verified"],
  profile: ["name", "given_name", "family_name", "picture"],
} as const;
const SCOPES = ["openid", "email", "profile", "offline_access"] as const;
const KNOWN_SCOPES: ReadonlySet<string> = new Set(SCOPES);

const MAX_FORM_BYTES = 16 * 1024;
const MAX_ISSUED_TOKENS = 500;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

async function readForm(ctx: Context): Promise<URLSearchParams> {
  if (!ctx.is("application/x-www-form-urlencoded")) {
    throw new HttpError(415, "Unsupported request", "Expected a form submission.");
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_FORM_BYTES) throw new HttpError(413, "Request too large", "The form submission is too large.");
    chunks.push(buf);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function sendHtml(ctx: Context, status: number, html: string): void {
  ctx.status = status;
  ctx.type = "html";
  ctx.set("Cache-Control", "no-store");
  ctx.set("Content-Security-Policy", PAGE_CSP);
  ctx.set("X-Content-Type-Options", "nosniff");
  ctx.set("Referrer-Policy", "no-referrer");
  ctx.body = html;
}

function sendJson(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.set("Cache-Control", "no-store");
  ctx.body = body;
}

async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg: "RS256", use: "sig" } as JWK;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

type BackchannelLogout = (this: object, sub: string, sid: string) => Promise<void>;

/**
 * A client has one backchannel_logout_uri, but one Dev IdP serves several copies of the app (the
 * e2e stack runs a few): each URI gets its own logout token (own jti), sent by oidc-provider's
 * own code with the URI swapped in. Fails only when every delivery failed; each failure is logged.
 */
function deliverBackchannelLogoutToEach(provider: Provider, uris: readonly string[]): void {
  const prototype = provider.Client.prototype as unknown as { backchannelLogout: BackchannelLogout };
  const deliver = prototype.backchannelLogout;
  prototype.backchannelLogout = async function (this: object, sub: string, sid: string) {
    const results = await Promise.allSettled(
      uris.map((uri) => deliver.call(Object.create(this, { backchannelLogoutUri: { value: uri } }) as object, sub, sid)),
    );
    const failures = results.flatMap((r, i) => (r.status === "rejected" ? [`${uris[i]}: ${(r.reason as Error)?.message}`] : []));
    if (failures.length === results.length) throw new Error(failures.join("; "));
    for (const failure of failures) console.warn(`Dev IdP: back-channel logout failed: ${failure}`);
  };
}

/** Starts a Dev IdP HTTP server. Options default to the built-in dev values (not env). */
export async function startDevIdp(options: StartDevIdpOptions = {}): Promise<DevIdp> {
  const host = options.host ?? "127.0.0.1";
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = options.clientSecret ?? DEFAULT_CLIENT_SECRET;
  const redirectUris = [...(options.redirectUris ?? DEFAULT_REDIRECT_URIS)];
  const postLogoutRedirectUris = [...(options.postLogoutRedirectUris ?? DEFAULT_POST_LOGOUT_REDIRECT_URIS)];
  const backchannelLogoutUris = [...(options.backchannelLogoutUris ?? DEFAULT_BACKCHANNEL_LOGOUT_URIS)];
  const accessTokenTtl = options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  const testApi = options.testApi ?? false;
  const extraClients = (options.extraClients ?? []).map((c) => ({ ...c, redirectUris: [...c.redirectUris] }));
  const clientIds = new Set([clientId, ...extraClients.map((c) => c.clientId)]);
  if (clientIds.size !== extraClients.length + 1) throw new TypeError("extraClients: every client needs its own client id");
  const users = withExtraUsers(options.extraUsers ?? []);
  const cookieKeys = options.cookieKeys?.length ? options.cookieKeys : [randomBytes(32).toString("base64url")];
  if (!Number.isInteger(accessTokenTtl) || accessTokenTtl < 1) {
    throw new TypeError("accessTokenTtlSeconds must be a whole number >= 1");
  }

  // Bind first so that port 0 yields a concrete port for the default issuer.
  let handler: RequestListener | undefined;
  const server = createServer((req, res) => {
    if (handler) {
      handler(req, res);
    } else {
      res.statusCode = 503;
      res.end();
    }
  });
  const port = await listen(server, options.port ?? 0, host);

  try {
    const issuer = options.issuer === undefined ? `http://${host}:${port}` : parseIssuer("issuer", options.issuer);
    const store = new MemoryStore();
    const csrfSecret = randomBytes(32);
    const stats: DevIdpStats = { grants: { authorization_code: 0, refresh_token: 0 }, revocations: 0 };
    const issued: IssuedTokens[] = [];

    const csrfTokenFor = (uid: string) => createHmac("sha256", csrfSecret).update(`interaction:${uid}`).digest("base64url");
    const csrfValid = (uid: string, token: string | null) => {
      if (!token) return false;
      const expected = Buffer.from(csrfTokenFor(uid));
      const actual = Buffer.from(token);
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    };

    const configuration: Configuration = {
      adapter: memoryAdapterFactory(store),
      // oidc-provider refuses to connect to loopback and private addresses (SSRF protection), but
      // the apps it posts back-channel logout tokens to are on localhost. It only ever fetches the
      // configured client's URIs (no dynamic registration, no request objects), so this is safe here.
      fetch: (url, options) => globalThis.fetch(url, { ...options, dispatcher: undefined } as RequestInit),
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          application_type: "web",
          redirect_uris: redirectUris,
          post_logout_redirect_uris: postLogoutRedirectUris,
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_basic",
          id_token_signed_response_alg: "RS256",
          // OIDC Back-Channel Logout: ID tokens carry `sid`, and logout tokens name it (and `sub`).
          ...(backchannelLogoutUris.length > 0
            ? { backchannel_logout_uri: backchannelLogoutUris[0], backchannel_logout_session_required: true }
            : {}),
        },
        ...extraClients.map((extra): ClientMetadata => ({
          client_id: extra.clientId,
          client_secret: extra.clientSecret,
          application_type: "web",
          redirect_uris: extra.redirectUris,
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_basic",
          id_token_signed_response_alg: "RS256",
        })),
      ],
      clientAuthMethods: ["client_secret_basic"],
      // Server-side client only; no browser CORS access to token/userinfo/revocation.
      clientBasedCORS: () => false,
      jwks: { keys: [await generateSigningKey()] },
      cookies: {
        keys: cookieKeys,
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
      // (OIDC Core 11); see rewriteOfflineAccessPrompt below.
      rotateRefreshToken: true,
      features: {
        devInteractions: { enabled: false },
        revocation: {
          enabled: true,
          // Only the client the token was issued to may revoke it (there is only one client).
          allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
        },
        userinfo: { enabled: true },
        // When a session here ends (the end-session endpoint, with "Sign out"), the app is told
        // server to server, so the person is signed out there too.
        backchannelLogout: { enabled: backchannelLogoutUris.length > 0 },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: (ctx, form) => {
            sendHtml(ctx, 200, logoutPage(form, ctx.oidc.client?.clientId));
          },
          postLogoutSuccessSource: (ctx) => {
            sendHtml(ctx, 200, signedOutPage());
          },
        },
        // Not needed by the app (Google offers none of these); keep the surface small.
        pushedAuthorizationRequests: { enabled: false },
        dPoP: { enabled: false },
        resourceIndicators: { enabled: false },
      },
      ttl: {
        AccessToken: accessTokenTtl,
        AuthorizationCode: 60,
        IdToken: 3600,
        RefreshToken: 14 * 24 * 3600,
        Interaction: 3600,
        Session: 14 * 24 * 3600,
        Grant: 14 * 24 * 3600,
      },
      interactions: {
        url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      },
      findAccount: (_ctx, sub): Account | undefined => {
        const user = findUserBySub(sub, users);
        if (!user) return undefined;
        return { accountId: user.sub, claims: () => userClaims(issuer, user) };
      },
      renderError: (ctx, out) => {
        const message = out.error_description ? `${out.error}: ${out.error_description}` : out.error;
        sendHtml(ctx, ctx.status >= 400 ? ctx.status : 400, errorPage("Something went wrong", message));
      },
    };

    const provider = new Provider(issuer, configuration);
    if (backchannelLogoutUris.length > 1) deliverBackchannelLogoutToEach(provider, backchannelLogoutUris);
    provider.on("backchannel.error", (_ctx: KoaContextWithOIDC, err: Error) => {
      console.warn(`Dev IdP: back-channel logout failed: ${err.message}`);
    });

    provider.on("grant.success", (ctx: KoaContextWithOIDC) => {
      const grantType = ctx.oidc.params?.grant_type;
      if (grantType === "authorization_code" || grantType === "refresh_token") {
        stats.grants[grantType] += 1;
        if (testApi) recordIssued(ctx, grantType);
      }
    });

    /** Test API only: the token response the client just got (the handler has set it as the body). */
    function recordIssued(ctx: KoaContextWithOIDC, grantType: IssuedTokens["grantType"]): void {
      const body = ctx.body as Record<string, unknown> | undefined;
      if (typeof body?.access_token !== "string") return;
      const optional = (value: unknown) => (typeof value === "string" ? value : undefined);
      issued.push({
        grantType,
        sub: ctx.oidc.account?.accountId,
        accessToken: body.access_token,
        refreshToken: optional(body.refresh_token),
        idToken: optional(body.id_token),
      });
      if (issued.length > MAX_ISSUED_TOKENS) issued.splice(0, issued.length - MAX_ISSUED_TOKENS);
    }
    const issuedFor = (sub?: string) => structuredClone(sub ? issued.filter((t) => t.sub === sub) : issued);
    provider.on("server_error", (_ctx: KoaContextWithOIDC, err: Error) => {
      console.error(`Dev IdP server error: ${err.message}`);
    });

    /** Grants our (first-party) client everything it asked for: no consent screen. */
    async function autoConsent(interaction: Interaction, accountId: string): Promise<string> {
      const clientId = String(interaction.params.client_id);
      let grant = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
      if (grant && (grant.accountId !== accountId || grant.clientId !== clientId)) grant = undefined;
      grant ??= new provider.Grant({ accountId, clientId });
      const requested =
        typeof interaction.params.scope === "string" ? interaction.params.scope.split(" ").filter((s) => KNOWN_SCOPES.has(s)) : [];
      grant.addOIDCScope(requested);
      const details = interaction.prompt.details;
      if (Array.isArray(details.missingOIDCScope)) grant.addOIDCScope(details.missingOIDCScope as string[]);
      if (Array.isArray(details.missingOIDCClaims)) grant.addOIDCClaims(details.missingOIDCClaims as string[]);
      return grant.save();
    }

    async function loadInteraction(ctx: Context, uid: string): Promise<Interaction> {
      let interaction: Interaction;
      try {
        interaction = await provider.interactionDetails(ctx.req, ctx.res);
      } catch {
        throw new HttpError(400, "Sign-in expired", "This sign-in request has expired or was already completed.");
      }
      if (interaction.uid !== uid) {
        throw new HttpError(400, "Sign-in expired", "This sign-in request does not match your browser session.");
      }
      return interaction;
    }

    function renderLogin(ctx: Context, interaction: Interaction, status: number, email?: string, error?: string) {
      const base = `/interaction/${encodeURIComponent(interaction.uid)}`;
      const loginHint = typeof interaction.params.login_hint === "string" ? interaction.params.login_hint : undefined;
      sendHtml(
        ctx,
        status,
        loginPage({
          formAction: `${base}/login`,
          cancelAction: `${base}/cancel`,
          csrfToken: csrfTokenFor(interaction.uid),
          users: DEV_USERS,
          email: email ?? loginHint,
          error,
          clientName: clientId,
        }),
      );
    }

    async function finish(ctx: Context, result: InteractionResults, merge: boolean) {
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
      ctx.set("Cache-Control", "no-store");
      ctx.status = 303;
      ctx.redirect(returnTo);
    }

    async function interactionRoutes(ctx: Context, uid: string, action: string | undefined): Promise<void> {
      if (action === undefined && ctx.method === "GET") {
        const interaction = await loadInteraction(ctx, uid);
        if (interaction.prompt.name === "login") {
          renderLogin(ctx, interaction, 200);
          return;
        }
        if (interaction.prompt.name === "consent" && interaction.session?.accountId) {
          // First-party client: grant silently, including for prompt=consent.
          const grantId = await autoConsent(interaction, interaction.session.accountId);
          await finish(ctx, { consent: { grantId } }, true);
          return;
        }
        throw new HttpError(400, "Unsupported request", `The Dev IdP cannot handle the "${interaction.prompt.name}" step.`);
      }

      if ((action === "login" || action === "cancel") && ctx.method === "POST") {
        const form = await readForm(ctx);
        const interaction = await loadInteraction(ctx, uid);
        if (!csrfValid(interaction.uid, form.get("csrf"))) {
          throw new HttpError(403, "Request refused", "The form could not be verified. Reload the sign-in page and try again.");
        }
        if (action === "cancel") {
          await finish(ctx, { error: "access_denied", error_description: "End-User cancelled the sign-in" }, false);
          return;
        }
        if (interaction.prompt.name !== "login") {
          throw new HttpError(400, "Unsupported request", "This sign-in request is not waiting for a login.");
        }
        const email = form.get("email") ?? "";
        const password = form.get("password") ?? "";
        const user = verifyCredentials(email, password, users);
        if (!user) {
          renderLogin(ctx, interaction, 401, email, "Wrong email or password.");
          return;
        }
        // Log in and consent in one step so the user goes straight back to the app.
        const grantId = await autoConsent(interaction, user.sub);
        await finish(ctx, { login: { accountId: user.sub }, consent: { grantId } }, false);
        return;
      }

      throw new HttpError(405, "Not allowed", "This address does not accept that request.");
    }

    async function testApiRoutes(ctx: Context, route: string): Promise<void> {
      if (route === "stats" && ctx.method === "GET") {
        sendJson(ctx, 200, stats);
        return;
      }
      if (route === "reset-stats" && ctx.method === "POST") {
        stats.grants.authorization_code = 0;
        stats.grants.refresh_token = 0;
        stats.revocations = 0;
        sendJson(ctx, 200, stats);
        return;
      }
      if (route === "revoke-grants" && ctx.method === "POST") {
        const sub = typeof ctx.query.sub === "string" ? ctx.query.sub : "";
        if (!sub) {
          sendJson(ctx, 400, { error: "sub query parameter is required" });
          return;
        }
        const grantIds = store.grantIdsForAccount(sub);
        for (const grantId of grantIds) {
          store.revokeByGrantId(grantId); // access tokens, refresh tokens, codes
          store.delete(`Grant:${grantId}`);
        }
        sendJson(ctx, 200, { sub, revokedGrants: grantIds.length });
        return;
      }
      if (route === "issued-tokens" && ctx.method === "GET") {
        const sub = typeof ctx.query.sub === "string" && ctx.query.sub ? ctx.query.sub : undefined;
        sendJson(ctx, 200, { tokens: issuedFor(sub) });
        return;
      }
      if (["stats", "reset-stats", "revoke-grants", "issued-tokens"].includes(route)) {
        ctx.set("Allow", route === "stats" || route === "issued-tokens" ? "GET" : "POST");
        sendJson(ctx, 405, { error: "method not allowed" });
        return;
      }
      sendJson(ctx, 404, { error: "not found" });
    }

    const authorizationPath = new URL(provider.urlFor("authorization")).pathname;
    const revocationPath = new URL(provider.urlFor("revocation")).pathname;

    /**
     * oidc-provider (per OIDC Core §11) drops `offline_access` unless the request has
     * prompt=consent. For our first-party client an authorization request that asks for
     * offline_access without any `prompt` is treated as prompt=consent, so it yields a
     * refresh token either way. Consent is granted automatically, so nothing changes for
     * the user. An explicit prompt (e.g. prompt=login or none) is left alone.
     */
    function rewriteOfflineAccessPrompt(ctx: Context): void {
      if (ctx.method !== "GET" || ctx.path !== authorizationPath) return;
      const { scope, prompt, client_id: cid } = ctx.query;
      if (typeof cid !== "string" || !clientIds.has(cid) || typeof scope !== "string" || prompt !== undefined) return;
      if (!scope.split(" ").includes("offline_access")) return;
      ctx.query = { ...ctx.query, prompt: "consent" };
    }

    provider.use(async (ctx: Context, next: Next) => {
      try {
        const path = ctx.path;
        if (path === "/__test" || path.startsWith("/__test/")) {
          if (!testApi) {
            sendJson(ctx, 404, { error: "not found" });
            return;
          }
          await testApiRoutes(ctx, path.slice("/__test/".length));
          return;
        }

        const interactionMatch = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|cancel))?$/.exec(path);
        if (interactionMatch) {
          await interactionRoutes(ctx, interactionMatch[1] ?? "", interactionMatch[2]);
          return;
        }

        const avatarMatch = /^\/avatars\/([a-z]+\.svg)$/.exec(path);
        if (avatarMatch && (ctx.method === "GET" || ctx.method === "HEAD")) {
          const user = findUserByAvatar(avatarMatch[1] ?? "", users);
          if (user) {
            ctx.type = "image/svg+xml";
            ctx.set("Cache-Control", "public, max-age=3600");
            ctx.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
            ctx.set("X-Content-Type-Options", "nosniff");
            // Allow the app (another origin) to show it, including with COEP.
            ctx.set("Cross-Origin-Resource-Policy", "cross-origin");
            ctx.body = avatarSvg(user);
            return;
          }
        }

        if (path === "/" && ctx.method === "GET") {
          sendHtml(ctx, 200, indexPage(issuer));
          return;
        }

        rewriteOfflineAccessPrompt(ctx);
        await next();

        if (ctx.method === "POST" && ctx.path === revocationPath && ctx.status === 200) stats.revocations += 1;
      } catch (err) {
        if (err instanceof HttpError) {
          sendHtml(ctx, err.status, errorPage(err.title, err.message));
          return;
        }
        throw err;
      }
    });

    handler = provider.callback();

    return {
      issuer,
      port,
      client: { clientId, clientSecret, redirectUris, postLogoutRedirectUris, backchannelLogoutUris },
      stats: () => structuredClone(stats),
      issuedTokens: issuedFor,
      provider,
      close: () =>
        new Promise<void>((resolve, reject) => {
          server.close((err) => (err ? reject(err) : resolve()));
          server.closeAllConnections();
        }),
    };
  } catch (err) {
    server.close();
    throw err;
  }
}
