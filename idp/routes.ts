/**
 * The Dev IdP's own routes, in front of oidc-provider's: the test API, the sign-in interaction,
 * the users' avatars and the index page. Everything else goes on to oidc-provider, which also
 * counts revocations and gets offline_access requests adjusted (see rewriteOfflineAccessPrompt).
 */
import type Provider from "oidc-provider";
import type { Context, Next } from "koa";

import type { Activity } from "./activity";
import { HttpError, sendHtml } from "./http";
import type { InteractionRoutes } from "./interactions";
import { isTestApiPath } from "./test-api";
import { avatarSvg, findUserByAvatar, type DevUser } from "./users";
import { errorPage, indexPage } from "./views";

export interface RouteDeps {
  issuer: string;
  users: readonly DevUser[];
  /** Clients whose offline_access requests get prompt=consent. */
  clientIds: ReadonlySet<string>;
  activity: Activity;
  interactions: InteractionRoutes;
  testApi: (ctx: Context) => void;
}

/** Koa middleware for `provider.use`. */
export function devIdpRoutes(provider: Provider, deps: RouteDeps): (ctx: Context, next: Next) => Promise<void> {
  const authorizationPath = new URL(provider.urlFor("authorization")).pathname;
  const revocationPath = new URL(provider.urlFor("revocation")).pathname;
  return async (ctx, next) => {
    try {
      if (await ownRoute(ctx, deps)) return;
      if (ctx.method === "GET" && ctx.path === authorizationPath) rewriteOfflineAccessPrompt(ctx, deps.clientIds);
      await next();
      if (ctx.method === "POST" && ctx.path === revocationPath && ctx.status === 200) deps.activity.revocationAnswered();
    } catch (err) {
      if (err instanceof HttpError) {
        sendHtml(ctx, err.status, errorPage(err.title, err.message));
        return;
      }
      throw err;
    }
  };
}

/** Answers the request if it is for one of our routes; false when it is oidc-provider's. */
async function ownRoute(ctx: Context, deps: RouteDeps): Promise<boolean> {
  const path = ctx.path;
  if (isTestApiPath(path)) {
    deps.testApi(ctx);
    return true;
  }

  const interactionMatch = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|cancel))?$/.exec(path);
  if (interactionMatch) {
    await deps.interactions(ctx, interactionMatch[1] ?? "", interactionMatch[2]);
    return true;
  }

  const avatarMatch = /^\/avatars\/([a-z]+\.svg)$/.exec(path);
  if (avatarMatch && (ctx.method === "GET" || ctx.method === "HEAD") && serveAvatar(ctx, avatarMatch[1] ?? "", deps.users)) {
    return true;
  }

  if (path === "/" && ctx.method === "GET") {
    sendHtml(ctx, 200, indexPage(deps.issuer));
    return true;
  }
  return false;
}

/** The `picture` claim's image; false (left to oidc-provider's 404) for a file no user has. */
function serveAvatar(ctx: Context, file: string, users: readonly DevUser[]): boolean {
  const user = findUserByAvatar(file, users);
  if (!user) return false;
  ctx.type = "image/svg+xml";
  ctx.set("Cache-Control", "public, max-age=3600");
  ctx.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
  ctx.set("X-Content-Type-Options", "nosniff");
  // Allow the app (another origin) to show it, including with COEP.
  ctx.set("Cross-Origin-Resource-Policy", "cross-origin");
  ctx.body = avatarSvg(user);
  return true;
}

/**
 * oidc-provider (per OIDC Core §11) drops `offline_access` unless the request has
 * prompt=consent. For our first-party client an authorization request that asks for
 * offline_access without any `prompt` is treated as prompt=consent, so it yields a
 * refresh token either way. Consent is granted automatically, so nothing changes for
 * the user. An explicit prompt (e.g. prompt=login or none) is left alone.
 */
function rewriteOfflineAccessPrompt(ctx: Context, clientIds: ReadonlySet<string>): void {
  const { scope, prompt, client_id: cid } = ctx.query;
  if (typeof cid !== "string" || !clientIds.has(cid) || typeof scope !== "string" || prompt !== undefined) return;
  if (!scope.split(" ").includes("offline_access")) return;
  ctx.query = { ...ctx.query, prompt: "consent" };
}
