// A database of its own per process on a PostgreSQL server (e2e app servers),
// and dropping it.
import type { SqlDriverAdapter } from "@prisma/driver-adapter-utils";
import { createAdapterFactory } from "../../../lib/db/adapter-factory";
import { describeDatabaseTarget, parseDatabaseUrl, type DatabaseTarget } from "../../../lib/db/database-url";
import { once } from "./test-database";

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
