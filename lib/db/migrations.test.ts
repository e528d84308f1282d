import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdapterFactory } from "./adapter-factory";
import { pgliteAdapterFactoryFor } from "./pglite/adapter";
import { parseDatabaseUrl, type DatabaseTarget } from "./database-url";
import { applyMigrations, createMigration, diffMigrationsToSchema, MigrationError } from "./migrations";
import { createEmptyMemoryPGlite } from "./pglite/memory";
import { createServerDatabase } from "../../test/support/database";
import { integrationTargets, POSTGRES_TODO, postgresNotConfigured } from "../../test/support/database-targets";

const root = process.cwd();
const migrationsDir = path.join(root, "prisma", "migrations");
const committedMigrations = fs
  .readdirSync(migrationsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

describe("the committed migrations", () => {
  it("exist, with Prisma's lock file", () => {
    expect(committedMigrations.length).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(migrationsDir, "migration_lock.toml"), "utf8")).toContain('provider = "postgresql"');
  });

  it("match prisma/schema.prisma (else: npm run db:migration:new -- <name>)", async () => {
    const pending = await diffMigrationsToSchema();
    expect(
      pending,
      "prisma/schema.prisma has changes that no migration creates. Run `npm run db:migration:new -- <name>` and commit the new folder in prisma/migrations.",
    ).toBe("");
  });
});

/** A fresh, empty database on each target, as a factory plus a way to run SQL. */
interface FreshDatabase {
  factory: SqlMigrationAwareDriverAdapterFactory;
  query<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

async function freshDatabase(url: string): Promise<FreshDatabase> {
  const target = parseDatabaseUrl(url, { variableName: "TEST_DATABASE_URL" });
  if (target.kind === "postgres") {
    const schema = `migrations_test_${process.pid}_${Date.now().toString(36)}`;
    const admin = await createAdapterFactory({ ...target, schema: undefined }).connect();
    await admin.executeScript(`CREATE SCHEMA "${schema}"`);
    const factory = createAdapterFactory({ ...target, schema });
    const conn: SqlDriverAdapter = await factory.connect();
    return {
      factory,
      query: async <T>(sql: string) => rowsOf<T>(await conn.queryRaw({ sql, args: [], argTypes: [] })),
      async close() {
        await conn.dispose();
        await admin.executeScript(`DROP SCHEMA "${schema}" CASCADE`);
        await admin.dispose();
      },
    };
  }
  const pglite: PGlite = await createEmptyMemoryPGlite();
  return {
    factory: pgliteAdapterFactoryFor(pglite),
    query: async <T>(sql: string) => (await pglite.query<T>(sql)).rows,
    close: () => pglite.close(),
  };
}

function rowsOf<T>(result: { columnNames: string[]; rows: unknown[][] }): T[] {
  return result.rows.map((row) => Object.fromEntries(result.columnNames.map((c, i) => [c, row[i]])) as T);
}

describe.each(integrationTargets())("applyMigrations on $name", ({ url }) => {
  let database: FreshDatabase;
  beforeAll(async () => {
    database = await freshDatabase(url);
  });
  afterAll(async () => {
    await database?.close();
  });

  it("applies every migration to an empty database, recording them as Prisma does", async () => {
    const lines: string[] = [];
    const result = await applyMigrations(database.factory, { log: (l) => lines.push(l) });
    expect(result).toEqual({ applied: committedMigrations, total: committedMigrations.length });
    expect(lines.at(-1)).toMatch(/^Applied \d+ of \d+ migrations?\.$/);

    const rows = await database.query<{
      migration_name: string;
      checksum: string;
      finished_at: unknown;
      rolled_back_at: unknown;
      applied_steps_count: number;
    }>(`SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`);
    expect(rows.map((r) => r.migration_name)).toEqual(committedMigrations);
    for (const row of rows) {
      // `prisma migrate deploy` compares this checksum with the file: equal means it can take over.
      const sql = fs.readFileSync(path.join(migrationsDir, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(Number(row.applied_steps_count)).toBe(1);
    }

    const tables = await database.query<{ t: string }>(
      `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`,
    );
    expect(tables.map((r) => r.t)).toEqual(
      expect.arrayContaining(["Account", "User", "UserSession", "VerificationToken", "_prisma_migrations"]),
    );
  });

  it("applies nothing when run again", async () => {
    const lines: string[] = [];
    const result = await applyMigrations(database.factory, { log: (l) => lines.push(l) });
    expect(result).toEqual({ applied: [], total: committedMigrations.length });
    expect(lines).toEqual([expect.stringMatching(/^Database is up to date/)]);
    const [count] = await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM _prisma_migrations`);
    expect(Number(count?.n)).toBe(committedMigrations.length);
  });
});

/** `npm run db:migrate` as a developer or a deployment runs it, against `databaseUrl`. */
function npmRunDbMigrate(databaseUrl: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      "npm",
      ["run", "--silent", "db:migrate"],
      { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** A new, empty database on the server that a separate process can migrate (dropped by close()). */
async function databaseForScript(serverUrl: string): Promise<{ url: string; target: DatabaseTarget; close(): Promise<void> }> {
  const database = await createServerDatabase(serverUrl, `migrate_script_test_${process.pid}`);
  return { url: database.url, target: parseDatabaseUrl(database.url), close: database.drop };
}

/** The `_prisma_migrations` table exactly as Prisma's schema engine creates it for PostgreSQL. */
const PRISMA_MIGRATIONS_COLUMNS = [
  { name: "id", type: "character varying(36)", nullable: false, default: null },
  { name: "checksum", type: "character varying(64)", nullable: false, default: null },
  { name: "finished_at", type: "timestamp with time zone", nullable: true, default: null },
  { name: "migration_name", type: "character varying(255)", nullable: false, default: null },
  { name: "logs", type: "text", nullable: true, default: null },
  { name: "rolled_back_at", type: "timestamp with time zone", nullable: true, default: null },
  { name: "started_at", type: "timestamp with time zone", nullable: false, default: "now()" },
  { name: "applied_steps_count", type: "integer", nullable: false, default: "0" },
];

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// `prisma migrate deploy` cannot run here (Prisma's CLI downloads a native engine), so what it
// would write is spelled out: the same table, and per migration a row with a fresh UUID, the
// SHA-256 of migration.sql's bytes, started_at and finished_at set, no logs, not rolled back,
// one applied step. A database that has exactly that can be handed over to `prisma migrate deploy`.
// (PGlite records the same: lib/db/schema-parity.test.ts compares the two, table and rows.)
describe.each(integrationTargets().filter((t) => t.name === "PostgreSQL"))("npm run db:migrate on $name", ({ url }) => {
  let database: Awaited<ReturnType<typeof databaseForScript>>;
  let connection: SqlDriverAdapter | undefined;
  let firstRows: Record<string, unknown>[] = [];

  beforeAll(async () => {
    database = await databaseForScript(url);
  });
  afterAll(async () => {
    await connection?.dispose();
    await database?.close();
  });

  /** Queries the database the script migrated. */
  async function query<T>(sql: string): Promise<T[]> {
    connection ??= await createAdapterFactory(database.target).connect();
    return rowsOf<T>(await connection.queryRaw({ sql, args: [], argTypes: [] }));
  }

  it("applies every migration and records each exactly as `prisma migrate deploy` does", async () => {
    const before = Date.now();
    const { code, output } = await npmRunDbMigrate(database.url);
    const after = Date.now();
    expect(code, output).toBe(0);
    expect(output).toMatch(/^Migrating PostgreSQL at postgres/m);
    const password = new URL(database.url).password;
    if (password) expect(output, "the password stays out of the output").not.toContain(password);
    for (const name of committedMigrations) expect(output).toContain(`Applied ${name}`);

    const columns = await query<{ name: string; type: string; nullable: boolean; default: string | null }>(`
      SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
             pg_get_expr(d.adbin, d.adrelid) AS default
        FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = to_regclass('_prisma_migrations') AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY a.attnum`);
    expect(columns).toEqual(PRISMA_MIGRATIONS_COLUMNS);
    const [pk] = await query<{ def: string }>(`
      SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
       WHERE conrelid = to_regclass('_prisma_migrations') AND contype = 'p'`);
    expect(pk?.def).toBe("PRIMARY KEY (id)");

    const rows = await query<Record<string, unknown>>(`
      SELECT id, checksum, migration_name, logs, rolled_back_at, applied_steps_count::int AS applied_steps_count,
             extract(epoch FROM started_at)::float8 * 1000 AS started_ms,
             extract(epoch FROM finished_at)::float8 * 1000 AS finished_ms
        FROM _prisma_migrations ORDER BY started_at, migration_name`);
    expect(rows.map((r) => r.migration_name)).toEqual(committedMigrations);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    for (const row of rows) {
      const sql = fs.readFileSync(path.join(migrationsDir, String(row.migration_name), "migration.sql"));
      expect(row).toMatchObject({
        id: expect.stringMatching(UUID_V4),
        checksum: createHash("sha256").update(sql).digest("hex"),
        logs: null,
        rolled_back_at: null,
        applied_steps_count: 1,
      });
      const started = Number(row.started_ms);
      const finished = Number(row.finished_ms);
      // Same machine, same clock: allow for rounding only.
      expect(started).toBeGreaterThanOrEqual(before - 1_000);
      expect(finished).toBeGreaterThanOrEqual(started);
      expect(finished).toBeLessThanOrEqual(after + 1_000);
    }
    firstRows = rows;
  });

  it("changes nothing when run again", async () => {
    expect(firstRows.length).toBeGreaterThan(0);
    const { code, output } = await npmRunDbMigrate(database.url);
    expect(code, output).toBe(0);
    expect(output).toMatch(/Database is up to date \(\d+ migrations?\)\./);
    const rows = await query<Record<string, unknown>>(`
      SELECT id, checksum, migration_name, logs, rolled_back_at, applied_steps_count::int AS applied_steps_count,
             extract(epoch FROM started_at)::float8 * 1000 AS started_ms,
             extract(epoch FROM finished_at)::float8 * 1000 AS finished_ms
        FROM _prisma_migrations ORDER BY started_at, migration_name`);
    expect(rows).toEqual(firstRows);
  });
});

if (postgresNotConfigured()) it.todo(POSTGRES_TODO);

describe("creating migrations (in a copy of prisma/)", () => {
  let project: string;
  beforeAll(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "db-migrations-test-"));
    fs.cpSync(path.join(root, "prisma", "schema.prisma"), path.join(project, "prisma", "schema.prisma"));
    fs.cpSync(migrationsDir, path.join(project, "prisma", "migrations"), { recursive: true });
  });
  afterAll(() => {
    fs.rmSync(project, { recursive: true, force: true });
  });

  it("creates nothing when the schema has not changed", async () => {
    expect(await createMigration("nothing", { projectRoot: project })).toBeNull();
  });

  it("writes <timestamp>_<name>/migration.sql for a schema change, which then applies", async () => {
    fs.appendFileSync(path.join(project, "prisma", "schema.prisma"), `\nmodel Note {\n  id   String @id\n  body String\n}\n`);
    const lines: string[] = [];
    const created = await createMigration("Add note", { projectRoot: project, log: (l) => lines.push(l) });
    expect(created).not.toBeNull();
    expect(created!.name).toMatch(/^\d{14}_add_note$/);
    expect(created!.file).toBe(path.join(project, "prisma", "migrations", created!.name, "migration.sql"));
    expect(fs.readFileSync(created!.file, "utf8")).toContain('CREATE TABLE "Note"');
    expect(lines).toEqual([`Created prisma/migrations/${created!.name}/migration.sql`]);
    expect(await diffMigrationsToSchema({ projectRoot: project })).toBe("");

    const pglite = await createEmptyMemoryPGlite();
    try {
      const result = await applyMigrations(pgliteAdapterFactoryFor(pglite), { projectRoot: project });
      expect(result.applied).toEqual([...committedMigrations, created!.name]);
      await pglite.query(`INSERT INTO "Note" (id, body) VALUES ('n1', 'hello')`);
    } finally {
      await pglite.close();
    }
  });

  it("writes migration_lock.toml for the first migration", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "db-migrations-first-"));
    try {
      fs.cpSync(path.join(root, "prisma", "schema.prisma"), path.join(empty, "prisma", "schema.prisma"));
      const created = await createMigration("init", { projectRoot: empty });
      expect(created!.sql).toContain('CREATE TABLE "User"');
      expect(fs.readFileSync(path.join(empty, "prisma", "migrations", "migration_lock.toml"), "utf8")).toBe(
        fs.readFileSync(path.join(migrationsDir, "migration_lock.toml"), "utf8"),
      );
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it("rejects names that leave nothing for the folder", async () => {
    await expect(createMigration("!!!", { projectRoot: project })).rejects.toThrow(/Invalid migration name/);
  });
});

/** A copy of prisma/ with one extra migration, in a temp folder. */
function projectWithExtraMigration(name: string, sql: string): string {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "db-migrations-extra-"));
  fs.cpSync(path.join(root, "prisma"), path.join(project, "prisma"), {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}generated`),
  });
  const dir = path.join(project, "prisma", "migrations", name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "migration.sql"), sql);
  return project;
}

describe.each(integrationTargets())("migration scripts on $name", ({ url }) => {
  it("run as one script: semicolons inside strings and function bodies are fine", async () => {
    const project = projectWithExtraMigration(
      "29990101000000_semicolons",
      `CREATE TABLE "Semi" (id int PRIMARY KEY, body text NOT NULL DEFAULT 'a;b');
CREATE FUNCTION semi_touch() RETURNS trigger AS $$
BEGIN
  NEW.body := NEW.body || '; touched';
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER semi_touch BEFORE INSERT ON "Semi" FOR EACH ROW EXECUTE FUNCTION semi_touch();
`,
    );
    const database = await freshDatabase(url);
    try {
      const result = await applyMigrations(database.factory, { projectRoot: project });
      expect(result.applied.at(-1)).toBe("29990101000000_semicolons");
      await database.query(`INSERT INTO "Semi" (id) VALUES (1)`);
      expect(await database.query(`SELECT body FROM "Semi"`)).toEqual([{ body: "a;b; touched" }]);
    } finally {
      await database.close();
      fs.rmSync(project, { recursive: true, force: true });
    }
  });

  it("a failing one names itself and the reason, leaves nothing behind, and is recorded as failed", async () => {
    const project = projectWithExtraMigration("29990101000000_bad", `CREATE TABLE "Half" (id int);\nINSERT INTO "Missing" VALUES (1);\n`);
    const database = await freshDatabase(url);
    try {
      const error = await applyMigrations(database.factory, { projectRoot: project }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toMatch(/^Migration 29990101000000_bad failed: .*Missing/);
      expect((error as Error).message).not.toMatch(/schema_engine|\.rs:\d+/);

      const rows = await database.query<{
        migration_name: string;
        finished_at: unknown;
        logs: string | null;
        rolled_back_at: unknown;
        applied_steps_count: number;
      }>(
        `SELECT migration_name, finished_at, logs, rolled_back_at, applied_steps_count::int AS applied_steps_count
           FROM _prisma_migrations ORDER BY migration_name`,
      );
      // As `prisma migrate deploy` records a failure: the error in logs, no step applied, not finished.
      expect(rows.at(-1)).toEqual({
        migration_name: "29990101000000_bad",
        finished_at: null,
        logs: expect.stringContaining("Missing"),
        rolled_back_at: null,
        applied_steps_count: 0,
      });
      // The script ran as one transaction: nothing of it is left.
      expect(await database.query(`SELECT to_regclass('"Half"')::text AS t`)).toEqual([{ t: null }]);

      // Prisma refuses to go on past a failed migration; so do we.
      await expect(applyMigrations(database.factory, { projectRoot: project })).rejects.toThrow(/failed migrations/);
    } finally {
      await database.close();
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});
