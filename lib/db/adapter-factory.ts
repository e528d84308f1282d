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
  const pg = new PrismaPg(
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
  // @prisma/adapter-pg's executeScript() splits the script on every ";" and
  // runs the pieces one by one: a ";" inside a string or a function body
  // breaks the script, and a failure halfway leaves the first half applied.
  // Prisma's native engine sends a migration as one simple-protocol query,
  // which PostgreSQL runs as one implicit transaction; we do the same.
  const wrap = (adapter: Awaited<ReturnType<PrismaPg["connect"]>>): SqlDriverAdapter =>
    new ScriptFixingAdapter(adapter, async (script) => {
      await adapter.underlyingDriver().query(script);
    });
  return {
    provider: pg.provider,
    adapterName: pg.adapterName,
    connect: async () => wrap(await pg.connect()),
    connectToShadowDb: async () => wrap(await pg.connectToShadowDb()),
  };
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

/** Delegates to `inner`, but runs scripts with `runScript` and calls `afterDispose`. */
class ScriptFixingAdapter implements SqlDriverAdapter {
  readonly provider = "postgres" as const;
  readonly adapterName: string;
  private disposed = false;

  constructor(
    private readonly inner: SqlDriverAdapter,
    private readonly runScript: (script: string) => Promise<void>,
    private readonly afterDispose: () => Promise<void> = async () => {},
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
      await this.runScript(script);
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
      await this.afterDispose();
    }
  }
}

/** A PostgreSQL error (from PGlite or pg) as Prisma's driver-adapter error; others unchanged. */
function toDriverAdapterError(error: unknown): unknown {
  if (!isPostgresError(error)) return error;
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

interface PostgresError extends Error {
  code?: string;
  severity?: string;
  detail?: string;
  column?: string;
  hint?: string;
}

function isPostgresError(error: unknown): error is PostgresError {
  if (error instanceof messages.DatabaseError) return true;
  // pg's DatabaseError (pg-protocol): a SQLSTATE code plus a severity.
  const e = error as PostgresError | null;
  return e instanceof Error && typeof e.code === "string" && typeof e.severity === "string";
}
