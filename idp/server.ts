/**
 * CLI entry: `npm run idp` (tsx idp/server.ts). Reads DEV_IDP_* from the environment
 * (and .env files via @next/env), starts the Dev IdP and stops it on SIGINT/SIGTERM.
 */
import { DevIdpConfigError, loadDevIdpConfig, type DevIdpConfig } from "./config";
import { startDevIdp } from "./provider";

async function main(): Promise<void> {
  let config: DevIdpConfig;
  try {
    config = loadDevIdpConfig();
  } catch (err) {
    if (err instanceof DevIdpConfigError) {
      console.error(`Dev IdP: invalid configuration: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }

  const idp = await startDevIdp(config);
  console.log(
    `Dev IdP listening on http://${config.host}:${idp.port} (issuer ${idp.issuer}, client ${idp.client.clientId}` +
      `${config.testApi ? ", test API on" : ""})`,
  );

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    idp.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`Dev IdP: error while stopping on ${signal}:`, err);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

main().catch((err: unknown) => {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE") {
    console.error("Dev IdP: the port is already in use (set DEV_IDP_PORT to use another one).");
  } else {
    console.error("Dev IdP failed to start:", err);
  }
  process.exit(1);
});
