// Prisma driver adapter factories for each kind of DatabaseTarget.
//
// Deliberately free of 'server-only' so that scripts (db:migrate), the
// migration code and tests can use it outside Next.js.
//
// Laziness matters here: Prisma calls a factory's connect() on the first query,
// not when the PrismaClient is constructed. `next build` imports server
// modules in worker processes to collect page data; if constructing the
// client opened PGlite, every build would take the data folder's lock (and
// fail while `npm run dev` runs) and could create .data/pglite on a build
// machine. So nothing below touches a database or a folder before connect().
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type { DatabaseTarget } from "./database-url";
import { ScriptFixingAdapter } from "./script-adapter";

/**
 * The adapter factory for `target`. Opening happens in connect(): PGlite
 * folders are opened (and locked) there, PostgreSQL pools are created there.
 */
export function createAdapterFactory(target: DatabaseTarget): SqlMigrationAwareDriverAdapterFactory {
  switch (target.kind) {
    case "pglite":
      return lazyPGliteFactory(target.dataDir);
    case "pglite-memory":
      return lazyPGliteFactory("memory");
    case "postgres":
      return createPostgresAdapterFactory(target);
  }
}

function createPostgresAdapterFactory(target: Extract<DatabaseTarget, { kind: "postgres" }>): SqlMigrationAwareDriverAdapterFactory {
  const pg = new PrismaPg(
    {
      connectionString: target.url,
      max: target.poolMax,
      connectionTimeoutMillis: target.connectTimeoutMs,
      // Close idle connections fairly soon: serverless instances freeze
      // between requests, and a server-side timeout would otherwise kill
      // connections the pool still believes are alive.
      idleTimeoutMillis: 10_000,
      // Unqualified names in migrations and raw SQL must land in the same
      // schema Prisma's queries use.
      ...(target.schema ? { options: `-c search_path=${quoteIdent(target.schema)}` } : {}),
    },
    target.schema ? { schema: target.schema } : undefined,
  );
  // @prisma/adapter-pg's executeScript() splits the script on every ";" and
  // runs the pieces one by one: a ";" inside a string or a function body
  // breaks the script, and a failure halfway leaves the first half applied.
  // Prisma's native engine sends a migration as one simple-protocol query,
  // which PostgreSQL runs as one implicit transaction; we do the same.
  const wrap = (adapter: Awaited<ReturnType<PrismaPg["connect"]>>): SqlDriverAdapter =>
    new ScriptFixingAdapter(adapter, async (script) => {
      await adapter.underlyingDriver().query(script);
    });
  return {
    provider: pg.provider,
    adapterName: pg.adapterName,
    connect: async () => wrap(await pg.connect()),
    connectToShadowDb: async () => wrap(await pg.connectToShadowDb()),
  };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * PGlite's adapter, loaded on the first connect(): PGlite and its Prisma adapter are half a
 * megabyte of JavaScript that a deployment on PostgreSQL never needs.
 */
function lazyPGliteFactory(location: string | "memory"): SqlMigrationAwareDriverAdapterFactory {
  let factory: Promise<SqlMigrationAwareDriverAdapterFactory> | undefined;
  const load = () => (factory ??= import("./pglite/adapter").then(({ pgliteAdapterFactory }) => pgliteAdapterFactory(location)));
  return {
    provider: "postgres",
    adapterName: "pglite-prisma-adapter",
    connect: async () => (await load()).connect(),
    connectToShadowDb: async () => (await load()).connectToShadowDb(),
  };
}
