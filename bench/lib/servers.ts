/**
 * What the scenarios run against: the databases on the throw-away PostgreSQL server (bench/run.sh),
 * the Dev IdP (bench/idp.ts, in its own process) and the app servers (`next start` of a build).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import pg from "pg";

import { baselineNextBin, type BaselineBuild } from "./baseline";
import { DIST_DIR, NEXT_BIN, type BuildInfo } from "./build";
import {
  ACCESS_TOKEN_TTL_SECONDS,
  APP_PORT,
  appUrl,
  AUTH_SECRET,
  BASELINE_PORTS,
  BENCH_DIR,
  FRESH_APP_PORT,
  HEAP_PROBE,
  IDP_ISSUER,
  IDP_PORT,
  NO_PROXY_PORT,
  OUT,
  PEER_PORTS,
  PROFILE_PORT,
  RATE_LIMIT_VARIABLES,
  ROOT,
  sleep,
} from "./config";
import { BENCH_DEV_IDP_CLIENT_SECRET, type IdpCounters, type IdpMessage, type IdpSettings } from "./idp-users";
import { CPU_PLAN, pinned } from "./cpus";
import { peerEnv, peerNextBin, type PeerBuild } from "./peers";
import { run, start, type Child } from "./proc";

// ---------------------------------------------------------------------------------------------
// Databases (the throw-away server from bench/run.sh)

export const SERVER_URL = process.env.BENCH_DATABASE_URL ?? process.env.E2E_DATABASE_URL;

export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the bench's server. */
export async function emptyDatabase(name: string): Promise<string> {
  if (!SERVER_URL) throw new Error("no database server");
  await withClient(SERVER_URL, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  });
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A new, migrated database on the bench's server (migrated by the snapshot's own migrations: the app's or a baseline's). */
export async function freshDatabase(name: string, build: { dir: string }): Promise<string> {
  const url = await emptyDatabase(name);
  await run(`db:migrate (${name})`, process.execPath, ["--import", "tsx", "scripts/db-migrate.ts"], {
    cwd: build.dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", DATABASE_URL: url },
    logFile: path.join(OUT, "logs", `migrate-${name}.log`),
  });
  return url;
}

/**
 * A new database for a peer, with its tables: the SQL of its Prisma schema (prisma/schema.sql), or
 * its own migration script (migrate.ts, run in the peer's copy). Peers without storage get none.
 */
export async function peerDatabase(peer: PeerBuild, name: string): Promise<string | undefined> {
  const sql = path.join(peer.dir, "prisma", "schema.sql");
  const script = path.join(peer.dir, "migrate.ts");
  if (!existsSync(sql) && !existsSync(script)) return undefined;
  const url = await emptyDatabase(name);
  if (existsSync(sql)) {
    await withClient(url, (client) => client.query(readFileSync(sql, "utf8")));
  } else {
    await run(`migrate (peer ${peer.name})`, process.execPath, ["--import", "tsx", script], {
      cwd: peer.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", ...peerEnv(0), DATABASE_URL: url },
      logFile: path.join(OUT, "logs", `migrate-peer-${peer.name}.log`),
    });
  }
  return url;
}

// ---------------------------------------------------------------------------------------------
// The Dev IdP (bench/idp.ts)

export interface Idp {
  child: Child;
  issuer: string;
  extraUsersSupported: boolean;
  counters(): Promise<IdpCounters>;
}

function idpReady(child: Child): Promise<Extract<IdpMessage, { type: "ready" }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Dev IdP did not start:\n${child.output()}`)), 60_000);
    child.child.on("message", (message: IdpMessage) => {
      if (message.type === "ready") {
        clearTimeout(timer);
        resolve(message);
      }
    });
    void child.exited.then((code) => reject(new Error(`the Dev IdP exited (${code}):\n${child.output()}`)));
  });
}

/** The IdP's counters, asked over IPC. */
function idpCounters(child: Child): Promise<IdpCounters> {
  return new Promise<IdpCounters>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the Dev IdP did not answer")), 5_000);
    const onMessage = (message: IdpMessage) => {
      if (message.type === "counters" && message.counters) {
        clearTimeout(timer);
        child.child.off("message", onMessage);
        resolve(message.counters);
      }
    };
    child.child.on("message", onMessage);
    child.child.send({ type: "counters" } satisfies IdpMessage);
  });
}

export async function startIdp(sourceRoot: string, extraUsers: number): Promise<Idp> {
  // Every server that signs in (the peers use the same callback path, /api/auth/callback/dev-idp).
  const redirects = [
    APP_PORT,
    NO_PROXY_PORT,
    PROFILE_PORT,
    FRESH_APP_PORT,
    BASELINE_PORTS.baseline[0],
    BASELINE_PORTS.twin[0],
    PEER_PORTS.authjsJwt,
    PEER_PORTS.authjsDatabase,
    PEER_PORTS.betterAuth,
    PEER_PORTS.betterAuthCache,
  ].map(appUrl);
  const idpSettings: IdpSettings = {
    sourceRoot,
    port: IDP_PORT,
    redirectUris: redirects.map((u) => `${u}/api/auth/callback/dev-idp`),
    postLogoutRedirectUris: redirects.map((u) => `${u}/`),
    backchannelLogoutUris: redirects.map((u) => `${u}/api/auth/backchannel-logout`),
    accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS,
    extraUsers,
  };
  const child = start("dev-idp", process.execPath, ["--import", "tsx", path.join(BENCH_DIR, "idp.ts")], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", BENCH_IDP_SETTINGS: JSON.stringify(idpSettings) },
    ipc: true,
    logFile: path.join(OUT, "logs", "dev-idp.log"),
  });
  const ready = await idpReady(child);
  // The official counter as well: the IdP's own test API.
  const stats = (await (await fetch(`${ready.issuer}/__test/stats`)).json()) as { grants?: unknown };
  if (!stats.grants) throw new Error("the Dev IdP's test API is not answering");
  return { child, issuer: ready.issuer, extraUsersSupported: ready.extraUsersSupported, counters: () => idpCounters(child) };
}

// ---------------------------------------------------------------------------------------------
// The app servers

export interface App {
  url: string;
  child: Child;
  /** The next-server process (RSS is read from it). */
  serverPid: number;
  serverCommand: string;
  /** Where bench/lib/heap-probe.cjs answers SIGUSR2 with the heap after a full GC. */
  heapProbeFile: string;
  stop(): Promise<number>;
}

function appEnv(port: number, databaseUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    NEXT_DIST_DIR: DIST_DIR,
    NEXT_TELEMETRY_DISABLED: "1",
    AUTH_SECRET,
    AUTH_URL: appUrl(port),
    AUTH_DEV_IDP: "1",
    DEV_IDP_ISSUER: IDP_ISSUER,
    DEV_IDP_CLIENT_SECRET: BENCH_DEV_IDP_CLIENT_SECRET,
    DATABASE_URL: databaseUrl,
    ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION: "1",
    // The bench signs in hundreds of times from one address: limits it never reaches, so the
    // counting (one database write per sign-in start and per callback) is still measured.
    ...Object.fromEntries(RATE_LIMIT_VARIABLES.map((name) => [name, "1000000/60"])),
    ...extra,
  };
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0+$/, "").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** The next-server process: the child itself (next start serves in-process), else a descendant so named. */
function nextServerPid(rootPid: number): number {
  if (commandLine(rootPid).startsWith("next-server")) return rootPid;
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parents.get(pid), hops = 0; p !== undefined && hops < 20; p = parents.get(p), hops++) if (p === rootPid) return true;
    return false;
  };
  for (const pid of parents.keys()) if (isDescendant(pid) && commandLine(pid).startsWith("next-server")) return pid;
  return rootPid;
}

export async function startApp(build: BuildInfo, port: number, databaseUrl: string, nodeFlags: string[] = []): Promise<App> {
  const heapProbeFile = path.join(OUT, "logs", `heap-${build.variant}-${port}.json`);
  return startNext(`app ${build.variant}`, build.dir, port, {
    nextBin: NEXT_BIN,
    env: appEnv(port, databaseUrl, { NODE_OPTIONS: `--require ${HEAP_PROBE}`, BENCH_HEAP_PROBE_FILE: heapProbeFile }),
    nodeFlags,
    heapProbeFile,
    readyPath: "/api/health",
  });
}

/** An earlier commit's build (bench/lib/baseline.ts), served exactly as the app's builds are. */
export async function startBaseline(build: BaselineBuild, port: number, databaseUrl: string): Promise<App> {
  const label = `baseline ${build.commit.slice(0, 12)}`;
  const heapProbeFile = path.join(OUT, "logs", `heap-baseline-${port}.json`);
  return startNext(label, build.dir, port, {
    nextBin: baselineNextBin(build.dir),
    env: appEnv(port, databaseUrl, { NODE_OPTIONS: `--require ${HEAP_PROBE}`, BENCH_HEAP_PROBE_FILE: heapProbeFile }),
    nodeFlags: [],
    heapProbeFile,
    readyPath: "/api/health",
  });
}

/** A peer's production build (bench/lib/peers.ts) on its own port. */
export async function startPeer(peer: PeerBuild, port: number, extraEnv: Record<string, string> = {}): Promise<App> {
  const heapProbeFile = path.join(OUT, "logs", `heap-peer-${peer.name}-${port}.json`);
  return startNext(`peer ${peer.name}`, peer.dir, port, {
    nextBin: peerNextBin(peer.dir),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      NODE_OPTIONS: `--require ${HEAP_PROBE}`,
      BENCH_HEAP_PROBE_FILE: heapProbeFile,
      ...peerEnv(port),
      ...extraEnv,
    },
    nodeFlags: [],
    heapProbeFile,
    readyPath: "/api/health?live=1",
  });
}

/**
 * V8 flags for every server the bench starts, the same on both sides of every ratio (override with
 * BENCH_SERVER_NODE_FLAGS, space-separated; empty for none). V8 shrinks an idle process's young
 * generation (its memory reducer) and grows it again under load, so a server's CPU per request
 * depended on how long it had idled and on its past: two servers of one build measured 14 % apart.
 * With the young generation held at 16 MB and no memory reducer, the same A/A pair came out 0.986
 * (bench/README.md, "Precision").
 */
export const SERVER_NODE_FLAGS = (process.env.BENCH_SERVER_NODE_FLAGS ?? "--no-memory-reducer --min-semi-space-size=16")
  .split(" ")
  .filter(Boolean);

/** `next start` of a build in `dir`, on the servers' cores, once `readyPath` answers 2xx. */
async function startNext(
  label: string,
  dir: string,
  port: number,
  options: { nextBin: string; env: NodeJS.ProcessEnv; nodeFlags: string[]; heapProbeFile: string; readyPath: string },
): Promise<App> {
  const url = appUrl(port);
  // On the servers' cores (bench/lib/cpus.ts); `taskset` execs node, so the pid is the server's.
  const [command, args] = pinned(CPU_PLAN.servers, process.execPath, [
    ...SERVER_NODE_FLAGS,
    ...options.nodeFlags,
    options.nextBin,
    "start",
    "--port",
    String(port),
  ]);
  const child = start(`${label} :${port}`, command, args, {
    cwd: dir,
    // BENCH_TRACE_DIR: bench/lib/heap-probe.cjs records the server's collections there.
    env: process.env.BENCH_TRACE_DIR ? { ...options.env, BENCH_TRACE_DIR: process.env.BENCH_TRACE_DIR } : options.env,
    logFile: path.join(OUT, "logs", `${label.replace(/\s+/g, "-")}-${port}.log`),
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!child.running()) throw new Error(`${label} exited before it was ready:\n${child.output()}`);
    if (Date.now() > deadline) throw new Error(`${label} was not ready after 60 s:\n${child.output()}`);
    try {
      const response = await fetch(`${url}${options.readyPath}`);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  const serverPid = nextServerPid(child.pid);
  return { url, child, serverPid, serverCommand: commandLine(serverPid), heapProbeFile: options.heapProbeFile, stop: () => child.stop() };
}
