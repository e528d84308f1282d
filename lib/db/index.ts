// The app's database client: `import { db } from "@/lib/db"`.
//
// Server-only: it reads DATABASE_URL and may open the embedded database.
// Parsing the URL happens on import (a malformed DATABASE_URL fails fast
// with a message listing the accepted forms); connecting happens on the
// first query, so importing this module (as `next build` does) opens nothing.
import "server-only";
import type { PrismaClient } from "../../prisma/generated/client";
import { createPrismaClient } from "./client";
import { parseDatabaseUrl } from "./database-url";
import { processSingleton } from "../process-singleton";

export type { PrismaClient } from "../../prisma/generated/client";
/** The type of `db` (and of test databases' `db`), for code that takes a client as a parameter. */
export type Database = PrismaClient;

// One client per process. Next.js dev re-evaluates modules on every hot
// reload and bundles the proxy separately from the app; without a shared
// cache each copy would build its own client (and its own pool). Keyed by
// the URL so that editing DATABASE_URL in .env (which dev reloads) takes effect.
type Cached = { url: string | undefined; client: PrismaClient };

function getDb(): PrismaClient {
  const url = process.env.DATABASE_URL;
  const cached = processSingleton("db.prisma-client", (): { current?: Cached } => ({}));
  if (cached.current && cached.current.url === url) return cached.current.client;
  const client = createPrismaClient(parseDatabaseUrl(url));
  if (cached.current) void cached.current.client.$disconnect().catch(() => {});
  cached.current = { url, client };
  return client;
}

export const db: PrismaClient = getDb();
