// npm run db:migrate                      apply pending migrations to DATABASE_URL
// npm run db:migration:new -- <name>      create prisma/migrations/<ts>_<name>/ from schema.prisma changes
//
// DATABASE_URL comes from the environment or .env / .env.local (loaded the
// way Next.js loads them). Unset means the embedded PGlite database in
// .data/pglite; see lib/db/database-url.ts for the accepted forms.
// @next/env is a CommonJS bundle whose named exports Node's ESM loader cannot
// see, so take the default (module.exports) and destructure.
import nextEnv from "@next/env";
import { createAdapterFactory } from "../lib/db/adapter-factory";
import { DatabaseUrlError, describeDatabaseTarget, parseDatabaseUrl } from "../lib/db/database-url";
import { applyMigrations, createMigration, MigrationError } from "../lib/db/migrations";
import { PGliteLockedError } from "../lib/db/pglite/lock";

const { loadEnvConfig } = nextEnv;

const USAGE = `Usage:
  npm run db:migrate                     apply pending migrations to DATABASE_URL
  npm run db:migration:new -- <name>     create a migration from changes to prisma/schema.prisma`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h") {
    console.log(USAGE);
    return 0;
  }

  if (command === "new") {
    const name = rest.join(" ").trim();
    if (name === "") {
      console.error(`db:migration:new needs a name.\n${USAGE}`);
      return 2;
    }
    const created = await createMigration(name, { log: (line) => console.log(line) });
    if (created) {
      console.log("Review it, then run `npm run db:migrate` to apply it and commit it with the schema change.");
    }
    return 0;
  }

  if (command !== undefined) {
    console.error(`Unknown command "${command}".\n${USAGE}`);
    return 2;
  }

  // Same files, same precedence as `next dev` (dev) or `next start` (production).
  loadEnvConfig(process.cwd(), process.env.NODE_ENV !== "production", { info: () => {}, error: console.error });
  // Migrations take locks and keep session state, which a transaction-mode pooler does not carry:
  // where the platform gives a direct URL beside the pooled one (Neon's Vercel integration sets
  // DATABASE_URL_UNPOOLED), migrate through it.
  const variable = process.env.DATABASE_URL_UNPOOLED ? "DATABASE_URL_UNPOOLED" : "DATABASE_URL";
  const target = parseDatabaseUrl(process.env[variable], { variableName: variable });
  const label = describeDatabaseTarget(target);
  if (target.kind === "pglite-memory") {
    console.error(
      "DATABASE_URL=pglite:memory is a per-process database: there is nothing to migrate from outside " +
        "(the app migrates it itself when it starts). Point DATABASE_URL at a folder or a server.",
    );
    return 2;
  }
  console.log(`Migrating ${label}`);
  try {
    await applyMigrations(createAdapterFactory(target), {
      log: (line) => console.log(`  ${line}`),
      databaseLabel: label,
    });
  } catch (error) {
    // Prisma's way out (`prisma migrate resolve`) cannot reach an embedded
    // database; for a local one, starting over is usually what you want.
    if (error instanceof MigrationError && target.kind === "pglite") {
      error.message +=
        `\n\nFix the migration. For a local development database you can start over: stop the app, ` +
        `delete ${target.dataDir} (this deletes its data), then run npm run db:migrate again.`;
    }
    throw error;
  }
  return 0;
}

/** Errors we expect and can explain in one line; anything else gets its stack. */
function isExpected(error: unknown): error is Error {
  return (
    error instanceof PGliteLockedError ||
    error instanceof DatabaseUrlError ||
    error instanceof MigrationError ||
    (error instanceof Error && error.name === "DatabaseConnectionError")
  );
}

// Exit explicitly: the WASM schema engine leaves a 10 s timer behind after
// its work is done, which would otherwise keep the process alive that long.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isExpected(error)) {
      console.error(`\n${error.message}`);
    } else {
      console.error("\nUnexpected error:");
      console.error(error);
    }
    process.exit(1);
  },
);
