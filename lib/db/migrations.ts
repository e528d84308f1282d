// Applying and creating migrations with Prisma's own schema engine (WASM).
//
// Why not `prisma migrate deploy` / `prisma migrate dev`: Prisma's CLI
// downloads a native schema-engine binary from outside the npm registry (not
// reachable here), and could never reach the embedded PGlite database anyway
// (it lives inside our process). The WASM build of the same engine takes a
// driver adapter instead of a URL, so one code path serves PGlite and
// PostgreSQL, and it keeps the standard `_prisma_migrations` table: Prisma's
// CLI (or any host that runs `prisma migrate deploy`) can take over later.
//
// Creating a migration diffs "the migrations folder applied to a scratch
// database" against schema.prisma, exactly like `prisma migrate dev
// --create-only`. The scratch (shadow) database is always an in-memory
// PGlite, whatever DATABASE_URL says: no server is needed to write a
// migration, and we never introspect a live database (the WASM engine's
// introspection through @prisma/adapter-pg fails on PostgreSQL "char" columns).
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import {
  bindMigrationAwareSqlAdapterFactory,
  isDriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine, SchemaFilter } from "@prisma/schema-engine-wasm/schema_engine_bg";
import { PGliteAdapterFactory } from "./adapter-factory";
import { createEmptyMemoryPGlite } from "./pglite-memory";

export interface MigrationPaths {
  /** Defaults to process.cwd() (npm scripts and vitest run from the project root). */
  projectRoot?: string;
  /** Defaults to <projectRoot>/prisma/migrations. */
  migrationsDir?: string;
  /** Defaults to <projectRoot>/prisma/schema.prisma. */
  schemaPath?: string;
}

export interface MigrationOptions extends MigrationPaths {
  /** Progress lines ("Applied 20250101_init"). Silent by default. */
  log?: (line: string) => void;
  /** How to name the database in error messages (see describeDatabaseTarget). */
  databaseLabel?: string;
}

export interface ApplyMigrationsResult {
  /** Names of the migrations applied by this call, oldest first. */
  applied: string[];
  /** Number of migrations in the folder. */
  total: number;
}

/**
 * Applies every migration in the migrations folder that the database has not
 * recorded in `_prisma_migrations` yet, in name order. Re-running applies
 * nothing. A failing migration is recorded as failed (as Prisma does) and
 * the error is thrown; fix it, then resolve it as Prisma's docs describe.
 */
export async function applyMigrations(
  factory: SqlMigrationAwareDriverAdapterFactory,
  options: MigrationOptions = {},
): Promise<ApplyMigrationsResult> {
  const paths = resolvePaths(options);
  const log = options.log ?? (() => {});
  const migrationsList = await readMigrationsList(paths.migrationsDir);
  const total = migrationsList.migrationDirectories.length;
  if (total === 0) {
    log(`No migrations in ${path.relative(paths.projectRoot, paths.migrationsDir) || paths.migrationsDir}.`);
    return { applied: [], total };
  }
  // Connect ourselves first and keep that connection until the engine is
  // done. Errors raised inside the engine's connect() come back as opaque
  // engine errors; raised here, a locked PGlite folder or an unreachable
  // server keeps its own clear message. Holding the connection also keeps a
  // shared PGlite instance open across the engine's own connects.
  const preflight = await connectOrExplain(factory, options.databaseLabel);
  let appliedMigrationNames: string[];
  try {
    ({ appliedMigrationNames } = await withSchemaEngine(factory, paths, (engine) =>
      engine.applyMigrations({ migrationsList, filters: NO_FILTER }),
    ));
  } finally {
    await preflight.dispose().catch(() => {});
  }
  for (const name of appliedMigrationNames) log(`Applied ${name}`);
  log(
    appliedMigrationNames.length === 0
      ? `Database is up to date (${total} migration${total === 1 ? "" : "s"}).`
      : `Applied ${appliedMigrationNames.length} of ${total} migration${total === 1 ? "" : "s"}.`,
  );
  return { applied: appliedMigrationNames, total };
}

export interface CreatedMigration {
  /** Folder name, e.g. 20250101120000_add_profile. */
  name: string;
  /** Absolute path of the new migration.sql. */
  file: string;
  sql: string;
}

/**
 * Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that
 * takes a database from the current migrations to schema.prisma, plus
 * migration_lock.toml, like `prisma migrate dev --create-only`. Returns null
 * (and writes nothing) when the schema has no changes.
 *
 * (The WASM engine's own createMigration cannot use a driver adapter's shadow
 * database for PostgreSQL, so we diff and write the folder ourselves, with
 * the same names and files Prisma's CLI would write.)
 */
export async function createMigration(
  name: string,
  options: MigrationOptions = {},
): Promise<CreatedMigration | null> {
  const paths = resolvePaths(options);
  const log = options.log ?? (() => {});
  const slug = migrationSlug(name);

  const sql = await diffMigrationsToSchema(paths);
  if (sql === "") {
    log("schema.prisma matches the migrations: nothing to create.");
    return null;
  }

  const folder = `${migrationTimestamp(new Date())}_${slug}`;
  const dir = path.join(paths.migrationsDir, folder);
  if (fs.existsSync(dir)) throw new MigrationError(`The migration folder already exists: ${dir}`);
  await fs.promises.mkdir(dir, { recursive: true });
  const file = path.join(dir, "migration.sql");
  await fs.promises.writeFile(file, `${sql}\n`, "utf8");
  // Same text Prisma's CLI writes; `prisma migrate` checks the provider in it.
  await fs.promises.writeFile(
    path.join(paths.migrationsDir, "migration_lock.toml"),
    MIGRATION_LOCK_TOML,
    "utf8",
  );
  log(`Created ${path.relative(paths.projectRoot, file)}`);
  return { name: folder, file, sql };
}

/** Prisma's migration folder prefix: UTC YYYYMMDDHHMMSS. */
function migrationTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/**
 * SQL that would take a database from the migrations folder to schema.prisma;
 * empty when they match. Used by the test that fails when someone edits
 * schema.prisma without creating a migration.
 */
export async function diffMigrationsToSchema(options: MigrationPaths = {}): Promise<string> {
  const paths = resolvePaths(options);
  const migrationsList = await readMigrationsList(paths.migrationsDir);
  // Before the first migration there is no lock file; the engine needs it to
  // know the provider, which for us is always PostgreSQL.
  migrationsList.lockfile.content ??= MIGRATION_LOCK_TOML;
  const schema = await readSchemaFiles(paths.schemaPath);
  const result = await withScratchFactory((factory) =>
    withSchemaEngine(factory, paths, (engine) =>
      engine.diff({
        from: { tag: "migrations", ...migrationsList },
        to: { tag: "schemaDatamodel", ...schema },
        script: true,
        exitCode: true,
        filters: NO_FILTER,
      }),
    ),
  );
  // exitCode 2 means "there is a difference" (as in `prisma migrate diff --exit-code`).
  return result.exitCode === 2 ? (result.stdout ?? "").trim() : "";
}

/** The migrations folder in the engine's format (as Prisma's CLI reads it). */
export async function readMigrationsList(migrationsDir: string): Promise<MigrationList> {
  const lockfilePath = "migration_lock.toml";
  const lockContent = await fs.promises
    .readFile(path.join(migrationsDir, lockfilePath), "utf8")
    .catch(() => null);
  let entries: fs.Dirent[] = [];
  try {
    entries = await fs.promises.readdir(migrationsDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const migrationDirectories = await Promise.all(
    entries
      .filter((e) => e.isDirectory())
      .map(async (e) => {
        const content = await fs.promises
          .readFile(path.join(migrationsDir, e.name, "migration.sql"), "utf8")
          .then((value) => ({ tag: "ok" as const, value }))
          .catch((error: Error) => ({ tag: "error" as const, value: error.message }));
        return { path: e.name, migrationFile: { path: "migration.sql", content } };
      }),
  );
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockfilePath, content: lockContent },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

/** Folder-name-safe version of a migration name ("Add profile" → "add_profile"). */
export function migrationSlug(name: string): string {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 200);
  if (slug === "") throw new MigrationError(`Invalid migration name "${name}": use letters, digits and underscores.`);
  return slug;
}

/** Exactly what Prisma's CLI writes to prisma/migrations/migration_lock.toml. */
const MIGRATION_LOCK_TOML =
  '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n';

const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

function resolvePaths(options: MigrationPaths): Required<MigrationPaths> {
  // This module reaches the app's bundle only for DATABASE_URL=pglite:memory
  // (see client.ts); without the comment Next.js's output tracing would copy
  // the whole project into the server build to be safe.
  const projectRoot = path.resolve(/*turbopackIgnore: true*/ options.projectRoot ?? process.cwd());
  return {
    projectRoot,
    migrationsDir: path.resolve(projectRoot, options.migrationsDir ?? "prisma/migrations"),
    schemaPath: path.resolve(projectRoot, options.schemaPath ?? "prisma/schema.prisma"),
  };
}

async function readSchemaFiles(schemaPath: string) {
  const content = await fs.promises.readFile(schemaPath, "utf8");
  return { files: [{ path: schemaPath, content }] };
}

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
async function withScratchFactory<T>(fn: (factory: SqlMigrationAwareDriverAdapterFactory) => Promise<T>): Promise<T> {
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


/**
 * Runs `fn` with a schema engine over `factory`, then frees the engine and
 * disposes every connection it opened: the engine has no "stop" that would
 * dispose adapters, and an undisposed PGlite handle keeps the data folder
 * (and its lock) open.
 */
async function withSchemaEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  paths: Required<MigrationPaths>,
  fn: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const { SchemaEngine } = await loadSchemaEngineModule();
  const opened: SqlDriverAdapter[] = [];
  const tracking: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const adapter = await factory.connect();
      opened.push(adapter);
      return adapter;
    },
    async connectToShadowDb() {
      const adapter = await factory.connectToShadowDb();
      opened.push(adapter);
      return adapter;
    },
  };
  const schema = await fs.promises.readFile(paths.schemaPath, "utf8");
  let engine: SchemaEngine | undefined;
  try {
    engine = await SchemaEngine.new(
      { datamodels: [[paths.schemaPath, schema]] },
      engineLog,
      bindMigrationAwareSqlAdapterFactory(tracking),
    );
    return await fn(engine);
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) {
      // A Rust panic: this WASM instance must not be used again.
      engineModule = undefined;
      engine = undefined;
      throw new MigrationError(`The schema engine crashed: ${lastEnginePanic ?? error.message}`, undefined, {
        cause: error,
      });
    }
    throw toMigrationError(error);
  } finally {
    engine?.free();
    for (const adapter of opened) {
      // Some adapters (pg pools) throw when disposed twice; the engine may
      // already have disposed a shadow database itself.
      await adapter.dispose().catch(() => {});
    }
  }
}

function engineLog(line: string): void {
  if (/\b(prisma|db)\b|\*/.test(process.env.DEBUG ?? "")) console.error(`[schema-engine] ${line}`);
}

/** The database could not be reached (server down, bad credentials, …). */
export class DatabaseConnectionError extends Error {
  override name = "DatabaseConnectionError";
}

async function connectOrExplain(
  factory: SqlMigrationAwareDriverAdapterFactory,
  label: string | undefined,
): Promise<SqlDriverAdapter> {
  const adapter = await factory.connect(); // PGlite lock errors pass through as they are
  try {
    await adapter.queryRaw({ sql: "SELECT 1", args: [], argTypes: [] });
    return adapter;
  } catch (error) {
    await adapter.dispose().catch(() => {});
    throw new DatabaseConnectionError(
      `Cannot connect to ${label ?? "the database"}: ${describeDriverError(error)}`,
      { cause: error },
    );
  }
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

function toMigrationError(error: unknown): unknown {
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

type SchemaEngineModule = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");
let engineModule: Promise<SchemaEngineModule> | undefined;
let lastEnginePanic: string | undefined;

/**
 * The package's entry point does `import * as wasm from "./x.wasm"` (ES
 * module integration for WASM), which Node 20 does not support without a
 * flag. So we do what that entry point does by hand: instantiate the .wasm
 * with the JS glue module as its imports, then hand it to the glue.
 */
function loadSchemaEngineModule(): Promise<SchemaEngineModule> {
  engineModule ??= (async () => {
    // The engine reports Rust panics through this global (Prisma Client sets
    // its own when loaded; keep that one).
    const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
    g.PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message(message: string) {
        lastEnginePanic = message;
      },
    };
    const glue = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    const gluePath = createRequire(path.join(process.cwd(), "package.json")).resolve(
      "@prisma/schema-engine-wasm/schema_engine_bg",
    );
    const bytes = await fs.promises.readFile(path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, {
      "./schema_engine_bg.js": glue as unknown as WebAssembly.ModuleImports,
    });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  engineModule.catch(() => {
    engineModule = undefined;
  });
  return engineModule;
}
