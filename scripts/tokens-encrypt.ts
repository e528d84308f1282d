// npm run tokens:encrypt
//
// Encrypts every provider token still stored in plaintext, and moves tokens encrypted under an old
// key (TOKEN_ENCRYPTION_KEYS after the first) to the current key. Idempotent; run it after
// deploying encryption, and after every key rotation before removing the old key.
//
// Reads DATABASE_URL, AUTH_SECRET and TOKEN_ENCRYPTION_KEYS from the environment and .env files,
// as the app does. On the embedded PGlite database, stop the app first (one process per folder).
//
// Run with `node --conditions=react-server` (the npm script does): the app modules it uses are
// marked server-only, and that condition is what tells them they are on the server.
import nextEnv from "@next/env";

const { loadEnvConfig } = nextEnv;

async function main(): Promise<number> {
  loadEnvConfig(process.cwd(), process.env.NODE_ENV !== "production", { info: () => {}, error: console.error });
  // Imported after the .env files are loaded: these read the environment.
  const { getEnv } = await import("../lib/env");
  const { createPrismaClient } = await import("../lib/db/client");
  const { describeDatabaseTarget, parseDatabaseUrl } = await import("../lib/db/database-url");
  const { createTokenKeyring } = await import("../lib/token-keys");
  const { encryptAllProviderTokens } = await import("../lib/token-reencryption");

  const target = parseDatabaseUrl(process.env.DATABASE_URL);
  if (target.kind === "pglite-memory") {
    console.error("DATABASE_URL=pglite:memory is a per-process database: there is nothing to encrypt from outside.");
    return 2;
  }
  const keyring = await createTokenKeyring(getEnv().tokenEncryptionSecrets);
  const db = createPrismaClient(target);
  try {
    console.log(`Encrypting provider tokens in ${describeDatabaseTarget(target)} with key ${keyring.current.kid}`);
    const report = await encryptAllProviderTokens(db, keyring, (line) => console.warn(`  ${line}`));
    console.log(`  ${report.accounts} accounts, ${report.rewritten} rewritten, ${report.unreadable} unreadable`);
    return report.unreadable > 0 ? 1 : 0;
  } finally {
    await db.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`\n${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exit(1);
  },
);
