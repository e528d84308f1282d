/**
 * Where the e2e stack listens and how it is configured. Ports differ from `npm run dev`'s
 * (3000/3001) so the tests can run while a developer's stack is up.
 */
export const APP_URL = "http://localhost:3100";
export const NO_PROXY_APP_URL = "http://localhost:3200";
export const IDP_URL = "http://127.0.0.1:3101";

/** Short-lived on purpose: tests may wait past it. */
export const IDP_ACCESS_TOKEN_TTL = "3600";

export const TEST_AUTH_SECRET = "e2e-only-secret-0123456789abcdefghijklmnopqrstuvwxyz";

export function idpServerEnv(): Record<string, string> {
  return {
    DEV_IDP_PORT: new URL(IDP_URL).port,
    DEV_IDP_ISSUER: IDP_URL,
    DEV_IDP_REDIRECT_URIS: [APP_URL, NO_PROXY_APP_URL].map((u) => `${u}/api/auth/callback/dev-idp`).join(","),
    DEV_IDP_POST_LOGOUT_REDIRECT_URIS: [APP_URL, NO_PROXY_APP_URL].map((u) => `${u}/`).join(","),
    DEV_IDP_ACCESS_TOKEN_TTL: IDP_ACCESS_TOKEN_TTL,
    DEV_IDP_TEST_API: "1",
  };
}

export function appServerEnv(appUrl: string): Record<string, string> {
  return {
    PORT: new URL(appUrl).port,
    AUTH_URL: appUrl,
    AUTH_SECRET: TEST_AUTH_SECRET,
    AUTH_DEV_IDP: "1",
    DEV_IDP_ISSUER: IDP_URL,
  };
}
