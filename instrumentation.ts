// Runs once when the server starts: a misconfigured deployment stops here, with every problem
// named, instead of failing at someone's first sign-in.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { validateEnvOrExit } = await import("@/lib/config/env");
  validateEnvOrExit();
  // The TCP peer's address, for TRUSTED_PROXY_HOPS=0 (lib/security/client-address.ts).
  const { installPeerAddressHeader } = await import("@/lib/security/peer-address");
  installPeerAddressHeader();
  const { checkDatabaseOrExit, closeDatabaseOnShutdown, registerDatabaseProbe } = await import("@/lib/server-lifecycle");
  registerDatabaseProbe();
  await checkDatabaseOrExit();
  closeDatabaseOnShutdown();
}
