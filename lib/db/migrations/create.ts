// Creating a migration from changes to schema.prisma (`npm run
// db:migration:new`), and the diff it is made of.
import fs from "node:fs";
import path from "node:path";
import { MigrationError } from "./errors";
import {
  MIGRATION_LOCK_TOML,
  migrationSlug,
  migrationTimestamp,
  readMigrationsList,
  readSchemaFiles,
  resolvePaths,
  type MigrationOptions,
  type MigrationPaths,
} from "./folder";
import { withScratchFactory } from "./scratch-database";
import { NO_FILTER, withSchemaEngine } from "./schema-engine";

export interface CreatedMigration {
  /** Folder name, e.g. 20250101120000_add_profile. */
  name: string;
  /** Absolute path of the new migration.sql. */
  file: string;
  sql: string;
}

/**
 * Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that
 * takes a database from the current migrations to schema.prisma, plus
 * migration_lock.toml, like `prisma migrate dev --create-only`. Returns null
 * (and writes nothing) when the schema has no changes.
 *
 * (The WASM engine's own createMigration cannot use a driver adapter's shadow
 * database for PostgreSQL, so we diff and write the folder ourselves, with
 * the same names and files Prisma's CLI would write.)
 */
export async function createMigration(name: string, options: MigrationOptions = {}): Promise<CreatedMigration | null> {
  const paths = resolvePaths(options);
  const log = options.log ?? (() => {});
  const slug = migrationSlug(name);

  const sql = await diffMigrationsToSchema(paths);
  if (sql === "") {
    log("schema.prisma matches the migrations: nothing to create.");
    return null;
  }

  const folder = `${migrationTimestamp(new Date())}_${slug}`;
  const dir = path.join(paths.migrationsDir, folder);
  if (fs.existsSync(dir)) throw new MigrationError(`The migration folder already exists: ${dir}`);
  await fs.promises.mkdir(dir, { recursive: true });
  const file = path.join(dir, "migration.sql");
  await fs.promises.writeFile(file, `${sql}\n`, "utf8");
  // Same text Prisma's CLI writes; `prisma migrate` checks the provider in it.
  await fs.promises.writeFile(path.join(paths.migrationsDir, "migration_lock.toml"), MIGRATION_LOCK_TOML, "utf8");
  log(`Created ${path.relative(paths.projectRoot, file)}`);
  return { name: folder, file, sql };
}

/**
 * SQL that would take a database from the migrations folder to schema.prisma;
 * empty when they match. Used by the test that fails when someone edits
 * schema.prisma without creating a migration.
 */
export async function diffMigrationsToSchema(options: MigrationPaths = {}): Promise<string> {
  const paths = resolvePaths(options);
  const migrationsList = await readMigrationsList(paths.migrationsDir);
  // Before the first migration there is no lock file; the engine needs it to
  // know the provider, which for us is always PostgreSQL.
  migrationsList.lockfile.content ??= MIGRATION_LOCK_TOML;
  const schema = await readSchemaFiles(paths.schemaPath);
  const result = await withScratchFactory((factory) =>
    withSchemaEngine(factory, paths, (engine) =>
      engine.diff({
        from: { tag: "migrations", ...migrationsList },
        to: { tag: "schemaDatamodel", ...schema },
        script: true,
        exitCode: true,
        filters: NO_FILTER,
      }),
    ),
  );
  // exitCode 2 means "there is a difference" (as in `prisma migrate diff --exit-code`).
  return result.exitCode === 2 ? (result.stdout ?? "").trim() : "";
}
