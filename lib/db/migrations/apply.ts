// Applying the migrations folder to a database (`npm run db:migrate`, and
// in-memory PGlite databases on connect).
import path from "node:path";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { DatabaseConnectionError, describeDriverError } from "./errors";
import { readMigrationsList, resolvePaths, type MigrationOptions } from "./folder";
import { NO_FILTER, withSchemaEngine } from "./schema-engine";

export interface ApplyMigrationsResult {
  /** Names of the migrations applied by this call, oldest first. */
  applied: string[];
  /** Number of migrations in the folder. */
  total: number;
}

/**
 * Applies every migration in the migrations folder that the database has not
 * recorded in `_prisma_migrations` yet, in name order. Re-running applies
 * nothing. A failing migration is recorded as failed (as Prisma does) and
 * the error is thrown; fix it, then resolve it as Prisma's docs describe.
 */
export async function applyMigrations(
  factory: SqlMigrationAwareDriverAdapterFactory,
  options: MigrationOptions = {},
): Promise<ApplyMigrationsResult> {
  const paths = resolvePaths(options);
  const log = options.log ?? (() => {});
  const migrationsList = await readMigrationsList(paths.migrationsDir);
  const total = migrationsList.migrationDirectories.length;
  if (total === 0) {
    log(`No migrations in ${path.relative(paths.projectRoot, paths.migrationsDir) || paths.migrationsDir}.`);
    return { applied: [], total };
  }
  // Connect ourselves first and keep that connection until the engine is
  // done. Errors raised inside the engine's connect() come back as opaque
  // engine errors; raised here, a locked PGlite folder or an unreachable
  // server keeps its own clear message. Holding the connection also keeps a
  // shared PGlite instance open across the engine's own connects.
  const preflight = await connectOrExplain(factory, options.databaseLabel);
  let appliedMigrationNames: string[];
  try {
    ({ appliedMigrationNames } = await withSchemaEngine(factory, paths, (engine) =>
      engine.applyMigrations({ migrationsList, filters: NO_FILTER }),
    ));
  } finally {
    await preflight.dispose().catch(() => {});
  }
  for (const name of appliedMigrationNames) log(`Applied ${name}`);
  log(
    appliedMigrationNames.length === 0
      ? `Database is up to date (${total} migration${total === 1 ? "" : "s"}).`
      : `Applied ${appliedMigrationNames.length} of ${total} migration${total === 1 ? "" : "s"}.`,
  );
  return { applied: appliedMigrationNames, total };
}

/**
 * The database's own connection, with its own message when it cannot be
 * reached (see applyMigrations).
 */
async function connectOrExplain(factory: SqlMigrationAwareDriverAdapterFactory, label: string | undefined): Promise<SqlDriverAdapter> {
  const adapter = await factory.connect(); // PGlite lock errors pass through as they are
  try {
    await adapter.queryRaw({ sql: "SELECT 1", args: [], argTypes: [] });
    return adapter;
  } catch (error) {
    await adapter.dispose().catch(() => {});
    throw new DatabaseConnectionError(`Cannot connect to ${label ?? "the database"}: ${describeDriverError(error)}`, { cause: error });
  }
}
