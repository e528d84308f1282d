// A driver adapter that runs migration scripts as one statement batch and turns PostgreSQL errors
// into Prisma's, shared by the PostgreSQL and PGlite adapters (lib/db/adapter-factory.ts,
// lib/db/pglite/adapter.ts). No 'server-only': scripts and tests use it too.
import {
  DriverAdapterError,
  type ConnectionInfo,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
} from "@prisma/driver-adapter-utils";

/** Delegates to `inner`, but runs scripts with `runScript` and calls `afterDispose`. */
export class ScriptFixingAdapter implements SqlDriverAdapter {
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
  // pg's DatabaseError (pg-protocol) and PGlite's copy of it: a SQLSTATE code plus a severity.
  const e = error as PostgresError | null;
  return e instanceof Error && typeof e.code === "string" && typeof e.severity === "string";
}
