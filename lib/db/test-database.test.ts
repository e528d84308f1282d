import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createAdapterFactory } from "./adapter-factory";
import { createTestDatabase, testDatabaseTarget } from "./test-database";
import { integrationTargets, POSTGRES_TODO, postgresNotConfigured } from "./test-targets";

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
      data: { email: "left-over@example.com", sessions: { create: { sessionToken: "s", expires: new Date() } } },
    });
    await first.db.$executeRawUnsafe(`SET TIME ZONE 'Pacific/Kiritimati'`);
    await first.close();
    await first.close(); // twice is fine

    const second = await createTestDatabase({ url });
    try {
      expect(await second.db.user.count()).toBe(0);
      expect(await second.db.session.count()).toBe(0);
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

if (postgresNotConfigured()) it.todo(POSTGRES_TODO);

describe("testDatabaseTarget", () => {
  it("defaults to in-memory PGlite and refuses PGlite folders", () => {
    expect(testDatabaseTarget("")).toEqual({ kind: "pglite-memory" });
    expect(testDatabaseTarget("pglite:memory")).toEqual({ kind: "pglite-memory" });
    expect(() => testDatabaseTarget("pglite:.data/pglite")).toThrow(/TEST_DATABASE_URL must be unset, pglite:memory or a postgres/);
    expect(() => testDatabaseTarget("sqlite:x")).toThrow(/^TEST_DATABASE_URL is not a supported database URL/);
  });
});
