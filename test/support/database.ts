// Throw-away, fully migrated databases for tests:
//
//   const t = await createTestDatabase();
//   try { await t.db.user.create(…) } finally { await t.close() }
//
// Where: TEST_DATABASE_URL unset (or pglite:memory) → a private in-memory
// PGlite per call. TEST_DATABASE_URL=postgres://… → a new schema per call on
// that server, migrated, and dropped on close(), so test files running in
// parallel never see each other's rows.
//
// Speed: a new PGlite costs ~4 s (initdb) and migrating it a bit more, so we
// migrate once, snapshot the result (dumpDataDir) and start test databases
// from the snapshot (~1-2 s). The snapshot is cached on disk, keyed by the
// PGlite version and the migrations' contents, so each vitest worker (one
// per test file) does not rebuild it. And close() empties the instance and
// keeps it for the next call in the same process (~10 ms), see below.
import { createHash } from "node:crypto";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { SqlDriverAdapter } from "@prisma/driver-adapter-utils";
import type { PrismaClient } from "../../prisma/generated/client";
import { createAdapterFactory, pgliteAdapterFactoryFor } from "../../lib/db/adapter-factory";
import { pgliteTransport, postgresTransport, type OpenTransport } from "../../lib/db/change-feed";
import { createPrismaClientWithAdapter } from "../../lib/db/client";
import { describeDatabaseTarget, parseDatabaseUrl, type DatabaseTarget } from "../../lib/db/database-url";
import { applyMigrations, readMigrationsList } from "../../lib/db/migrations";
import { cachedSnapshot, createEmptyMemoryPGlite, createMemoryPGliteFrom } from "../../lib/db/pglite-memory";

export interface TestDatabase {
  db: PrismaClient;
  /** Which database this is, for messages ("in-memory PGlite", "PostgreSQL … (schema test_…)"). */
  label: string;
  /** A connection of its own that listens for the database's session changes (lib/db/change-feed.ts). */
  changeTransport: OpenTransport;
  /** Disconnects and deletes the database. Safe to call twice. */
  close(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Defaults to process.env.TEST_DATABASE_URL. */
  url?: string;
  /** Defaults to process.cwd(); where prisma/migrations is. */
  projectRoot?: string;
}

/** Which database createTestDatabase will use, for test names and logs. */
export function testDatabaseTarget(
  url = process.env.TEST_DATABASE_URL,
): Exclude<DatabaseTarget, { kind: "pglite" }> {
  const target = parseDatabaseUrl(url || "pglite:memory", { variableName: "TEST_DATABASE_URL" });
  if (target.kind === "pglite") {
    throw new Error(
      "TEST_DATABASE_URL must be unset, pglite:memory or a postgres:// URL: tests never use a PGlite folder, " +
        "which only one process may open.",
    );
  }
  return target;
}

export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const target = testDatabaseTarget(options.url ?? process.env.TEST_DATABASE_URL);
  const projectRoot = options.projectRoot ?? process.cwd();
  return target.kind === "postgres"
    ? createPostgresTestDatabase(target, projectRoot)
    : createPGliteTestDatabase(projectRoot);
}

async function createPGliteTestDatabase(projectRoot: string): Promise<TestDatabase> {
  const template = await migratedTemplate(projectRoot);
  const pglite = idle.get(template.id)?.pop() ?? (await createMemoryPGliteFrom(template.snapshot));
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

interface Template {
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
      else idleFor(id).push(pglite);
      return t;
    })();
    templates.set(id, template);
    template.catch(() => templates.delete(id));
  }
  return template;
}

// Recycling. Starting a PGlite costs ~1-2 s; emptying one costs a few ms. So
// close() puts the instance back, emptied, for the next createTestDatabase
// in this process, unless that could make it differ from a fresh one: the
// test changed the schema, or the migrations themselves insert rows (which
// emptying would remove). Session state (settings, temp tables, prepared
// statements, LISTEN, advisory locks) is reset with DISCARD ALL.
//
// An open PGlite re-arms a 10 s timer forever, which keeps a process (a
// vitest worker) alive; so idle instances are closed after a short while.
// Tests that create a database per test pick the idle one up within
// milliseconds; after the last test the worker is free to exit.
const MAX_IDLE = 2;
const IDLE_CLOSE_MS = 1_000;
const idle = new Map<string, IdleList>();

class IdleList {
  private readonly items: { pglite: PGlite; timer: NodeJS.Timeout }[] = [];
  get length(): number {
    return this.items.length;
  }
  push(pglite: PGlite): void {
    const item = {
      pglite,
      timer: setTimeout(() => {
        const i = this.items.indexOf(item);
        if (i >= 0) this.items.splice(i, 1);
        void pglite.close().catch(() => {});
      }, IDLE_CLOSE_MS),
    };
    item.timer.unref();
    this.items.push(item);
  }
  pop(): PGlite | undefined {
    const item = this.items.pop();
    if (item) clearTimeout(item.timer);
    return item?.pglite;
  }
}

function idleFor(id: string): IdleList {
  let list = idle.get(id);
  if (!list) idle.set(id, (list = new IdleList()));
  return list;
}

async function recycleOrClose(pglite: PGlite, template: Template): Promise<void> {
  const list = idleFor(template.id);
  try {
    if (!template.hasData && list.length < MAX_IDLE && !pglite.closed && !pglite.isInTransaction()) {
      await pglite.exec("DISCARD ALL");
      if ((await schemaFingerprint(pglite)) === template.fingerprint) {
        await emptyUserTables(pglite);
        list.push(pglite);
        return;
      }
    }
  } catch {
    // Anything odd: don't reuse it.
  }
  if (!pglite.closed) await pglite.close();
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'`;

/** Tables, columns, indexes, constraints, sequences, functions, triggers, views, types, extensions. */
async function schemaFingerprint(pglite: PGlite): Promise<string> {
  const { rows } = await pglite.query<{ fp: string }>(`
    SELECT md5(string_agg(item, E'\n' ORDER BY item)) AS fp FROM (
      SELECT format('rel %s.%s %s', n.nspname, c.relname, c.relkind) AS item
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMAS}
      UNION ALL
      SELECT format('col %s.%s.%s %s %s %s', n.nspname, c.relname, a.attname,
                    format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid))
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attnum > 0 AND NOT a.attisdropped AND ${USER_SCHEMAS}
      UNION ALL
      SELECT format('con %s.%s %s', n.nspname, co.conname, pg_get_constraintdef(co.oid))
        FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace WHERE ${USER_SCHEMAS}
      UNION ALL
      SELECT format('idx %s', pg_get_indexdef(i.indexrelid))
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE ${USER_SCHEMAS}
      UNION ALL
      SELECT format('fn %s.%s(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${USER_SCHEMAS}
      UNION ALL
      SELECT format('trg %s %s', t.tgrelid::regclass, t.tgname) FROM pg_trigger t WHERE NOT t.tgisinternal
      UNION ALL
      SELECT format('type %s.%s', n.nspname, t.typname)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ${USER_SCHEMAS}
      UNION ALL
      SELECT format('ns %s', n.nspname) FROM pg_namespace n WHERE ${USER_SCHEMAS}
      UNION ALL
      SELECT format('ext %s %s', extname, extversion) FROM pg_extension
    ) items`);
  return rows[0]?.fp ?? "";
}

/** Ordinary tables in user schemas, except Prisma's migration history. */
async function userTables(pglite: PGlite): Promise<string[]> {
  const { rows } = await pglite.query<{ name: string }>(`
    SELECT format('%I.%I', n.nspname, c.relname) AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMAS} AND c.relname <> '_prisma_migrations'`);
  return rows.map((r) => r.name);
}

async function userTableRowCounts(pglite: PGlite): Promise<number[]> {
  const counts: number[] = [];
  for (const table of await userTables(pglite)) {
    const { rows } = await pglite.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    counts.push(rows[0]?.n ?? 0);
  }
  return counts;
}

async function emptyUserTables(pglite: PGlite): Promise<void> {
  const tables = await userTables(pglite);
  if (tables.length > 0) await pglite.exec(`TRUNCATE ${tables.join(", ")} RESTART IDENTITY CASCADE`);
  // Sequences not owned by a column are not reset by RESTART IDENTITY.
  const { rows } = await pglite.query<{ name: string }>(`
    SELECT format('%I.%I', n.nspname, c.relname) AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'S' AND ${USER_SCHEMAS}`);
  for (const { name } of rows) await pglite.exec(`ALTER SEQUENCE ${name} RESTART`);
}

async function createPostgresTestDatabase(
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

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

/** A database of its own on a PostgreSQL server, for a whole process (e.g. an e2e app server). */
export interface ServerDatabase {
  /** DATABASE_URL for it. */
  url: string;
  /** Its name: `<prefix>_<random>`. */
  name: string;
  /** "database oauth_e2e_app_3100_x1y2z3" or "schema …", for logs. */
  label: string;
  /** Deletes it (and everything in it). Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * A new, empty database named `<prefix>_<random>` on the server in
 * `serverUrl`. A database, not a schema, so that the app sees exactly what it
 * sees in production (its tables in `public`); when the role may not create
 * databases, a schema of that name in the URL's database instead (`?schema=`).
 *
 * Databases and schemas named `<prefix>_…` are leftovers of runs that were
 * killed before they could drop theirs: they are dropped first. So a prefix
 * must belong to one user at a time (e2e servers use their port in it).
 *
 * Nothing is migrated: run `npm run db:migrate` with the returned URL.
 */
export async function createServerDatabase(serverUrl: string, prefix: string): Promise<ServerDatabase> {
  const server = serverTarget(serverUrl);
  const name = `${prefix}_${Math.random().toString(36).slice(2, 8).padEnd(6, "0")}`;
  assertIdentifier(prefix);
  assertIdentifier(name);
  const admin = await createAdapterFactory({ ...server, schema: undefined, poolMax: 1 }).connect();
  let kind: "database" | "schema" = "database";
  try {
    for (const leftover of await namesWithPrefix(admin, prefix)) await dropNamed(admin, leftover);
    try {
      await admin.executeScript(`CREATE DATABASE "${name}"`);
    } catch (error) {
      if (sqlState(error) !== "42501") throw error; // insufficient_privilege: no CREATEDB
      kind = "schema";
      await admin.executeScript(`CREATE SCHEMA "${name}"`);
    }
  } finally {
    await admin.dispose();
  }
  const url = new URL(serverUrl);
  if (kind === "database") {
    url.pathname = `/${name}`;
    url.searchParams.delete("schema");
  } else {
    url.searchParams.set("schema", name);
  }
  return {
    url: url.toString(),
    name,
    label: `${kind} ${name}`,
    drop: once(() => dropServerDatabase(serverUrl, name)),
  };
}

/**
 * Drops the database or schema `name` that createServerDatabase made
 * (disconnecting anyone still in it). Nothing there is fine.
 */
export async function dropServerDatabase(serverUrl: string, name: string): Promise<void> {
  const server = serverTarget(serverUrl);
  assertIdentifier(name);
  const admin = await createAdapterFactory({ ...server, schema: undefined, poolMax: 1 }).connect();
  try {
    await dropNamed(admin, name);
  } finally {
    await admin.dispose();
  }
}

const TEXT_ARG = { scalarType: "string", dbType: "TEXT", arity: "scalar" } as const;

/** Databases and schemas called `<prefix>_…`. */
async function namesWithPrefix(admin: SqlDriverAdapter, prefix: string): Promise<string[]> {
  const pattern = `${prefix.replace(/_/g, "\\_")}\\_%`;
  const result = await admin.queryRaw({
    sql: `SELECT datname FROM pg_database WHERE datname LIKE $1 UNION SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`,
    args: [pattern],
    argTypes: [TEXT_ARG],
  });
  return result.rows.map((row) => String(row[0]));
}

async function dropNamed(admin: SqlDriverAdapter, name: string): Promise<void> {
  const found = await admin.queryRaw({
    sql: `SELECT (SELECT count(*)::int FROM pg_database WHERE datname = $1), (SELECT count(*)::int FROM pg_namespace WHERE nspname = $1)`,
    args: [name],
    argTypes: [TEXT_ARG],
  });
  const [databases, schemas] = (found.rows[0] ?? [0, 0]).map(Number);
  if (databases) {
    try {
      // WITH (FORCE): PostgreSQL 13+; ends the sessions of a server that was killed mid-query.
      await admin.executeScript(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } catch (error) {
      if (sqlState(error) !== "42601") throw error; // syntax_error: before PostgreSQL 13
      await admin.executeScript(`DROP DATABASE IF EXISTS "${name}"`);
    }
  }
  if (schemas) await admin.executeScript(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
}

function serverTarget(url: string): Extract<DatabaseTarget, { kind: "postgres" }> {
  const target = parseDatabaseUrl(url, { variableName: "the server URL" });
  if (target.kind !== "postgres") throw new Error(`Not a PostgreSQL server URL: ${describeDatabaseTarget(target)}`);
  return target;
}

function assertIdentifier(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Not a plain lower-case identifier: "${name}"`);
}

/** The SQLSTATE of a PostgreSQL error as the driver adapter reports it. */
function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { originalCode?: unknown; code?: unknown } } | null;
  const code = e?.cause?.originalCode ?? e?.cause?.code ?? e?.code;
  return typeof code === "string" ? code : undefined;
}
