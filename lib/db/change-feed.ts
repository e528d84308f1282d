// The database's announcements of session changes (the triggers of the migration
// 20261125190000_session_change_notifications), for lib/session/cache.ts.
//
// No 'server-only': tests open feeds on their own databases.
//
// A cache may trust an answer only while it is sure it hears about every change, so the feed
// proves its own delivery: every PING_INTERVAL_MS it sends a notification to itself and waits for
// it to come back. PostgreSQL delivers a channel's notifications in commit order, so once a ping
// sent at time S has come back, every change committed before S has been delivered too. Until the
// first ping returns, after a lost connection, while a ping is overdue, and in a process that was
// frozen (a serverless instance between requests: its timers did not run), `confirmedAt()` is too
// old and the cache asks the database. A change committed while no connection listened (between a
// loss and the next LISTEN) is never delivered at all, so listeners are told when a new connection
// is first proven (`onLive`): whatever they read before that moment may predate such a change.
// A transaction-mode pooler (PgBouncer) does not carry LISTEN: a ping answered by another server
// connection than the listening one counts as a failure, and lib/config/env.ts turns the cache off by
// default for URLs that look pooled (the README says why).
import { randomBytes } from "node:crypto";
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import type { DatabaseTarget } from "./database-url";

export const CHANGE_CHANNEL = "session_changes";
export const PING_INTERVAL_MS = 2_000;
/** A ping that has not come back by then means the connection is not delivering. */
export const PING_TIMEOUT_MS = 2_000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

export type SessionChange = { kind: "session" | "user"; id: string } | { kind: "reset" };

export interface ChangeFeed {
  /**
   * When the last confirmed ping was sent: every change committed before this moment has been
   * passed to the listeners (0: nothing is confirmed). By the feed's clock.
   */
  confirmedAt(): number;
  /** `onChange` for each change; `onReset` when the feed lost (or may have lost) some. */
  subscribe(listener: ChangeListener): () => void;
  close(): Promise<void>;
}

export interface ChangeListener {
  onChange(change: SessionChange): void;
  onReset(): void;
  /**
   * The first ping of a new connection came back: changes are delivered again from its LISTEN on,
   * but one committed while nothing listened is lost, so nothing read before now may be kept.
   */
  onLive(): void;
}

/** One connection that listens on the channel and can notify on it. */
export interface ChangeTransport {
  notify(payload: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens a transport; `onLost` when the connection fails later. */
export type OpenTransport = (onPayload: (payload: string) => void, onLost: (error: unknown) => void) => Promise<ChangeTransport>;

export function parseChange(payload: string): SessionChange | null {
  if (payload === "reset") return { kind: "reset" };
  const colon = payload.indexOf(":");
  const kind = payload.slice(0, colon);
  const id = payload.slice(colon + 1);
  if (colon <= 0 || id.length === 0) return null;
  return kind === "session" || kind === "user" ? { kind, id } : null;
}

export interface ChangeFeedOptions {
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  clock?: () => number;
  /** Told (once per outage) why the feed is not delivering; never given secrets. */
  onTrouble?: (message: string) => void;
}

/** A feed over `open`, connected at once and again after every failure (with back-off). */
export function openChangeFeed(open: OpenTransport, options: ChangeFeedOptions = {}): ChangeFeed {
  const pingIntervalMs = options.pingIntervalMs ?? PING_INTERVAL_MS;
  const pingTimeoutMs = options.pingTimeoutMs ?? PING_TIMEOUT_MS;
  const clock = options.clock ?? Date.now;
  const listeners = new Set<ChangeListener>();
  // Pings carry this process's random id, so a ping from another instance is told apart.
  const self = randomBytes(9).toString("base64url");

  let confirmedAt = 0;
  let transport: ChangeTransport | null = null;
  let connection = 0;
  let closed = false;
  let reconnectDelay = RECONNECT_MIN_MS;
  let timer: NodeJS.Timeout | null = null;
  let pending: { n: number; sentAt: number; timeout: NodeJS.Timeout } | null = null;
  let pingCount = 0;
  let troubleReported = false;
  /** The connection whose delivery a ping has proven (listeners were told it is live). */
  let proven = -1;

  const schedule = (fn: () => void, ms: number) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(fn, ms);
    timer.unref();
  };

  const reset = () => {
    confirmedAt = 0;
    for (const l of listeners) l.onReset();
  };

  const trouble = (message: string) => {
    if (troubleReported) return;
    troubleReported = true;
    options.onTrouble?.(message);
  };

  const lose = (which: number, reason: string) => {
    if (which !== connection || closed) return;
    connection++;
    if (pending) clearTimeout(pending.timeout);
    pending = null;
    reset();
    const old = transport;
    transport = null;
    void old?.close().catch(() => {});
    trouble(`session change feed: ${reason}; session checks go to the database until it is back`);
    schedule(connect, reconnectDelay);
    reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
  };

  const onPayload = (which: number, payload: string) => {
    if (which !== connection) return;
    if (payload.startsWith("ping:")) {
      const [, sender, n] = payload.split(":");
      if (sender === self && pending && Number(n) === pending.n) {
        clearTimeout(pending.timeout);
        if (proven !== which) {
          // Before confirmedAt moves: no listener may trust a read from before this proof.
          proven = which;
          for (const l of listeners) l.onLive();
        }
        confirmedAt = pending.sentAt;
        pending = null;
        reconnectDelay = RECONNECT_MIN_MS;
        troubleReported = false;
        schedule(ping, pingIntervalMs);
      }
      return;
    }
    const change = parseChange(payload);
    if (!change) return;
    for (const l of listeners) {
      if (change.kind === "reset") l.onReset();
      else l.onChange(change);
    }
  };

  function ping() {
    const which = connection;
    if (closed || !transport || pending) return;
    const n = ++pingCount;
    const sentAt = clock();
    const timeout = setTimeout(() => lose(which, "a ping did not come back in time"), pingTimeoutMs);
    timeout.unref();
    pending = { n, sentAt, timeout };
    transport.notify(`ping:${self}:${n}`).catch((error) => lose(which, `a ping failed (${errorName(error)})`));
  }

  async function connect() {
    if (closed) return;
    const which = ++connection;
    try {
      const opened = await open(
        (payload) => onPayload(which, payload),
        (error) => lose(which, `the connection was lost (${errorName(error)})`),
      );
      if (closed || which !== connection) {
        await opened.close().catch(() => {});
        return;
      }
      transport = opened;
      ping();
    } catch (error) {
      if (which !== connection) return;
      connection++;
      trouble(`session change feed: could not listen (${errorName(error)}); session checks go to the database`);
      schedule(connect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
    }
  }

  void connect();

  return {
    confirmedAt: () => confirmedAt,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      connection++;
      if (timer) clearTimeout(timer);
      if (pending) clearTimeout(pending.timeout);
      pending = null;
      reset();
      listeners.clear();
      const old = transport;
      transport = null;
      await old?.close();
    },
  };
}

function errorName(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown } | null;
  if (e && typeof e.code === "string") return e.code;
  return e && typeof e.name === "string" ? e.name : "error";
}

/** LISTEN on a connection of its own (never a pooled one: a pool hands connections around). */
export function postgresTransport(url: string, connectTimeoutMs: number): OpenTransport {
  return async (onPayload, onLost) => {
    const client = new pg.Client({ connectionString: url, keepAlive: true, connectionTimeoutMillis: connectTimeoutMs });
    let lost = false;
    const fail = (error: unknown) => {
      if (lost) return;
      lost = true;
      onLost(error);
    };
    client.on("error", fail);
    client.on("end", () => fail(new Error("connection ended")));
    client.on("notification", (message) => {
      if (message.channel === CHANGE_CHANNEL && typeof message.payload === "string") onPayload(message.payload);
    });
    let listener: number;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      listener = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    } catch (error) {
      lost = true;
      await client.end().catch(() => {});
      throw error;
    }
    return {
      async notify(payload) {
        const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid, pg_notify($1, $2)", [
          CHANGE_CHANNEL,
          payload,
        ]);
        // Behind a transaction-mode pooler each statement may run on another server connection,
        // and notifications reach whichever one listened: never treat that as delivery.
        if (rows[0]?.pid !== listener) throw Object.assign(new Error("pinged from another backend"), { code: "POOLED_CONNECTION" });
      },
      async close() {
        lost = true;
        await client.end();
      },
    };
  };
}

/** PGlite is one connection in this process: listening on it hears every writer there is. */
export function pgliteTransport(acquire: () => Promise<{ pglite: PGlite; release(): Promise<void> }>): OpenTransport {
  return async (onPayload) => {
    const handle = await acquire();
    let unlisten: (() => Promise<void>) | undefined;
    try {
      unlisten = await handle.pglite.listen(CHANGE_CHANNEL, onPayload);
    } catch (error) {
      await handle.release();
      throw error;
    }
    return {
      async notify(payload) {
        await handle.pglite.query("SELECT pg_notify($1, $2)", [CHANGE_CHANNEL, payload]);
      },
      async close() {
        try {
          if (!handle.pglite.closed) await unlisten?.();
        } finally {
          await handle.release();
        }
      },
    };
  };
}

/** The transport for the app's database target. */
export function transportFor(target: DatabaseTarget): OpenTransport {
  switch (target.kind) {
    case "postgres":
      return postgresTransport(target.url, target.connectTimeoutMs);
    case "pglite":
      return pgliteTransport(() => acquirePGliteLazily(target.dataDir));
    case "pglite-memory":
      return pgliteTransport(() => acquirePGliteLazily("memory"));
  }
}

/** PGlite is loaded only where DATABASE_URL names it (lib/db/adapter-factory.ts does the same). */
async function acquirePGliteLazily(location: string | "memory") {
  const { acquirePGlite } = await import("./pglite/instances");
  return acquirePGlite(location);
}
