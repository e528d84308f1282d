/**
 * Test support (not a test): "instance A" of lib/session/cache-reconnect.test.ts, another process on
 * the same database. It must be a process of its own: a revocation clears the caches of the process
 * that writes it (forgetAllSessions), so in the test's own process it would also clear instance B's,
 * which another app instance never can. Prints "ready", then reads lines "revoke <session id>" from
 * stdin and answers each with "revoked <true|false>" once the revocation is committed.
 *
 *   INSTANCE_DATABASE_URL=postgres://…?schema=… node --conditions=react-server --import tsx test/support/session-instance-child.ts
 */
import { createInterface } from "node:readline";

import { createPrismaClient } from "@/lib/db/client";
import { parseDatabaseUrl } from "@/lib/db/database-url";
import { revokeSession } from "@/lib/session/registry";

const db = createPrismaClient(parseDatabaseUrl(process.env.INSTANCE_DATABASE_URL));
await db.$queryRaw`SELECT 1`;
process.stdout.write("ready\n");

for await (const line of createInterface({ input: process.stdin })) {
  const [command, sessionId] = line.trim().split(" ");
  if (command !== "revoke" || !sessionId) continue;
  const revoked = await revokeSession(db, sessionId, "revoked", new Date());
  process.stdout.write(`revoked ${revoked}\n`);
}
await db.$disconnect();
