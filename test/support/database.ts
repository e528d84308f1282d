// Throw-away, fully migrated databases for tests:
//
//   const t = await createTestDatabase();
//   try { await t.db.user.create(…) } finally { await t.close() }
//
// Where: TEST_DATABASE_URL unset (or pglite:memory) → a private in-memory
// PGlite per call. TEST_DATABASE_URL=postgres://… → a new schema per call on
// that server, migrated, and dropped on close(), so test files running in
// parallel never see each other's rows.
//
// The parts are in ./database/: pglite.ts (and pglite-recycling.ts,
// pglite-catalog.ts), postgres.ts, and server.ts for a database per process
// (e2e app servers).
import type { DatabaseTarget } from "../../lib/db/database-url";
import { parseDatabaseUrl } from "../../lib/db/database-url";
import { createPGliteTestDatabase } from "./database/pglite";
import { createPostgresTestDatabase } from "./database/postgres";
import type { TestDatabase } from "./database/test-database";

export type { TestDatabase } from "./database/test-database";
export { createServerDatabase, dropServerDatabase, type ServerDatabase } from "./database/server";

export interface CreateTestDatabaseOptions {
  /** Defaults to process.env.TEST_DATABASE_URL. */
  url?: string;
  /** Defaults to process.cwd(); where prisma/migrations is. */
  projectRoot?: string;
}

/** Which database createTestDatabase will use, for test names and logs. */
export function testDatabaseTarget(url = process.env.TEST_DATABASE_URL): Exclude<DatabaseTarget, { kind: "pglite" }> {
  const target = parseDatabaseUrl(url || "pglite:memory", { variableName: "TEST_DATABASE_URL" });
  if (target.kind === "pglite") {
    throw new Error(
      "TEST_DATABASE_URL must be unset, pglite:memory or a postgres:// URL: tests never use a PGlite folder, " +
        "which only one process may open.",
    );
  }
  return target;
}

export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const target = testDatabaseTarget(options.url ?? process.env.TEST_DATABASE_URL);
  const projectRoot = options.projectRoot ?? process.cwd();
  return target.kind === "postgres" ? createPostgresTestDatabase(target, projectRoot) : createPGliteTestDatabase(projectRoot);
}
