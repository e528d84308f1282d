// npm run tokens:encrypt
//
// Encrypts every provider token still stored in plaintext, and moves every secret encrypted under
// an old key (TOKEN_ENCRYPTION_KEYS after the first) to the current key: provider tokens and the
// API signing keys' private halves. Idempotent; run it after deploying encryption, and after every
// key rotation before removing the old key. Exits 1 when some row could not be decrypted.
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
  const { getEnv } = await import("../lib/config/env");
  const { createPrismaClient } = await import("../lib/db/client");
  const { describeDatabaseTarget, parseDatabaseUrl } = await import("../lib/db/database-url");
  const { createTokenKeyring } = await import("../lib/encryption/keyring");
  const { encryptAllSecrets } = await import("../lib/encryption/rewrite");

  const target = parseDatabaseUrl(process.env.DATABASE_URL);
  if (target.kind === "pglite-memory") {
    console.error("DATABASE_URL=pglite:memory is a per-process database: there is nothing to encrypt from outside.");
    return 2;
  }
  const keyring = await createTokenKeyring(getEnv().tokenEncryptionSecrets);
  const db = createPrismaClient(target);
  try {
    console.log(`Encrypting secrets at rest in ${describeDatabaseTarget(target)} with key ${keyring.current.kid}`);
    const { providerTokens, signingKeys } = await encryptAllSecrets(db, keyring, (line) => console.warn(`  ${line}`));
    console.log(
      `  provider tokens: ${providerTokens.accounts} accounts, ${providerTokens.rewritten} rewritten, ${providerTokens.unreadable} unreadable`,
    );
    console.log(`  API signing keys: ${signingKeys.keys} keys, ${signingKeys.rewritten} rewritten, ${signingKeys.unreadable} unreadable`);
    return providerTokens.unreadable + signingKeys.unreadable > 0 ? 1 : 0;
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
