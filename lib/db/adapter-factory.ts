// Prisma driver adapter factories for each kind of DatabaseTarget.
//
// Deliberately free of 'server-only' so that scripts (db:migrate), the
// migration code and tests can use it outside Next.js.
//
// Laziness matters here: Prisma calls a factory's connect() on the first query,
// not when the PrismaClient is constructed. `next build` imports server
// modules in worker processes to collect page data; if constructing the
// client opened PGlite, every build would take the data folder's lock (and
// fail while `npm run dev` runs) and could create .data/pglite on a build
// machine. So nothing below touches a database or a folder before connect().
import { messages, type PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  DriverAdapterError,
  type ConnectionInfo,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
} from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { DatabaseTarget } from "./database-url";
import { acquirePGlite, type PGliteHandle } from "./pglite-instances";
import { createEmptyMemoryPGlite } from "./pglite-memory";

/**
 * The adapter factory for `target`. Opening happens in connect(): PGlite
 * folders are opened (and locked) there, PostgreSQL pools are created there.
 */
export function createAdapterFactory(target: DatabaseTarget): SqlMigrationAwareDriverAdapterFactory {
  switch (target.kind) {
    case "pglite":
      return new PGliteAdapterFactory(() => acquirePGlite(target.dataDir));
    case "pglite-memory":
      return new PGliteAdapterFactory(() => acquirePGlite("memory"));
    case "postgres":
      return createPostgresAdapterFactory(target);
  }
}

function createPostgresAdapterFactory(
  target: Extract<DatabaseTarget, { kind: "postgres" }>,
): SqlMigrationAwareDriverAdapterFactory {
  return new PrismaPg(
    {
      connectionString: target.url,
      max: target.poolMax,
      connectionTimeoutMillis: target.connectTimeoutMs,
      // Close idle connections fairly soon: serverless instances freeze
      // between requests, and a server-side timeout would otherwise kill
      // connections the pool still believes are alive.
      idleTimeoutMillis: 10_000,
      // Unqualified names in migrations and raw SQL must land in the same
      // schema Prisma's queries use.
      ...(target.schema ? { options: `-c search_path=${quoteIdent(target.schema)}` } : {}),
    },
    target.schema ? { schema: target.schema } : undefined,
  );
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
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
      const inner = await new PrismaPGlite(handle.pglite).connect();
      return new PGliteDriverAdapter(inner, handle.pglite, () => handle.release());
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
    const inner = await new PrismaPGlite(pglite).connect();
    return new PGliteDriverAdapter(inner, pglite, () => pglite.close());
  }
}

/** A factory over one PGlite instance the caller owns (e.g. a test database). */
export function pgliteAdapterFactoryFor(pglite: PGlite): PGliteAdapterFactory {
  return new PGliteAdapterFactory(async () => ({ pglite, release: async () => {} }));
}

/**
 * pglite-prisma-adapter 0.7.2 with two fixes:
 * - executeScript() does not await PGlite's exec(), so a failing script
 *   (e.g. a broken migration) resolves as success and the error surfaces
 *   later as an unhandled rejection. We await it and map the error.
 * - dispose() releases the PGlite handle (closing the folder and its lock
 *   when no one else uses it).
 */
class PGliteDriverAdapter implements SqlDriverAdapter {
  readonly provider = "postgres" as const;
  readonly adapterName: string;
  private disposed = false;

  constructor(
    private readonly inner: SqlDriverAdapter,
    private readonly pglite: PGlite,
    private readonly onDispose: () => Promise<void>,
  ) {
    this.adapterName = inner.adapterName;
  }

  queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return this.inner.queryRaw(query);
  }

  executeRaw(query: SqlQuery): Promise<number> {
    return this.inner.executeRaw(query);
  }

  async executeScript(script: string): Promise<void> {
    try {
      await this.pglite.exec(script);
    } catch (error) {
      throw toDriverAdapterError(error);
    }
  }

  startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    return this.inner.startTransaction(isolationLevel);
  }

  getConnectionInfo(): ConnectionInfo {
    return this.inner.getConnectionInfo?.() ?? { supportsRelationJoins: true };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      await this.inner.dispose();
    } finally {
      await this.onDispose();
    }
  }
}

function toDriverAdapterError(error: unknown): unknown {
  if (!(error instanceof messages.DatabaseError)) return error;
  return new DriverAdapterError({
    kind: "postgres",
    code: error.code ?? "N/A",
    severity: error.severity ?? "N/A",
    message: error.message,
    detail: error.detail,
    column: error.column,
    hint: error.hint,
    originalCode: error.code,
    originalMessage: error.message,
  });
}
