import { EXTRA_APP_URLS, IDP_URL, SECOND_CLIENT } from "./stack";
import { freshPgliteDatabase, productionEnv, startApp, waitUntilReady, type AppProcess } from "./app-process";

/**
 * An extra instance of the e2e build for the abuse and linking tests: its own fresh database, the
 * Dev IdP a second time as the generic OIDC provider (SECOND_CLIENT), and whatever rate limits the
 * test asks for. The shared servers keep exactly one provider button and relaxed limits.
 */
export interface SecurityInstance {
  app: AppProcess;
  url: string;
  stop(): Promise<void>;
}

export async function startSecurityInstance(limits: Record<string, string>): Promise<SecurityInstance> {
  const url = EXTRA_APP_URLS.security;
  const port = Number(new URL(url).port);
  const database = freshPgliteDatabase();
  const app = startApp(
    port,
    productionEnv(port, {
      DATABASE_URL: database.url,
      AUTH_OIDC_ISSUER: IDP_URL,
      AUTH_OIDC_ID: SECOND_CLIENT.clientId,
      AUTH_OIDC_SECRET: SECOND_CLIENT.clientSecret,
      AUTH_OIDC_NAME: SECOND_CLIENT.name,
      ...limits,
    }),
  );
  try {
    await waitUntilReady(app);
  } catch (error) {
    await app.stop();
    database.remove();
    throw error;
  }
  return {
    app,
    url,
    async stop() {
      await app.stop();
      database.remove();
    },
  };
}
