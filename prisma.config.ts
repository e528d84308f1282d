// Prisma 7 CLI configuration (`prisma generate`, and `prisma migrate deploy` /
// `prisma studio` against a real PostgreSQL server if someone runs them).
//
// The app itself never reads this file: at runtime lib/db/ builds a driver
// adapter from DATABASE_URL. Our own migration runner (scripts/db-migrate.ts)
// uses Prisma's WASM schema engine and the same adapter, so it also works for
// the embedded PGlite database, which Prisma's CLI cannot reach.
import { defineConfig } from "prisma/config";

// Prisma 7 does not load .env by itself. We only hand a URL to the CLI when it
// is one the CLI can use (a real PostgreSQL server); `pglite:` URLs and the
// unset default are for our own tooling. `prisma generate` needs no URL.
const url = process.env.DATABASE_URL;
const isPostgresUrl = url !== undefined && /^postgres(ql)?:\/\//i.test(url);

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  ...(isPostgresUrl ? { datasource: { url } } : {}),
});
