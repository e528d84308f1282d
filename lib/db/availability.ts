// Whether the database is reachable, as far as this process knows: for answering 503 during an
// outage instead of a bare 500 (API routes: lib/http/api-route.ts; pages: the proxy, lib/security/route-access.ts),
// and recovering the moment it is back.
//
// No 'server-only' and no database import: the proxy uses this without loading Prisma. The app
// registers how to ask the database (instrumentation.ts); anything that meets an outage reports it.

import { processSingleton } from "../process-singleton";

/** Prisma's codes for "could not talk to the server" (P1001 unreachable, P1002 timeout, P1008 operation timeout, P1017 closed, P2024 pool timeout). */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
/** Driver adapter error kinds (@prisma/driver-adapter-utils) that mean the same. */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections", "TlsConnectionError"]);
/**
 * PostgreSQL's shutdown, cannot-connect-now and too-many-connections SQLSTATEs (besides class 08).
 * Node's own network codes (ECONNREFUSED…) are not listed: a provider's fetch fails with those too,
 * and Prisma reports a database it cannot reach as DatabaseNotReachable anyway.
 */
const SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300"]);

/** How long a client is asked to wait during an outage (Retry-After of the 503 page and API answers). */
export const RETRY_AFTER_SECONDS = 5;

/** The page's and the API's error for an outage; the digest tells app/error.tsx which message to show. */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
  readonly digest = "database-unavailable";
}

function* causes(error: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  let current = error;
  while (typeof current === "object" && current !== null && !seen.has(current)) {
    seen.add(current);
    yield current as Record<string, unknown>;
    // Error causes, Prisma's driver adapter error, and Auth.js's wrapping (`cause: { err }`).
    const { cause, err, meta } = current as { cause?: unknown; err?: unknown; meta?: { driverAdapterError?: unknown } };
    current = cause ?? err ?? meta?.driverAdapterError;
  }
}

/** Whether `error` says the database could not be reached (as opposed to a query that failed). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const e of causes(error)) {
    const { name, code, kind, message } = e as { name?: unknown; code?: unknown; kind?: unknown; message?: unknown };
    if (name === "DatabaseUnavailableError" || name === "PrismaClientInitializationError") return true;
    if (typeof code === "string" && (PRISMA_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    if (typeof kind === "string" && ADAPTER_KINDS.has(kind)) return true;
    if (typeof message === "string" && /^Connection terminated/.test(message)) return true;
  }
  return false;
}

/** How long a probe's answer is reused: a flood of page requests during an outage costs one probe per this. */
export const PROBE_REUSE_MS = 250;
const PROBE_TIMEOUT_MS = 2_000;

interface State {
  suspect: boolean;
  probe?: () => Promise<unknown>;
  last?: { at: number; ok: Promise<boolean> };
}

const state = processSingleton("database-availability", (): State => ({ suspect: false }));

/** The app's way of asking the database (a `SELECT 1`), registered at start-up. */
export function registerDatabaseProbe(probe: () => Promise<unknown>): void {
  state.probe = probe;
}

/** Something met an outage (or lost a connection): the next page request asks the database first. */
export function suspectDatabase(): void {
  state.suspect = true;
}

/** A query succeeded: whatever was suspected is over. */
export function databaseAnswered(): void {
  if (state.suspect) state.suspect = false;
}

/** Reports `error` if it is an outage; returns whether it was. */
export function reportDatabaseError(error: unknown): boolean {
  const unavailable = isDatabaseUnavailable(error);
  if (unavailable) suspectDatabase();
  return unavailable;
}

function timeout(ms: number): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error("database probe timed out")), ms).unref());
}

/** Whether an outage is suspected: the proxy asks databaseAvailable() only then (no await per request otherwise). */
export function databaseSuspected(): boolean {
  return state.suspect && state.probe !== undefined;
}

/**
 * False only when an outage is suspected and a probe confirms it. Concurrent callers share one
 * probe, and its answer is reused for PROBE_REUSE_MS.
 */
export async function databaseAvailable(now: number = Date.now()): Promise<boolean> {
  const probe = state.probe;
  if (!state.suspect || !probe) return true;
  if (!state.last || now - state.last.at >= PROBE_REUSE_MS) {
    const ok = Promise.race([probe(), timeout(PROBE_TIMEOUT_MS)]).then(
      () => {
        databaseAnswered();
        return true;
      },
      () => false,
    );
    state.last = { at: now, ok };
  }
  return state.last.ok;
}

/** For tests: back to "nothing known". */
export function resetDatabaseAvailability(): void {
  state.suspect = false;
  state.probe = undefined;
  state.last = undefined;
}
