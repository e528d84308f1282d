import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createAdapterFactory } from "../../lib/db/adapter-factory";
import { createServerDatabase, createTestDatabase, dropServerDatabase, testDatabaseTarget } from "./database";
import { integrationTargets, POSTGRES_TODO, postgresNotConfigured } from "./database-targets";

const migrationCount = fs
  .readdirSync(path.join(process.cwd(), "prisma", "migrations"), { withFileTypes: true })
  .filter((e) => e.isDirectory()).length;

describe.each(integrationTargets())("createTestDatabase on $name", ({ name, url }) => {
  it("returns a fully migrated, empty database", async () => {
    const t = await createTestDatabase({ url });
    try {
      expect(t.label).toContain(name === "PostgreSQL" ? "PostgreSQL at" : "in-memory PGlite");
      expect(t.label, "no password in labels").not.toMatch(/\/\/[^:/@]+:(?!\*\*\*@)[^@]+@/);
      const [row] = await t.db.$queryRawUnsafe<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL`,
      );
      expect(row?.n).toBe(migrationCount);
      expect(await t.db.user.count()).toBe(0);
      expect(await t.db.verificationToken.count()).toBe(0);
    } finally {
      await t.close();
    }
  });

  it("gives each call its own database", async () => {
    const [a, b] = await Promise.all([createTestDatabase({ url }), createTestDatabase({ url })]);
    try {
      await a.db.user.create({ data: { email: "only-in-a@example.com" } });
      expect(await a.db.user.count()).toBe(1);
      expect(await b.db.user.count()).toBe(0);
      // Same unique email in b: no conflict with a.
      await b.db.user.create({ data: { email: "only-in-a@example.com" } });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("starts empty after a previous test database was used and closed", async () => {
    const first = await createTestDatabase({ url });
    await first.db.user.create({
      data: { email: "left-over@example.com", userSessions: { create: { id: "s", provider: "dev-idp" } } },
    });
    await first.db.$executeRawUnsafe(`SET TIME ZONE 'Pacific/Kiritimati'`);
    await first.close();
    await first.close(); // twice is fine

    const second = await createTestDatabase({ url });
    try {
      expect(await second.db.user.count()).toBe(0);
      expect(await second.db.userSession.count()).toBe(0);
      const [tz] = await second.db.$queryRawUnsafe<{ tz: string }[]>(`SELECT current_setting('TimeZone') AS tz`);
      expect(tz?.tz).not.toBe("Pacific/Kiritimati");
    } finally {
      await second.close();
    }
  });

  it("does not hand out a database whose schema a test changed", async () => {
    const first = await createTestDatabase({ url });
    await first.db.$executeRawUnsafe(`CREATE TABLE "Scratch" (id int)`);
    await first.db.$executeRawUnsafe(`ALTER TABLE "User" ADD COLUMN "extra" text`);
    await first.close();

    const second = await createTestDatabase({ url });
    try {
      const [row] = await second.db.$queryRawUnsafe<{ scratch: string | null; extra: number }[]>(
        `SELECT to_regclass('"Scratch"')::text AS scratch,
                (SELECT count(*)::int FROM information_schema.columns
                  WHERE table_schema = current_schema() AND table_name = 'User' AND column_name = 'extra') AS extra`,
      );
      expect(row).toEqual({ scratch: null, extra: 0 });
    } finally {
      await second.close();
    }
  });

  if (name === "PostgreSQL") {
    it("drops its schema on close", async () => {
      const t = await createTestDatabase({ url });
      const [row] = await t.db.$queryRawUnsafe<{ s: string }[]>(`SELECT current_schema() AS s`);
      const schema = row!.s;
      expect(schema).toMatch(/^test_/);
      await t.close();

      const target = testDatabaseTarget(url);
      if (target.kind !== "postgres") throw new Error("unreachable");
      const admin = await createAdapterFactory({ ...target, schema: undefined }).connect();
      try {
        const result = await admin.queryRaw({
          sql: `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1`,
          args: [schema],
          argTypes: [{ scalarType: "string", dbType: "TEXT", arity: "scalar" }],
        });
        expect(result.rows).toEqual([[0]]);
      } finally {
        await admin.dispose();
      }
    });
  }
});

const postgres = integrationTargets().find((t) => t.name === "PostgreSQL");

describe.runIf(postgres)("createServerDatabase on PostgreSQL", () => {
  const url = postgres?.url ?? "";
  const prefix = `server_db_test_${process.pid}`;

  /** One short-lived connection to `databaseUrl`, for one query. */
  async function queryOn<T>(databaseUrl: string, sql: string): Promise<T[]> {
    const adapter = await createAdapterFactory(testDatabaseTarget(databaseUrl)).connect();
    try {
      const result = await adapter.queryRaw({ sql, args: [], argTypes: [] });
      return result.rows.map((row) => Object.fromEntries(result.columnNames.map((c, i) => [c, row[i]])) as T);
    } finally {
      await adapter.dispose();
    }
  }

  /** Databases and schemas whose name starts with the prefix. */
  async function existing(): Promise<{ databases: string[]; schemas: string[] }> {
    const [row] = await queryOn<{ databases: string[] | null; schemas: string[] | null }>(
      url,
      `SELECT (SELECT array_agg(datname::text ORDER BY datname) FROM pg_database WHERE starts_with(datname, '${prefix}')) AS databases,
              (SELECT array_agg(nspname::text ORDER BY nspname) FROM pg_namespace WHERE starts_with(nspname, '${prefix}')) AS schemas`,
    );
    return { databases: row?.databases ?? [], schemas: row?.schemas ?? [] };
  }

  it("creates an empty database of its own, dropping ones killed runs left behind, and drops it", async () => {
    const first = await createServerDatabase(url, prefix);
    expect(first.name).toMatch(new RegExp(`^${prefix}_[a-z0-9]{6}$`));
    expect(first.label).toBe(`database ${first.name}`);
    expect(new URL(first.url).pathname).toBe(`/${first.name}`);
    expect(await queryOn(first.url, `SELECT current_database() AS d`)).toEqual([{ d: first.name }]);
    await queryOn(first.url, `CREATE TABLE left_over (id int)`);

    // The next run with this prefix (this one was SIGKILLed, say, so never dropped its database)
    // gets a database of its own, and the left-over one goes, even with someone still connected.
    const holder = await createAdapterFactory(testDatabaseTarget(first.url)).connect();
    const second = await createServerDatabase(url, prefix);
    try {
      await holder.dispose().catch(() => {});
      expect(second.name).not.toBe(first.name);
      expect(await queryOn(second.url, `SELECT to_regclass('left_over')::text AS t`)).toEqual([{ t: null }]);
      expect(await existing()).toEqual({ databases: [second.name], schemas: [] });
    } finally {
      await second.drop();
      await second.drop(); // twice is fine
    }
    expect(await existing()).toEqual({ databases: [], schemas: [] });
    await dropServerDatabase(url, first.name); // nothing there is fine too
  });

  it("uses a schema instead when the role may not create databases", async (context) => {
    const [me] = await queryOn<{ ok: boolean }>(url, `SELECT rolsuper OR rolcreaterole AS ok FROM pg_roles WHERE rolname = current_user`);
    if (!me?.ok) context.skip("needs a role that can create roles");
    const role = `no_createdb_${process.pid}`;
    const database = decodeURIComponent(new URL(url).pathname.slice(1)) || "postgres";
    await queryOn(url, `CREATE ROLE ${role} LOGIN NOCREATEDB PASSWORD 'pw'`);
    await queryOn(url, `GRANT CREATE ON DATABASE "${database}" TO ${role}`);
    const limited = new URL(url);
    limited.username = role;
    limited.password = "pw";
    try {
      const created = await createServerDatabase(limited.toString(), prefix);
      expect(created.label).toBe(`schema ${created.name}`);
      expect(new URL(created.url).searchParams.get("schema")).toBe(created.name);
      expect(await queryOn(created.url, `SELECT current_schema() AS s`)).toEqual([{ s: created.name }]);
      expect(await existing()).toEqual({ databases: [], schemas: [created.name] });
      await created.drop();
      expect(await existing()).toEqual({ databases: [], schemas: [] });
    } finally {
      for (const schema of (await existing()).schemas) await queryOn(url, `DROP SCHEMA "${schema}" CASCADE`);
      await queryOn(url, `REVOKE ALL ON DATABASE "${database}" FROM ${role}`);
      await queryOn(url, `DROP ROLE ${role}`);
    }
  });

  it("refuses prefixes that would need quoting", async () => {
    await expect(createServerDatabase(url, 'x"; DROP DATABASE postgres; --')).rejects.toThrow(/plain lower-case identifier/);
  });
});

if (postgresNotConfigured()) it.todo(POSTGRES_TODO);

describe("testDatabaseTarget", () => {
  it("defaults to in-memory PGlite and refuses PGlite folders", () => {
    expect(testDatabaseTarget("")).toEqual({ kind: "pglite-memory" });
    expect(testDatabaseTarget("pglite:memory")).toEqual({ kind: "pglite-memory" });
    expect(() => testDatabaseTarget("pglite:.data/pglite")).toThrow(/TEST_DATABASE_URL must be unset, pglite:memory or a postgres/);
    expect(() => testDatabaseTarget("sqlite:x")).toThrow(/^TEST_DATABASE_URL is not a supported database URL/);
  });
});
