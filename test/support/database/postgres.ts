// Test databases on the PostgreSQL server in TEST_DATABASE_URL: a migrated
// schema of its own per call, dropped on close().
import type { PrismaClient } from "../../../prisma/generated/client";
import { createAdapterFactory } from "../../../lib/db/adapter-factory";
import { postgresTransport } from "../../../lib/db/change-feed";
import { createPrismaClientWithAdapter } from "../../../lib/db/client";
import { describeDatabaseTarget, type DatabaseTarget } from "../../../lib/db/database-url";
import { applyMigrations } from "../../../lib/db/migrations";
import { once, type TestDatabase } from "./test-database";

export async function createPostgresTestDatabase(
  server: Extract<DatabaseTarget, { kind: "postgres" }>,
  projectRoot: string,
): Promise<TestDatabase> {
  // Unique per call and per process: vitest runs files in parallel workers.
  const schema = `test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = await createAdapterFactory({ ...server, schema: undefined, poolMax: 1 }).connect();
  const target = { ...server, schema, poolMax: 2 };
  const label = describeDatabaseTarget(target);
  let db: PrismaClient | undefined;

  const close = once(async () => {
    try {
      await db?.$disconnect();
    } finally {
      try {
        await admin.executeScript(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await admin.dispose();
      }
    }
  });

  try {
    await admin.executeScript(`CREATE SCHEMA "${schema}"`);
    await applyMigrations(createAdapterFactory(target), { projectRoot, databaseLabel: label });
    db = createPrismaClientWithAdapter(createAdapterFactory(target));
    // LISTEN is per database, not per schema: other test schemas' changes are heard too (harmless:
    // an extra eviction); tests look for their own ids.
    return { db, label, changeTransport: postgresTransport(server.url, server.connectTimeoutMs), close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}
