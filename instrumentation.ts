// Runs once when the server starts: a misconfigured deployment stops here, with every problem
// named, instead of failing at someone's first sign-in.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { validateEnvOrExit } = await import("@/lib/env");
  validateEnvOrExit();
  const { checkDatabaseOrExit, closeDatabaseOnShutdown } = await import("@/lib/server-lifecycle");
  await checkDatabaseOrExit();
  closeDatabaseOnShutdown();
}
