/** startDevIdp's options, with the built-in dev defaults filled in (never env) and checked. */
import { randomBytes } from "node:crypto";

import {
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_BACKCHANNEL_LOGOUT_URIS,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_POST_LOGOUT_REDIRECT_URIS,
  DEFAULT_REDIRECT_URIS,
  type DevIdpClient,
  type DevIdpConfig,
} from "./config";
import { withExtraUsers, type DevUser } from "./users";

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

/** Everything but the port and the issuer, which depend on the port actually bound. */
export interface DevIdpSettings {
  host: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUris: string[];
  accessTokenTtl: number;
  testApi: boolean;
  extraClients: DevIdpClient[];
  /** The main client's id and every extra client's. */
  clientIds: ReadonlySet<string>;
  /** Who can sign in: the built-in users plus `extraUsers`. */
  users: readonly DevUser[];
  cookieKeys: string[];
}

/** Throws a TypeError for options no IdP could run with (checked before a port is bound). */
export function resolveSettings(options: StartDevIdpOptions): DevIdpSettings {
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const accessTokenTtl = options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  const extraClients = (options.extraClients ?? []).map((c) => ({ ...c, redirectUris: [...c.redirectUris] }));
  const clientIds = new Set([clientId, ...extraClients.map((c) => c.clientId)]);
  if (clientIds.size !== extraClients.length + 1) throw new TypeError("extraClients: every client needs its own client id");
  const users = withExtraUsers(options.extraUsers ?? []);
  const cookieKeys = options.cookieKeys?.length ? options.cookieKeys : [randomBytes(32).toString("base64url")];
  if (!Number.isInteger(accessTokenTtl) || accessTokenTtl < 1) {
    throw new TypeError("accessTokenTtlSeconds must be a whole number >= 1");
  }
  return {
    host: options.host ?? "127.0.0.1",
    clientId,
    clientSecret: options.clientSecret ?? DEFAULT_CLIENT_SECRET,
    redirectUris: [...(options.redirectUris ?? DEFAULT_REDIRECT_URIS)],
    postLogoutRedirectUris: [...(options.postLogoutRedirectUris ?? DEFAULT_POST_LOGOUT_REDIRECT_URIS)],
    backchannelLogoutUris: [...(options.backchannelLogoutUris ?? DEFAULT_BACKCHANNEL_LOGOUT_URIS)],
    accessTokenTtl,
    testApi: options.testApi ?? false,
    extraClients,
    clientIds,
    users,
    cookieKeys,
  };
}
