// Reading a PGlite database's catalog: what its schema is (to tell whether a
// test changed it) and what its tables hold (to empty them for reuse).
import type { PGlite } from "@electric-sql/pglite";

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'`;

/** Tables, columns, indexes, constraints, sequences, functions, triggers, views, types, extensions. */
export async function schemaFingerprint(pglite: PGlite): Promise<string> {
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

export async function userTableRowCounts(pglite: PGlite): Promise<number[]> {
  const counts: number[] = [];
  for (const table of await userTables(pglite)) {
    const { rows } = await pglite.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    counts.push(rows[0]?.n ?? 0);
  }
  return counts;
}

/** Every user table emptied and every sequence restarted: the schema stays. */
export async function emptyUserTables(pglite: PGlite): Promise<void> {
  const tables = await userTables(pglite);
  if (tables.length > 0) await pglite.exec(`TRUNCATE ${tables.join(", ")} RESTART IDENTITY CASCADE`);
  // Sequences not owned by a column are not reset by RESTART IDENTITY.
  const { rows } = await pglite.query<{ name: string }>(`
    SELECT format('%I.%I', n.nspname, c.relname) AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'S' AND ${USER_SCHEMAS}`);
  for (const { name } of rows) await pglite.exec(`ALTER SEQUENCE ${name} RESTART`);
}
