// Applying and creating migrations with Prisma's own schema engine (WASM).
//
// Why not `prisma migrate deploy` / `prisma migrate dev`: Prisma's CLI
// downloads a native schema-engine binary from outside the npm registry (not
// reachable here), and could never reach the embedded PGlite database anyway
// (it lives inside our process). The WASM build of the same engine takes a
// driver adapter instead of a URL, so one code path serves PGlite and
// PostgreSQL, and it keeps the standard `_prisma_migrations` table: Prisma's
// CLI (or any host that runs `prisma migrate deploy`) can take over later.
//
// Creating a migration diffs "the migrations folder applied to a scratch
// database" against schema.prisma, exactly like `prisma migrate dev
// --create-only`. The scratch (shadow) database is always an in-memory
// PGlite, whatever DATABASE_URL says: no server is needed to write a
// migration, and we never introspect a live database (the WASM engine's
// introspection through @prisma/adapter-pg fails on PostgreSQL "char" columns).
//
// This file is the public entry; the parts are in ./migrations/: folder.ts
// (paths, reading the folder, names), apply.ts, create.ts (new migrations and
// the diff), schema-engine.ts (loading and running the WASM engine),
// scratch-database.ts (the shadow database for diffs) and errors.ts.
export { applyMigrations, type ApplyMigrationsResult } from "./migrations/apply";
export { createMigration, diffMigrationsToSchema, type CreatedMigration } from "./migrations/create";
export { DatabaseConnectionError, describeDriverError, MigrationError } from "./migrations/errors";
export { migrationSlug, readMigrationsList, type MigrationOptions, type MigrationPaths } from "./migrations/folder";
