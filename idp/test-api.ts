/**
 * The test API, `/__test/*` (`testApi: true` / DEV_IDP_TEST_API=1 only; 404 otherwise): counters,
 * the tokens handed out, and revoking a user's grants, for tests to check the app against.
 */
import type { Context } from "koa";

import type { Activity } from "./activity";
import { sendJson } from "./http";
import type { MemoryStore } from "./memory-adapter";

const PREFIX = "/__test/";
const ROUTES = ["stats", "reset-stats", "revoke-grants", "issued-tokens"];

/** Whether `path` is the test API's, answered by it whether or not the API is on. */
export function isTestApiPath(path: string): boolean {
  return path === "/__test" || path.startsWith(PREFIX);
}

export interface TestApiDeps {
  enabled: boolean;
  activity: Activity;
  /** oidc-provider's models, to revoke grants in. */
  store: MemoryStore;
}

export function createTestApi({ enabled, activity, store }: TestApiDeps): (ctx: Context) => void {
  return (ctx) => {
    if (!enabled) {
      sendJson(ctx, 404, { error: "not found" });
      return;
    }
    route(ctx, ctx.path.slice(PREFIX.length), activity, store);
  };
}

function route(ctx: Context, name: string, activity: Activity, store: MemoryStore): void {
  if (name === "stats" && ctx.method === "GET") {
    sendJson(ctx, 200, activity.stats);
    return;
  }
  if (name === "reset-stats" && ctx.method === "POST") {
    activity.resetStats();
    sendJson(ctx, 200, activity.stats);
    return;
  }
  if (name === "revoke-grants" && ctx.method === "POST") {
    revokeGrants(ctx, store);
    return;
  }
  if (name === "issued-tokens" && ctx.method === "GET") {
    const sub = typeof ctx.query.sub === "string" && ctx.query.sub ? ctx.query.sub : undefined;
    sendJson(ctx, 200, { tokens: activity.issuedTokens(sub) });
    return;
  }
  if (ROUTES.includes(name)) {
    ctx.set("Allow", name === "stats" || name === "issued-tokens" ? "GET" : "POST");
    sendJson(ctx, 405, { error: "method not allowed" });
    return;
  }
  sendJson(ctx, 404, { error: "not found" });
}

/** Every grant of `?sub=`, with its access tokens, refresh tokens and codes: the app's next refresh fails. */
function revokeGrants(ctx: Context, store: MemoryStore): void {
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
}
