// Prisma driver adapter factories over PGlite, loaded only when DATABASE_URL names PGlite
// (lib/db/adapter-factory.ts), so a deployment on PostgreSQL never loads PGlite.
import type { PGlite } from "@electric-sql/pglite";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { ScriptFixingAdapter } from "../script-adapter";
import { acquirePGlite, type PGliteHandle } from "./instances";
import { createEmptyMemoryPGlite } from "./memory";

/** The factory for a PGlite folder, or for the process's shared in-memory instance. */
export function pgliteAdapterFactory(location: string | "memory"): PGliteAdapterFactory {
  return new PGliteAdapterFactory(() => acquirePGlite(location));
}

/**
 * A factory over PGlite instances obtained from `open`, which is called on
 * every connect(); each adapter's dispose() releases what `open` returned.
 */
export class PGliteAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName = "pglite-prisma-adapter";

  constructor(private readonly open: () => Promise<Pick<PGliteHandle, "pglite" | "release">>) {}

  async connect(): Promise<SqlDriverAdapter> {
    const handle = await this.open();
    try {
      return pgliteAdapter(handle.pglite, () => handle.release());
    } catch (error) {
      await handle.release();
      throw error;
    }
  }

  /**
   * The schema engine's scratch database for diffing. pglite-prisma-adapter's
   * own version creates a PGlite it never closes (and from scratch, ~4 s);
   * ours starts from a snapshot and is closed on dispose().
   */
  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const pglite = await createEmptyMemoryPGlite();
    return pgliteAdapter(pglite, () => pglite.close());
  }
}

/** A factory over one PGlite instance the caller owns (e.g. a test database). */
export function pgliteAdapterFactoryFor(pglite: PGlite): PGliteAdapterFactory {
  return new PGliteAdapterFactory(async () => ({ pglite, release: async () => {} }));
}

/**
 * pglite-prisma-adapter 0.7.2, fixed: its executeScript() does not await
 * PGlite's exec(), so a failing script (e.g. a broken migration) resolves as
 * success and the error surfaces later as an unhandled rejection. And
 * dispose() releases the PGlite handle (closing the folder and its lock when
 * no one else uses it).
 */
async function pgliteAdapter(pglite: PGlite, release: () => Promise<void>): Promise<SqlDriverAdapter> {
  const inner = await new PrismaPGlite(pglite).connect();
  return new ScriptFixingAdapter(
    inner,
    async (script) => {
      await pglite.exec(script);
    },
    release,
  );
}
