// In-memory PGlite test databases.
//
// Speed: a new PGlite costs ~4 s (initdb) and migrating it a bit more, so we
// migrate once, snapshot the result (dumpDataDir) and start test databases
// from the snapshot (~1-2 s). The snapshot is cached on disk, keyed by the
// PGlite version and the migrations' contents, so each vitest worker (one
// per test file) does not rebuild it. And close() empties the instance and
// keeps it for the next call in the same process (~10 ms), see pglite-recycling.ts.
import { createHash } from "node:crypto";
import path from "node:path";
import { pgliteAdapterFactoryFor } from "../../../lib/db/pglite/adapter";
import { pgliteTransport } from "../../../lib/db/change-feed";
import { createPrismaClientWithAdapter } from "../../../lib/db/client";
import { applyMigrations, readMigrationsList } from "../../../lib/db/migrations";
import { cachedSnapshot, createEmptyMemoryPGlite, createMemoryPGliteFrom } from "../../../lib/db/pglite/memory";
import { schemaFingerprint, userTableRowCounts } from "./pglite-catalog";
import { addIdle, recycleOrClose, takeIdle } from "./pglite-recycling";
import { once, type TestDatabase } from "./test-database";

export async function createPGliteTestDatabase(projectRoot: string): Promise<TestDatabase> {
  const template = await migratedTemplate(projectRoot);
  const pglite = takeIdle(template.id) ?? (await createMemoryPGliteFrom(template.snapshot));
  const db = createPrismaClientWithAdapter(pgliteAdapterFactoryFor(pglite));
  return {
    db,
    label: "in-memory PGlite",
    changeTransport: pgliteTransport(async () => ({ pglite, release: async () => {} })),
    close: once(async () => {
      await db.$disconnect();
      await recycleOrClose(pglite, template);
    }),
  };
}

export interface Template {
  id: string;
  snapshot: Blob;
  /** Fingerprint of the migrated schema, to tell whether a test changed it. */
  fingerprint: string;
  /** True when the migrations leave rows in tables (seed data): no recycling then. */
  hasData: boolean;
}

const templates = new Map<string, Promise<Template>>();

/** An in-memory database with every migration applied, as a snapshot. */
async function migratedTemplate(projectRoot: string): Promise<Template> {
  const migrationsDir = path.join(projectRoot, "prisma", "migrations");
  const list = await readMigrationsList(migrationsDir);
  const hash = createHash("sha256");
  for (const m of list.migrationDirectories) {
    hash.update(`${m.path}\n${m.migrationFile.content.value}\n`);
  }
  const id = hash.digest("hex");
  let template = templates.get(id);
  if (!template) {
    template = (async () => {
      const snapshot = await cachedSnapshot(
        "migrated",
        async () => {
          const pglite = await createEmptyMemoryPGlite();
          try {
            await applyMigrations(pgliteAdapterFactoryFor(pglite), { projectRoot });
            return await pglite.dumpDataDir("none");
          } finally {
            await pglite.close();
          }
        },
        id,
      );
      // Start the first test database from the snapshot and describe it; it
      // then becomes the first idle instance.
      const pglite = await createMemoryPGliteFrom(snapshot);
      const fingerprint = await schemaFingerprint(pglite);
      const hasData = (await userTableRowCounts(pglite)).some((n) => n > 0);
      const t: Template = { id, snapshot, fingerprint, hasData };
      if (hasData) await pglite.close();
      else addIdle(id, pglite);
      return t;
    })();
    templates.set(id, template);
    template.catch(() => templates.delete(id));
  }
  return template;
}
