import "server-only";

import { closeServices, db } from "@/lib/services";
import { registerDatabaseProbe as registerProbe } from "@/lib/db/availability";
import { describeDatabaseTarget, parseDatabaseUrl } from "@/lib/db/database-url";
import { getEnv } from "@/lib/config/env";

/**
 * What the server does once when it starts and once when it stops (called from
 * instrumentation.ts, Node.js runtime only).
 */

/** A network database answers in milliseconds or not at all; an embedded one first loads its WASM engine and data folder, which takes far longer on a busy machine. */
const STARTUP_DB_TIMEOUT_MS = { server: 10_000, embedded: 60_000 } as const;
const SHUTDOWN_DB_TIMEOUT_MS = 5_000;

/** The error's own words on one line; Prisma puts "Invalid `prisma.x()` invocation:" before the driver's. */
function reason(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error))
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const own = lines[0]?.startsWith("Invalid `prisma.") ? lines.slice(1) : lines;
  return own.join(" ") || "unknown error";
}

function timeout(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms).unref());
}

/** How the proxy checks, during a suspected outage, whether the database is back (lib/db/availability.ts). */
export function registerDatabaseProbe(): void {
  registerProbe(() => db.$queryRaw`SELECT 1`);
}

/**
 * A production server that cannot reach its database would answer every sign-in with an error
 * page; stopping at start-up instead makes the deployment fail where the operator looks.
 */
export async function checkDatabaseOrExit(): Promise<void> {
  const target = parseDatabaseUrl(process.env.DATABASE_URL);
  const where = describeDatabaseTarget(target);
  const limit = target.kind === "postgres" ? STARTUP_DB_TIMEOUT_MS.server : STARTUP_DB_TIMEOUT_MS.embedded;
  try {
    await Promise.race([db.$queryRaw`SELECT 1`, timeout(limit, "connecting")]);
  } catch (error) {
    const message = `The database is unreachable (DATABASE_URL: ${where}): ${reason(error)}`;
    if (getEnv().mode !== "production") {
      console.warn(`[startup] ${message}. Pages that need it will fail until it is back.`);
      return;
    }
    console.error(
      `\n${message}\n\nCheck that the server is running and that DATABASE_URL's host, port, user, password and database are right.\n`,
    );
    process.exit(1);
  }
}

/**
 * On SIGTERM / SIGINT, Next.js stops accepting connections, lets in-flight requests finish, and
 * then calls process.exit(). The database pool (or the embedded database and its folder lock)
 * must be closed after those requests and before that exit, and Next.js offers no hook for that
 * moment: so the exit it calls is deferred until the database is closed (or a deadline passes).
 */
export function closeDatabaseOnShutdown(): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    console.info(`[shutdown] ${signal}: finishing in-flight requests`);
    const exit = process.exit.bind(process);
    let closing: Promise<void> | undefined;
    process.exit = ((code?: number | string | null) => {
      const close = async () => {
        await closeServices();
      };
      closing ??= Promise.race([close(), timeout(SHUTDOWN_DB_TIMEOUT_MS, "closing the database")])
        .then(
          () => console.info("[shutdown] database closed"),
          (error: unknown) => console.error(`[shutdown] ${reason(error)}`),
        )
        .finally(() => exit(code ?? undefined));
      return undefined as never;
    }) as typeof process.exit;
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}
