// Turns DATABASE_URL into a description of which database to use.
//
// Pure parsing, no I/O: this runs when server modules are imported (including
// during `next build`), so it must never open, create or connect to anything.
//
// Accepted forms:
//   (unset or empty)          embedded PGlite in <project>/.data/pglite
//   pglite:<path>             embedded PGlite in that folder (relative to the project root, or absolute)
//   pglite:memory             in-memory PGlite, gone when the process exits (tests)
//   postgres://… / postgresql://…   a PostgreSQL server through @prisma/adapter-pg
import path from "node:path";

/** Where the embedded database lives when DATABASE_URL is unset. */
export const DEFAULT_PGLITE_DIR = ".data/pglite";

/**
 * Pool size for PostgreSQL when DATABASE_POOL_MAX is unset. Small on purpose:
 * on serverless hosts every instance gets its own pool, and many small pools
 * exhaust a server's max_connections long before one big pool would.
 */
export const DEFAULT_POOL_MAX = 5;

/** How long to wait for a PostgreSQL connection before failing the query. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export type DatabaseTarget =
  | {
      kind: "pglite";
      /** Absolute path of the PGlite data folder. */
      dataDir: string;
    }
  | { kind: "pglite-memory" }
  | {
      kind: "postgres";
      /** Connection string as given, minus a Prisma-style `schema` parameter. */
      url: string;
      /** Postgres schema to use (from `?schema=`), or undefined for the server default (public). */
      schema: string | undefined;
      poolMax: number;
      connectTimeoutMs: number;
    };

export class DatabaseUrlError extends Error {
  override name = "DatabaseUrlError";
}

const ACCEPTED_FORMS = [
  "unset (embedded PGlite in .data/pglite)",
  "pglite:<path> (embedded PGlite in that folder, relative to the project root or absolute)",
  "pglite:memory (in-memory PGlite, for tests)",
  "postgres://user:password@host:5432/db or postgresql://… (PostgreSQL server; optional ?schema=name)",
].join("; ");

export interface ParseDatabaseUrlOptions {
  /**
   * Base for relative PGlite paths. Defaults to process.cwd(): npm scripts,
   * `next dev/build/start` and vitest all run from the project root, and
   * bundled server code has no reliable notion of "this file's folder".
   */
  projectRoot?: string;
  /** Where to read DATABASE_POOL_MAX from (defaults to process.env). */
  env?: Record<string, string | undefined>;
  /** Name of the variable being parsed, for error messages. */
  variableName?: string;
}

export function parseDatabaseUrl(raw: string | undefined, options: ParseDatabaseUrlOptions = {}): DatabaseTarget {
  const projectRoot = options.projectRoot ?? process.cwd();
  const env = options.env ?? process.env;
  const variable = options.variableName ?? "DATABASE_URL";
  const value = raw?.trim() ?? "";

  if (value === "") {
    return { kind: "pglite", dataDir: path.resolve(projectRoot, DEFAULT_PGLITE_DIR) };
  }

  if (/^pglite:/i.test(value)) {
    const location = value.slice("pglite:".length);
    if (location === "memory" || location === "memory://") return { kind: "pglite-memory" };
    if (location.trim() === "") {
      throw new DatabaseUrlError(
        `${variable}="pglite:" needs a folder, e.g. pglite:.data/pglite or pglite:memory. Accepted forms: ${ACCEPTED_FORMS}.`,
      );
    }
    return { kind: "pglite", dataDir: path.resolve(projectRoot, location) };
  }

  if (/^postgres(ql)?:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new DatabaseUrlError(
        `${variable} is not a valid PostgreSQL URL (${redactDatabaseUrl(value)}). Accepted forms: ${ACCEPTED_FORMS}.`,
      );
    }
    if (url.hostname === "" && !url.searchParams.has("host")) {
      throw new DatabaseUrlError(`${variable} has no host (${redactDatabaseUrl(value)}). Accepted forms: ${ACCEPTED_FORMS}.`);
    }
    // `?schema=` is Prisma's convention, not libpq's: pg would ignore it, so we
    // take it out and apply it ourselves (search_path + the adapter's schema).
    const schema = url.searchParams.get("schema") ?? undefined;
    url.searchParams.delete("schema");
    return {
      kind: "postgres",
      url: url.toString(),
      schema: schema === "" ? undefined : schema,
      poolMax: parsePoolMax(env.DATABASE_POOL_MAX),
      connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    };
  }

  throw new DatabaseUrlError(
    `${variable} is not a supported database URL (${redactDatabaseUrl(value)}). Accepted forms: ${ACCEPTED_FORMS}.`,
  );
}

function parsePoolMax(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return DEFAULT_POOL_MAX;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new DatabaseUrlError(`DATABASE_POOL_MAX must be a positive integer, got "${raw}".`);
  }
  return n;
}

/**
 * The URL with any password replaced by "***", safe for logs and error
 * messages. Works on malformed input too (best effort), because that is
 * exactly when we print it.
 */
export function redactDatabaseUrl(raw: string): string {
  let out = raw;
  try {
    const url = new URL(raw);
    if (url.password !== "") {
      url.password = "***";
      out = url.toString();
    }
  } catch {
    // Not parseable: fall through to the textual rules below.
  }
  return (
    out
      // scheme://user:password@host — the password may itself contain ':' or '/'.
      .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:)(.*)@/i, (m, head: string, pw: string) => (pw === "***" ? m : `${head}***@`))
      // libpq-style ?password=… / &password=…
      .replace(/([?&]password=)[^&#]*/gi, "$1***")
  );
}

/** One line for logs: which database, never a password. */
export function describeDatabaseTarget(target: DatabaseTarget): string {
  switch (target.kind) {
    case "pglite":
      return `PGlite at ${target.dataDir}`;
    case "pglite-memory":
      return "in-memory PGlite";
    case "postgres":
      return `PostgreSQL at ${redactDatabaseUrl(target.url)}${target.schema ? ` (schema ${target.schema})` : ""}`;
  }
}
