// Runs once when the server starts: a misconfigured deployment stops here, with every problem
// named, instead of failing at someone's first sign-in.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { ConfigError, getEnv } = await import("@/lib/env");
  try {
    getEnv();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`\n${error.message}\n\nSee .env.example and the README's Configuration section.\n`);
    process.exit(1);
  }
}
