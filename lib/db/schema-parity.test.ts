// PGlite and PostgreSQL must end up with the same tables, columns, indexes
// and constraints. The single source of truth is prisma/schema.prisma plus
// prisma/migrations; this test applies the migrations to an empty in-memory
// PGlite and to an empty schema on the PostgreSQL server in
// TEST_DATABASE_URL, reads back what each database actually built (from
// information_schema and pg_catalog, not from our own files) and requires
// the two descriptions to be identical. It fails if a migration behaves
// differently on one of them (a PostgreSQL-version-specific default, an
// extension only one has, a statement the PGlite adapter runs differently),
// and so if the models the app sees drift between the embedded default and a
// real server.
//
// The two need not run the same PostgreSQL major version (PGlite 0.5 is
// PostgreSQL 18; Debian 12 ships 15), so the description leaves out what only
// says how a version stores things, e.g. PostgreSQL 18's catalogued NOT NULL
// constraints (nullability is compared per column instead).
import type { PGlite } from "@electric-sql/pglite";
import type { SqlDriverAdapter } from "@prisma/driver-adapter-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdapterFactory } from "./adapter-factory";
import { pgliteAdapterFactoryFor } from "./pglite/adapter";
import { applyMigrations } from "./migrations";
import { createEmptyMemoryPGlite } from "./pglite/memory";
import { testDatabaseTarget } from "../../test/support/database";
import { integrationTargets, POSTGRES_TODO, postgresNotConfigured } from "../../test/support/database-targets";

type Query = (sql: string) => Promise<Record<string, unknown>[]>;

/** Objects in the current schema, one line each, sorted; schema names replaced by "<schema>". */
async function describeSchema(query: Query): Promise<string[]> {
  const [{ schema }] = (await query(`SELECT current_schema() AS schema`)) as [{ schema: string }];
  const lines: string[] = [];
  const add = async (sql: string) => {
    for (const row of await query(sql)) lines.push(String(row.line));
  };

  // Tables, views, sequences, … (relkind), and whether they are logged.
  await add(`
    SELECT format('relation %s kind=%s persistence=%s rls=%s', c.relname, c.relkind, c.relpersistence, c.relrowsecurity) AS line
      FROM pg_class c
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')`);
  // Columns as information_schema reports them.
  await add(`
    SELECT format('column %s.%s #%s type=%s udt=%s length=%s precision=%s,%s datetime_precision=%s nullable=%s default=%s identity=%s generated=%s collation=%s',
                  table_name, column_name, ordinal_position, data_type, udt_name, character_maximum_length,
                  numeric_precision, numeric_scale, datetime_precision, is_nullable, column_default,
                  is_identity, is_generated, collation_name) AS line
      FROM information_schema.columns
     WHERE table_schema = current_schema()`);
  // Primary keys, unique, foreign keys (with their ON DELETE/UPDATE), checks, exclusions.
  // contype 'n' (NOT NULL, catalogued since PostgreSQL 18) is covered by the columns' nullable.
  await add(`
    SELECT format('constraint %s on %s type=%s %s deferrable=%s deferred=%s validated=%s',
                  co.conname, co.conrelid::regclass, co.contype, pg_get_constraintdef(co.oid),
                  co.condeferrable, co.condeferred, co.convalidated) AS line
      FROM pg_constraint co
     WHERE co.connamespace = current_schema()::regnamespace AND co.contype <> 'n'`);
  await add(`
    SELECT format('index %s', indexdef) AS line FROM pg_indexes WHERE schemaname = current_schema()`);
  await add(`
    SELECT format('sequence %s %s start=%s increment=%s', sequencename, data_type, start_value, increment_by) AS line
      FROM pg_sequences WHERE schemaname = current_schema()`);
  await add(`
    SELECT format('type %s kind=%s labels=%s', t.typname, t.typtype,
                  (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)) AS line
      FROM pg_type t
     WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype IN ('e', 'd', 'r', 'm')
        OR (t.typnamespace = current_schema()::regnamespace AND t.typtype = 'c'
            AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')`);
  await add(`
    SELECT format('view %s %s', viewname, definition) AS line FROM pg_views WHERE schemaname = current_schema()`);
  await add(`
    SELECT format('function %s(%s) %s', p.proname, pg_get_function_identity_arguments(p.oid), md5(replace(pg_get_functiondef(p.oid), quote_ident(current_schema()) || '.', '<schema>.'))) AS line
      FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p')`);
  await add(`
    SELECT format('trigger %s', pg_get_triggerdef(t.oid)) AS line
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal`);
  // Extensions are per database: one a migration creates must exist on both.
  await add(`SELECT format('extension %s', extname) AS line FROM pg_extension WHERE extname <> 'plpgsql'`);
  // Prisma's bookkeeping: the same migrations, recorded the same way.
  await add(`
    SELECT format('migration %s checksum=%s steps=%s finished=%s rolled_back=%s logs=%s', migration_name, checksum,
                  applied_steps_count, finished_at IS NOT NULL, rolled_back_at IS NOT NULL, logs) AS line
      FROM _prisma_migrations`);

  const qualified = new RegExp(`(?<![\\w"])(?:${escapeRegExp(schema)}|"${escapeRegExp(schema.replace(/"/g, '""'))}")\\.`, "g");
  return lines.map((line) => line.replace(qualified, "<schema>.")).sort();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function rowsOf(result: { columnNames: string[]; rows: unknown[][] }): Record<string, unknown>[] {
  return result.rows.map((row) => Object.fromEntries(result.columnNames.map((c, i) => [c, row[i]])));
}

const postgres = integrationTargets().find((t) => t.name === "PostgreSQL");

describe.runIf(postgres)("migrations build the same schema on PGlite and PostgreSQL", () => {
  let pglite: PGlite;
  let server: { conn: SqlDriverAdapter; admin: SqlDriverAdapter; schema: string } | undefined;
  const pgliteQuery: Query = async (sql) => (await pglite.query<Record<string, unknown>>(sql)).rows;
  const serverQuery: Query = async (sql) => rowsOf(await server!.conn.queryRaw({ sql, args: [], argTypes: [] }));

  beforeAll(async () => {
    pglite = await createEmptyMemoryPGlite();
    await applyMigrations(pgliteAdapterFactoryFor(pglite));

    const target = testDatabaseTarget(postgres!.url);
    if (target.kind !== "postgres") throw new Error("TEST_DATABASE_URL is not a PostgreSQL URL");
    const schema = `parity_${process.pid}_${Date.now().toString(36)}`;
    const admin = await createAdapterFactory({ ...target, schema: undefined, poolMax: 1 }).connect();
    await admin.executeScript(`CREATE SCHEMA "${schema}"`);
    const factory = createAdapterFactory({ ...target, schema, poolMax: 1 });
    server = { admin, schema, conn: await factory.connect() };
    await applyMigrations(factory);
  });

  afterAll(async () => {
    await pglite?.close();
    if (server) {
      await server.conn.dispose();
      await server.admin.executeScript(`DROP SCHEMA "${server.schema}" CASCADE`);
      await server.admin.dispose();
    }
  });

  it("describes what the migrations create (so an empty comparison cannot pass)", async () => {
    const description = await describeSchema(pgliteQuery);
    for (const table of ["User", "Account", "UserSession", "VerificationToken", "_prisma_migrations"]) {
      expect(description).toContain(`relation ${table} kind=r persistence=p rls=f`);
    }
    expect(description).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^column User\.email #\d+ type=text udt=text .* nullable=YES default= /),
        expect.stringMatching(
          /^constraint Account_userId_fkey on "Account" type=f FOREIGN KEY \("userId"\) REFERENCES "User"\(id\) ON UPDATE CASCADE ON DELETE CASCADE /,
        ),
        expect.stringMatching(/^index CREATE UNIQUE INDEX "User_email_key" ON <schema>\."User" USING btree \(email\)$/),
        expect.stringMatching(/^migration \d{14}_init checksum=[0-9a-f]{64} steps=1 finished=t rolled_back=f logs=$/),
      ]),
    );
  });

  it("PostgreSQL ends up with exactly what PGlite has", async () => {
    const [embedded, real] = await Promise.all([describeSchema(pgliteQuery), describeSchema(serverQuery)]);
    expect(real).toEqual(embedded);
  });

  it("notices a difference (here: a column changed on PGlite only)", async () => {
    await pglite.exec(`ALTER TABLE "SignInEvent" ALTER COLUMN "userAgent" TYPE varchar(80)`);
    const [embedded, real] = await Promise.all([describeSchema(pgliteQuery), describeSchema(serverQuery)]);
    expect(real).not.toEqual(embedded);
    expect(embedded.filter((line) => !real.includes(line))).toEqual([
      expect.stringMatching(/^column SignInEvent\.userAgent #\d+ type=character varying udt=varchar length=80 /),
    ]);
  });
});

if (postgresNotConfigured()) it.todo(POSTGRES_TODO);
