/**
 * What `npm run dev` tells the app and the Dev IdP, so that they agree whatever the person sets:
 * the app's port (PORT=4000 npm run dev) becomes the Dev IdP's registered callback, logout and
 * back-channel URIs, and the Dev IdP's port and the issuer the app looks for are one and the same.
 * Variables set by hand win; a contradiction is refused with a sentence saying which.
 */

export type Env = Record<string, string | undefined>;

export const DEFAULT_APP_PORT = "3000";
export const DEFAULT_DEV_IDP_PORT = "3001";

export class DevStackError extends Error {}

function port(name: string, raw: string): string {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535)
    throw new DevStackError(`${name} must be a port number (got "${raw}").`);
  return String(Number(raw));
}

function urlOf(name: string, raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new DevStackError(`${name} must be a URL such as http://localhost:3000 (got "${raw}").`);
  }
}

/** The variables to add to `env` for the app and the Dev IdP (nothing already set is changed). */
export function devStackEnv(env: Env): Env {
  const appPort = port("PORT", env.PORT ?? DEFAULT_APP_PORT);
  const authUrl = env.AUTH_URL ?? `http://localhost:${appPort}`;
  const origin = urlOf("AUTH_URL", authUrl).origin;
  const added: Env = { PORT: appPort, AUTH_URL: authUrl };

  const idpPort = env.DEV_IDP_PORT === undefined ? undefined : port("DEV_IDP_PORT", env.DEV_IDP_PORT);
  if (env.DEV_IDP_ISSUER === undefined) {
    added.DEV_IDP_ISSUER = `http://127.0.0.1:${idpPort ?? DEFAULT_DEV_IDP_PORT}`;
  } else if (idpPort !== undefined && urlOf("DEV_IDP_ISSUER", env.DEV_IDP_ISSUER).port !== idpPort) {
    throw new DevStackError(
      `DEV_IDP_PORT (${idpPort}) and the port of DEV_IDP_ISSUER (${env.DEV_IDP_ISSUER}) differ: the app would look for the Dev IdP where it is not listening. Set one of them.`,
    );
  }
  if (appPort === (idpPort ?? urlOf("DEV_IDP_ISSUER", env.DEV_IDP_ISSUER ?? added.DEV_IDP_ISSUER!).port)) {
    throw new DevStackError(`PORT and the Dev IdP's port are both ${appPort}: choose another PORT (or DEV_IDP_PORT).`);
  }

  added.DEV_IDP_REDIRECT_URIS = env.DEV_IDP_REDIRECT_URIS ?? `${origin}/api/auth/callback/dev-idp`;
  added.DEV_IDP_POST_LOGOUT_REDIRECT_URIS = env.DEV_IDP_POST_LOGOUT_REDIRECT_URIS ?? `${origin}/,${origin}/login`;
  added.DEV_IDP_BACKCHANNEL_LOGOUT_URIS = env.DEV_IDP_BACKCHANNEL_LOGOUT_URIS ?? `${origin}/api/auth/backchannel-logout`;
  return added;
}
