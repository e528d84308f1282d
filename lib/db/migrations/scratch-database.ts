// The throw-away database that diffs replay the migrations into (Prisma's
// "shadow database"): always an in-memory PGlite, whatever DATABASE_URL says.
import type { PGlite } from "@electric-sql/pglite";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PGliteAdapterFactory } from "../pglite/adapter";
import { createEmptyMemoryPGlite } from "../pglite/memory";

let scratch: { pglite: Promise<PGlite>; used?: boolean; closeTimer?: NodeJS.Timeout } | undefined;
let scratchQueue: Promise<void> = Promise.resolve();

/** Drops every user schema (and so everything in it), then recreates public. */
const EMPTY_DATABASE_SQL = `
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
             AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname);
  END LOOP;
END $$;
CREATE SCHEMA public;
`;

/**
 * Runs `fn` with a factory for diffing: an empty in-memory PGlite. The engine
 * connects to its "main" database as soon as it starts (unused when diffing
 * migrations against the schema) and then asks for a shadow database to
 * replay the migrations into; both get the same instance, which the engine
 * resets around its use.
 *
 * Starting a PGlite costs ~1-2 s, so the instance is kept for the next diff
 * in this process and closed after a second of disuse (an open PGlite keeps
 * the process alive). Diffs take turns, and an instance a failed diff may
 * have left dirty is not reused.
 */
export async function withScratchFactory<T>(fn: (factory: SqlMigrationAwareDriverAdapterFactory) => Promise<T>): Promise<T> {
  const run = scratchQueue.then(async () => {
    if (scratch) clearTimeout(scratch.closeTimer);
    const current = scratch ?? { pglite: createEmptyMemoryPGlite() };
    scratch = current;
    let pglite: PGlite;
    try {
      pglite = await current.pglite;
      // The WASM engine replays migrations into the shadow database without
      // emptying it afterwards: empty it before reuse.
      if (current.used) await pglite.exec(EMPTY_DATABASE_SQL);
      current.used = true;
    } catch (error) {
      scratch = undefined;
      throw error;
    }
    const factory = new PGliteAdapterFactory(async () => ({ pglite, release: async () => {} }));
    factory.connectToShadowDb = () => factory.connect();
    try {
      const result = await fn(factory);
      current.closeTimer = setTimeout(() => {
        if (scratch === current) scratch = undefined;
        void pglite.close().catch(() => {});
      }, 1_000);
      current.closeTimer.unref();
      return result;
    } catch (error) {
      scratch = undefined;
      await pglite.close().catch(() => {});
      throw error;
    }
  });
  scratchQueue = run.then(
    () => {},
    () => {},
  );
  return run;
}
