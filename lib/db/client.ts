// Building a PrismaClient for a DatabaseTarget. No 'server-only' here, so
// scripts and tests can build clients too; the app uses `db` from ./index.
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaClient } from "../../prisma/generated/client";
import { createAdapterFactory } from "./adapter-factory";
import { parseDatabaseUrl, type DatabaseTarget } from "./database-url";

export type { DatabaseTarget } from "./database-url";

/**
 * A PrismaClient for `target` (or for DATABASE_URL when omitted). Nothing is
 * opened until the first query.
 *
 * An in-memory PGlite target (`pglite:memory`) starts empty and no other
 * process can migrate it, so it is migrated on connect.
 */
export function createPrismaClient(target: DatabaseTarget = parseDatabaseUrl(process.env.DATABASE_URL)): PrismaClient {
  const factory = createAdapterFactory(target);
  if (target.kind !== "pglite-memory") return createPrismaClientWithAdapter(factory);

  return createPrismaClientWithAdapter({
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      // Hold our connection (and so the shared in-memory instance) while
      // migrating: applyMigrations opens and disposes its own.
      const adapter = await factory.connect();
      try {
        // Loaded only here so that the schema engine (5 MB of WASM) is not
        // pulled in for the usual targets.
        const { applyMigrations } = await import("./migrations");
        await applyMigrations(factory);
      } catch (error) {
        await adapter.dispose();
        throw error;
      }
      return adapter;
    },
  });
}

/** A PrismaClient over an adapter factory (the one place clients are constructed). */
export function createPrismaClientWithAdapter(adapter: SqlDriverAdapterFactory): PrismaClient {
  return new PrismaClient({ adapter });
}
