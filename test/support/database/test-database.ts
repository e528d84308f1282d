// What createTestDatabase hands a test, whichever database is behind it.
import type { PrismaClient } from "../../../prisma/generated/client";
import type { OpenTransport } from "../../../lib/db/change-feed";

export interface TestDatabase {
  db: PrismaClient;
  /** Which database this is, for messages ("in-memory PGlite", "PostgreSQL … (schema test_…)"). */
  label: string;
  /** A connection of its own that listens for the database's session changes (lib/db/change-feed.ts). */
  changeTransport: OpenTransport;
  /** Disconnects and deletes the database. Safe to call twice. */
  close(): Promise<void>;
}

/** `fn` runs on the first call only; later calls get the same promise (so close() is safe twice). */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
