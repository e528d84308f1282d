/**
 * Scenario p: this app next to what people would pick instead (bench/peers/), each on a new server
 * of its own, all started together with a new server of the app. Ratios are this app ÷ the peer.
 */
import { ALICE, FRESH_APP_PORT, log, PEER_PORTS, TARGETS } from "../lib/config";
import { compare } from "../lib/load";
import { ensurePeerBuild, type PeerName } from "../lib/peers";
import type { Row } from "../lib/report";
import { freshDatabase, peerDatabase, startApp, startPeer, type App } from "../lib/servers";
import { signIn, type Flavour } from "../lib/signin";

import { controlRow, ratioRow, raw, type Context, type Scenario } from "./helpers";

const HEALTH = "/api/health?live=1";

/** A peer as the rows compare it: how it signs in, and what it checks per request. */
interface Peer {
  id: string;
  name: string;
  build: PeerName;
  port: number;
  flavour: Flavour;
  env?: Record<string, string>;
  checks: string;
}

const PEERS: readonly Peer[] = [
  {
    id: "p1",
    name: "stock Auth.js, JWT sessions",
    build: "authjs-jwt",
    port: PEER_PORTS.authjsJwt,
    flavour: "authjs",
    checks: "decrypts the cookie only: its sessions cannot be revoked before they expire",
  },
  {
    id: "p2",
    name: "stock Auth.js, database sessions",
    build: "authjs-database",
    port: PEER_PORTS.authjsDatabase,
    flavour: "authjs",
    checks: "looks the session and its user up in PostgreSQL on every request (revocable)",
  },
  {
    id: "p3",
    name: "Better Auth, defaults (cookie cache off)",
    build: "better-auth",
    port: PEER_PORTS.betterAuth,
    flavour: "better-auth",
    checks: "checks the cookie's signature and looks the session and its user up in PostgreSQL on every request (revocable)",
  },
  {
    id: "p4",
    name: "Better Auth, cookie cache on",
    build: "better-auth",
    port: PEER_PORTS.betterAuthCache,
    flavour: "better-auth",
    env: { BETTER_AUTH_COOKIE_CACHE: "1" },
    checks: "checks a signed copy of the session kept in a cookie for 5 minutes: a revoked session stays valid until the copy expires",
  },
];

/** p0: the same do-nothing route here and in a bare Next.js app: what this app costs before any authentication runs. */
async function floor(ctx: Context, app: App, bare: App): Promise<Row> {
  const row = ratioRow(
    "p0",
    `Floor: ${HEALTH}, this app ÷ a bare Next.js app`,
    await compare(
      { label: `app: GET ${HEALTH}`, url: `${app.url}${HEALTH}`, serverPid: app.serverPid },
      { label: `bare Next.js: GET ${HEALTH}`, url: `${bare.url}${HEALTH}`, serverPid: bare.serverPid },
      ctx.settings,
    ),
    TARGETS.floor,
  );
  row.note = "Neither side authenticates: what the app's headers, instrumentation and configuration cost every request.";
  return row;
}

/** p1…: /api/me here against the peer's route that returns the signed-in user, each with Alice's own cookie. */
async function againstPeer(ctx: Context, app: App, appCookie: string, peer: Peer, server: App): Promise<Row> {
  const theirs = await signIn(server.url, ctx.idp.issuer, ALICE, peer.flavour);
  const me = await raw(`${server.url}/api/me`, { cookie: theirs.cookieHeader });
  if (me.status !== 200 || !me.body.includes(ALICE.email)) throw new Error(`${peer.name}: GET /api/me answered ${me.status}: ${me.body.slice(0, 200)}`);
  const row = ratioRow(
    peer.id,
    `/api/me: this app ÷ ${peer.name}`,
    await compare(
      { label: "app: GET /api/me", url: `${app.url}/api/me`, headers: { cookie: appCookie }, serverPid: app.serverPid },
      { label: `${peer.name}: GET /api/me`, url: `${server.url}/api/me`, headers: { cookie: theirs.cookieHeader }, serverPid: server.serverPid },
      ctx.settings,
    ),
    TARGETS.peer,
    { peerChecks: peer.checks },
  );
  row.note =
    "Per request, this app decrypts the cookie and checks the session record (revocable; from its cache while the change feed proves delivery) " +
    `and the user. The peer ${peer.checks}.`;
  return row;
}

/** pz: the bare app against itself on a second server: the scenario's A/A control. */
async function control(ctx: Context, bare: App, twin: App): Promise<Row> {
  return controlRow(
    "pz",
    `A/A control: ${HEALTH} on two servers of the bare app`,
    await compare(
      { label: `bare: GET ${HEALTH}`, url: `${bare.url}${HEALTH}`, serverPid: bare.serverPid },
      { label: `bare, another server: GET ${HEALTH}`, url: `${twin.url}${HEALTH}`, serverPid: twin.serverPid },
      ctx.settings,
    ),
    "Two servers of one build, started together: whatever this differs from 1 is the bench's own noise between servers.",
  );
}

async function startPeers(ctx: Context): Promise<{ app: App; bare: App; twin: App; servers: Map<Peer, App> }> {
  const options = { force: ctx.rebuild, log };
  const builds = new Map<PeerName, Awaited<ReturnType<typeof ensurePeerBuild>>>();
  for (const name of ["bare", ...new Set(PEERS.map((peer) => peer.build))] as PeerName[]) builds.set(name, await ensurePeerBuild(name, options));
  const build = (name: PeerName) => builds.get(name)!;
  const [app, bare, twin, ...peerServers] = await Promise.all([
    freshDatabase("bench_app_peers", ctx.appBuild).then((url) => startApp(ctx.appBuild, FRESH_APP_PORT, url)),
    startPeer(build("bare"), PEER_PORTS.bare),
    startPeer(build("bare"), PEER_PORTS.bareTwin),
    ...PEERS.map(async (peer) => {
      const databaseUrl = await peerDatabase(build(peer.build), `bench_peer_${peer.id}`);
      return startPeer(build(peer.build), peer.port, { ...peer.env, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
    }),
  ]);
  return { app: app!, bare: bare!, twin: twin!, servers: new Map(PEERS.map((peer, i) => [peer, peerServers[i]!])) };
}

async function peerRows(ctx: Context): Promise<Row[]> {
  const { app, bare, twin, servers } = await startPeers(ctx);
  try {
    const ours = await signIn(app.url, ctx.idp.issuer, ALICE);
    const rows = [await floor(ctx, app, bare)];
    for (const [peer, server] of servers) rows.push(await againstPeer(ctx, app, ours.cookieHeader, peer, server));
    rows.push(await control(ctx, bare, twin));
    return rows;
  } finally {
    await Promise.all([app, bare, twin, ...servers.values()].map((server) => server.stop()));
  }
}

export const peers: Scenario = { id: "p", name: "peers", run: peerRows };
