/**
 * Where the e2e stack listens and how it is configured. Ports differ from `npm run dev`'s
 * (3000/3001) so the tests can run while a developer's stack is up; E2E_PORT_BASE moves the
 * whole stack (and its build folders) so two runs can share a machine.
 */
export const PORT_BASE = Number(process.env.E2E_PORT_BASE ?? 3100);
export const APP_URL = `http://localhost:${PORT_BASE}`;
export const NO_PROXY_APP_URL = `http://localhost:${PORT_BASE + 100}`;
export const IDP_URL = `http://127.0.0.1:${PORT_BASE + 1}`;
/**
 * Instances that deployment tests start themselves (e2e/deployment): the standalone build and
 * two instances sharing one database. The Dev IdP registers their redirect URIs too.
 */
export const EXTRA_APP_URLS = {
  standalone: `http://localhost:${PORT_BASE + 212}`,
  instanceA: `http://localhost:${PORT_BASE + 213}`,
  instanceB: `http://localhost:${PORT_BASE + 214}`,
  /** An instance with low rate limits and a second provider (e2e/security/rate-limits, account-linking). */
  security: `http://localhost:${PORT_BASE + 216}`,
  /** The public https origin of a TLS-terminating proxy in front of an instance (e2e/deployment/tls.spec.ts). */
  tls: `https://localhost:${PORT_BASE + 215}`,
  /** The https origin of a TLS-terminating proxy in front of the security instance (Sign in with Apple, e2e/providers/apple.spec.ts). */
  appleTls: `https://localhost:${PORT_BASE + 218}`,
  /** An instance whose database connection the test can cut (e2e/multi-instance/database-outage.spec.ts). */
  outage: `http://localhost:${PORT_BASE + 217}`,
} as const;
const ALL_APP_URLS = [APP_URL, NO_PROXY_APP_URL, ...Object.values(EXTRA_APP_URLS)];

/** Build output of this run's app, so parallel runs and `next build` do not overwrite each other. */
export const E2E_DIST_DIR = `.next-e2e-${PORT_BASE}`;

/**
 * Short-lived on purpose: the app refreshes an access token once it is within
 * APP_REFRESH_SKEW_SECONDS of expiry, so with 65 s a token is due for a refresh 5 s after it was
 * issued and the provider-token tests wait seconds, not an hour. Nothing else calls the provider.
 */
export const IDP_ACCESS_TOKEN_TTL = "65";
/** The app's refresh skew (REFRESH_SKEW_SECONDS in lib/providers/tokens/expiry.ts; a unit test keeps them equal). */
export const APP_REFRESH_SKEW_SECONDS = 60;
/** How long after it was issued (at a sign-in or a refresh) the app's access token is due for a refresh. */
export const REFRESH_DUE_AFTER_MS = (Number(IDP_ACCESS_TOKEN_TTL) - APP_REFRESH_SKEW_SECONDS) * 1000;

export const TEST_AUTH_SECRET = "e2e-only-secret-0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * The Dev IdP's client secret in the e2e stack: the app runs as a production build, which refuses
 * the published development secret (lib/config/env.ts).
 */
export const DEV_IDP_TEST_CLIENT_SECRET = "e2e-dev-idp-client-secret-not-the-published-one";

/**
 * The Dev IdP's second client: the same IdP configured in the app a second time, as the generic
 * OIDC provider ("oidc"), so account linking has two providers to link. Only instances that set
 * AUTH_OIDC_* (e2e/support/security-instance.ts) show its button.
 */
export const SECOND_CLIENT = { clientId: "oauth-next-app-oidc", clientSecret: "e2e-second-client-secret", name: "Dev IdP (OIDC)" } as const;

/**
 * The shared e2e servers sign in many times a minute from one address; their limits are raised so
 * only e2e/security/rate-limits.spec.ts (on an instance of its own, with low limits) meets them.
 */
export const RELAXED_RATE_LIMITS = {
  RATE_LIMIT_SIGN_IN_IP: "1000/60",
  RATE_LIMIT_SIGN_IN_ACCOUNT: "1000/60",
  RATE_LIMIT_CALLBACK_IP: "1000/60",
  RATE_LIMIT_BEARER_IP: "1000/60",
  RATE_LIMIT_BEARER_ACCOUNT: "1000/60",
} as const;

export function idpServerEnv(): Record<string, string> {
  return {
    DEV_IDP_PORT: new URL(IDP_URL).port,
    DEV_IDP_ISSUER: IDP_URL,
    DEV_IDP_CLIENT_SECRET: DEV_IDP_TEST_CLIENT_SECRET,
    DEV_IDP_REDIRECT_URIS: ALL_APP_URLS.map((u) => `${u}/api/auth/callback/dev-idp`).join(","),
    DEV_IDP_POST_LOGOUT_REDIRECT_URIS: ALL_APP_URLS.map((u) => `${u}/`).join(","),
    // Each app instance gets its own logout token when a session at the IdP ends (instances that
    // are not running just miss theirs; the IdP logs the failed delivery).
    DEV_IDP_BACKCHANNEL_LOGOUT_URIS: ALL_APP_URLS.map((u) => `${u}/api/auth/backchannel-logout`).join(","),
    DEV_IDP_ACCESS_TOKEN_TTL: IDP_ACCESS_TOKEN_TTL,
    DEV_IDP_TEST_API: "1",
    DEV_IDP_EXTRA_CLIENT_ID: SECOND_CLIENT.clientId,
    DEV_IDP_EXTRA_CLIENT_SECRET: SECOND_CLIENT.clientSecret,
    DEV_IDP_EXTRA_CLIENT_REDIRECT_URIS: ALL_APP_URLS.map((u) => `${u}/api/auth/callback/oidc`).join(","),
  };
}

export function appServerEnv(appUrl: string): Record<string, string> {
  return {
    PORT: new URL(appUrl).port,
    NEXT_DIST_DIR: E2E_DIST_DIR,
    AUTH_URL: appUrl,
    AUTH_SECRET: TEST_AUTH_SECRET,
    AUTH_DEV_IDP: "1",
    DEV_IDP_ISSUER: IDP_URL,
    DEV_IDP_CLIENT_SECRET: DEV_IDP_TEST_CLIENT_SECRET,
    ...RELAXED_RATE_LIMITS,
  };
}
