/**
 * The Dev IdP: a real OpenID Connect provider (panva/oidc-provider v9) that stands in for
 * Google locally and in e2e tests.
 *
 *   const idp = await startDevIdp({ port: 0, testApi: true });
 *   // idp.issuer -> "http://127.0.0.1:<port>"
 *   await idp.close();
 *
 * This file composes the parts: oidc-configuration.ts (oidc-provider itself), interactions.ts
 * (sign-in and logout pages), test-api.ts (`/__test/*`) and routes.ts (which path goes where).
 */
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import type Provider from "oidc-provider";
import type { KoaContextWithOIDC } from "oidc-provider";

import { createActivity, type DevIdpStats, type IssuedTokens } from "./activity";
import { parseIssuer } from "./config";
import { createInteractionRoutes } from "./interactions";
import { MemoryStore } from "./memory-adapter";
import { createOidcProvider } from "./oidc-configuration";
import { devIdpRoutes } from "./routes";
import { resolveSettings, type StartDevIdpOptions } from "./settings";
import { createTestApi } from "./test-api";

export type { DevIdpConfig } from "./config";
export type { DevIdpStats, IssuedTokens } from "./activity";
export type { StartDevIdpOptions } from "./settings";

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

/** Starts a Dev IdP HTTP server. Options default to the built-in dev values (not env). */
export async function startDevIdp(options: StartDevIdpOptions = {}): Promise<DevIdp> {
  const settings = resolveSettings(options);
  // Bind first so that port 0 yields a concrete port for the default issuer.
  const http = await bindServer(options.port ?? 0, settings.host);
  try {
    const issuer = options.issuer === undefined ? `http://${settings.host}:${http.port}` : parseIssuer("issuer", options.issuer);
    const store = new MemoryStore();
    const activity = createActivity({ recordTokens: settings.testApi });
    const provider = await createOidcProvider(issuer, settings, store);
    provider.on("grant.success", (ctx: KoaContextWithOIDC) => activity.grantSucceeded(ctx));
    provider.use(
      devIdpRoutes(provider, {
        issuer,
        users: settings.users,
        clientIds: settings.clientIds,
        activity,
        interactions: createInteractionRoutes({ provider, users: settings.users, clientName: settings.clientId }),
        testApi: createTestApi({ enabled: settings.testApi, activity, store }),
      }),
    );
    http.serve(provider.callback());

    const { clientId, clientSecret, redirectUris, postLogoutRedirectUris, backchannelLogoutUris } = settings;
    return {
      issuer,
      port: http.port,
      client: { clientId, clientSecret, redirectUris, postLogoutRedirectUris, backchannelLogoutUris },
      stats: () => structuredClone(activity.stats),
      issuedTokens: activity.issuedTokens,
      provider,
      close: http.close,
    };
  } catch (err) {
    http.server.close();
    throw err;
  }
}

interface BoundServer {
  server: Server;
  port: number;
  /** Hands requests to `handler`; until then every request gets a 503. */
  serve(handler: RequestListener): void;
  close(): Promise<void>;
}

async function bindServer(port: number, host: string): Promise<BoundServer> {
  let handler: RequestListener | undefined;
  const server = createServer((req, res) => {
    if (handler) {
      handler(req, res);
    } else {
      res.statusCode = 503;
      res.end();
    }
  });
  return {
    server,
    port: await listen(server, port, host),
    serve: (h) => {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
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
