// What goes wrong when migrating, said in a line a person can act on: the
// database cannot be reached, or the schema engine (or a migration) failed.
import { isDriverAdapterError } from "@prisma/driver-adapter-utils";

/** The database could not be reached (server down, bad credentials, …). */
export class DatabaseConnectionError extends Error {
  override name = "DatabaseConnectionError";
}

/** A one-line reason from a pg/PGlite/driver-adapter error, without stack. */
export function describeDriverError(error: unknown): string {
  if (isDriverAdapterError(error)) {
    const cause = error.cause as {
      kind: string;
      originalMessage?: string;
      message?: string;
      reason?: string;
      host?: string;
      port?: number;
    };
    switch (cause.kind) {
      case "DatabaseNotReachable":
        return `no server answers at ${cause.host ?? "that host"}${cause.port ? `:${cause.port}` : ""} (is it running, and are host and port right?)`;
      case "ConnectionClosed":
        return "the server closed the connection";
      case "SocketTimeout":
        return "the connection timed out";
      case "TlsConnectionError":
        return `TLS error: ${cause.reason ?? "unknown"}`;
    }
    return cause.originalMessage ?? cause.message ?? cause.reason ?? cause.kind;
  }
  if (error instanceof AggregateError && error.errors.length > 0) {
    return describeDriverError(error.errors[0]);
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const text = error.message || code || error.name;
    return code && !text.includes(code) ? `${text} (${code})` : text;
  }
  return String(error);
}

/** Error from the schema engine, with its message made readable. */
export class MigrationError extends Error {
  override name = "MigrationError";
  constructor(
    message: string,
    /** Prisma's error code (e.g. P3018), if the engine gave one. */
    readonly code?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Our own errors, which already say what is wrong, pass through unchanged. */
const OWN_ERRORS = new Set(["MigrationError", "DatabaseConnectionError", "PGliteLockedError", "DatabaseUrlError"]);

/** The engine's error (plain text or JSON, with a Rust span trace) as a MigrationError. */
export function toMigrationError(error: unknown): unknown {
  if (error instanceof Error && OWN_ERRORS.has(error.name)) return error;
  const raw = error instanceof Error ? error.message : typeof error === "string" ? error : undefined;
  if (raw === undefined) return error;
  let message = raw;
  let code: string | undefined;
  // Some engine errors are JSON ({ is_panic, message, error_code, meta }).
  try {
    const parsed = JSON.parse(raw) as { message?: string; error_code?: string };
    if (typeof parsed.message === "string") {
      message = parsed.message;
      code = parsed.error_code;
    }
  } catch {
    // Plain text.
  }
  // The engine appends a span trace ("   0: sql_schema_connector::… at …rs:113")
  // that locates Rust code, not the problem; keep only the migration's name.
  const trace = message.search(/\n\s+0: /);
  const migration = trace >= 0 ? /migration_name="([^"]+)"/.exec(message.slice(trace))?.[1] : undefined;
  if (trace >= 0) message = message.slice(0, trace);
  message = message.replace(/^external connector error\n/, "").trim();
  if (migration) message = `Migration ${migration} failed: ${message}`;
  return new MigrationError(message, code, { cause: error });
}
