/**
 * Scenario p: this app next to what people would pick instead (bench/peers/), each on a new server
 * of its own, all started together with a new server of the app. Every ratio is this app ÷ the
 * peer, written so that above 1 means this app is ahead: throughput ratios compare server CPU per
 * request (the peer's over ours), latency, memory and JavaScript compare the peer's figure over ours.
 */
import { ALICE, FRESH_APP_PORT, log, PEER_PORTS, TARGETS } from "../lib/config";
import { forPages } from "../lib/options";
import { compare } from "../lib/load";
import { ensurePeerBuild, type PeerBuild, type PeerName } from "../lib/peers";
import type { Row } from "../lib/report";
import { freshDatabase, peerDatabase, startApp, startPeer, type App } from "../lib/servers";
import { signIn } from "../lib/signin";

import { controlRow, on, ratioRow, raw, withServers, type Context, type Scenario } from "./helpers";
import { clientJsRow, memoryOf, memoryRow, pageItems, signInRow, type Peer, type Side } from "./peer-figures";

const HEALTH = "/api/health?live=1";

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
    sameClientAs: "p3",
  },
];

const OURS =
  "this app decrypts the cookie and checks the session record (revocable; from its cache while the change feed proves delivery) and the user";

/** p0: the same do-nothing route here and in a bare Next.js app: what this app costs before any authentication runs. */
async function floor(ctx: Context, app: App, bare: App): Promise<Row> {
  const row = ratioRow(
    "p0",
    `Floor: ${HEALTH}, this app ÷ a bare Next.js app`,
    await compare(on([app], "app", HEALTH), on([bare], "bare Next.js", HEALTH), ctx.settings),
    TARGETS.floor,
  );
  row.note = "Neither side authenticates: what the app's headers, instrumentation and configuration cost every request.";
  return row;
}

/** The peer's /api/me and protected page answer Alice, and its page refuses a stranger. */
async function checkPeer(peer: Peer, side: Side, pagePath: string): Promise<void> {
  const me = await raw(`${side.server.url}/api/me`, { cookie: side.cookie });
  if (me.status !== 200 || !me.body.includes(ALICE.email))
    throw new Error(`${peer.name}: GET /api/me answered ${me.status}: ${me.body.slice(0, 200)}`);
  const page = await raw(`${side.server.url}${pagePath}`, { cookie: side.cookie });
  if (page.status !== 200 || !page.body.includes(ALICE.email)) throw new Error(`${peer.name}: GET ${pagePath} answered ${page.status}`);
  const stranger = await raw(`${side.server.url}${pagePath}`);
  if (stranger.status < 300 || stranger.status >= 400)
    throw new Error(`${peer.name}: GET ${pagePath} without a session answered ${stranger.status}`);
}

/** The same kind of request to this app and to the peer, each with Alice's own cookie. */
function sideBySide(ctx: Context, ours: Side, ourPath: string, peer: Peer, theirs: Side, theirPath: string, settings = ctx.settings) {
  const target = (side: Side, label: string, path: string) => on([side.server], label, path, { cookie: side.cookie });
  return compare(target(ours, "app", ourPath), target(theirs, peer.name, theirPath), settings);
}

/** p1a…: /api/me here against the peer's route that returns the signed-in user. */
async function apiRow(ctx: Context, peer: Peer, ours: Side, theirs: Side): Promise<Row> {
  const comparison = await sideBySide(ctx, ours, "/api/me", peer, theirs, "/api/me");
  const row = ratioRow(`${peer.id}a`, `/api/me: this app ÷ ${peer.name}`, comparison, TARGETS.peer, { peerChecks: peer.checks });
  row.note = `Per request, ${OURS}. The peer ${peer.checks}.`;
  return row;
}

/** p1b…: /dashboard here against the peer's protected page, padded to the same size, each behind its own proxy. */
async function pageRow(ctx: Context, peer: Peer, ours: Side, theirs: Side, pagePath: string, sizes: Record<string, number>): Promise<Row> {
  const comparison = await sideBySide(ctx, ours, "/dashboard", peer, theirs, pagePath, forPages(ctx.settings));
  const row = ratioRow(`${peer.id}b`, `Protected page: /dashboard, this app ÷ ${peer.name}`, comparison, TARGETS.peer, {
    peerChecks: peer.checks,
    htmlBytes: sizes,
  });
  row.note =
    `Both pages render the signed-in person in about ${Math.round(sizes.app! / 1000)} kB of HTML behind their proxy; ` +
    "the peer's is a plain list padded to the app's size, so it renders fewer components than the app's dashboard.";
  return row;
}

/** pz: the bare app against itself on a second server: the scenario's A/A control. */
async function control(ctx: Context, bare: App, twin: App): Promise<Row> {
  return controlRow(
    "pz",
    `A/A control: ${HEALTH} on two servers of the bare app`,
    await compare(on([bare], "bare", HEALTH), on([twin], "bare, another server", HEALTH), ctx.settings),
    "Two servers of one build, started together: whatever this differs from 1 is the bench's own noise between servers.",
  );
}

/** Every row of one peer but memory (measured last, for all at once). */
async function rowsFor(
  ctx: Context,
  peer: Peer,
  ours: Side,
  { server, build }: { server: App; build: PeerBuild },
  appPageBytes: number,
): Promise<Row[]> {
  const theirs: Side = { server, cookie: (await signIn(server.url, ctx.idp.issuer, ALICE, peer.flavour)).cookieHeader };
  const { path: pagePath, sizes } = await pageItems(theirs, appPageBytes);
  await checkPeer(peer, theirs, pagePath);
  const rows = [await apiRow(ctx, peer, ours, theirs), await pageRow(ctx, peer, ours, theirs, pagePath, sizes)];
  rows.push(await signInRow(ctx, peer, ours.server, theirs.server));
  if (!peer.sameClientAs) rows.push(await clientJsRow(ctx, peer, ours.server, build, theirs.server));
  return rows;
}

/** Every build the scenario compares, built (or found current) one after another. */
async function peerBuilds(ctx: Context): Promise<(name: PeerName) => PeerBuild> {
  const options = { force: ctx.rebuild, log };
  const builds = new Map<PeerName, PeerBuild>();
  for (const name of ["bare", ...new Set(PEERS.map((peer) => peer.build))] as PeerName[])
    builds.set(name, await ensurePeerBuild(name, options));
  return (name) => builds.get(name)!;
}

/** A peer's server, on a new database of its own when it keeps one. */
async function startPeerOn(build: PeerBuild, peer: Peer): Promise<App> {
  const databaseUrl = await peerDatabase(build, `bench_peer_${peer.id}`);
  return startPeer(build, peer.port, { ...peer.env, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
}

const rank = (id: string) => (id === "p0" ? 0 : id === "pz" ? 2 : 1);

async function peerRows(ctx: Context): Promise<Row[]> {
  const build = await peerBuilds(ctx);
  const groups = [
    [freshDatabase("bench_app_peers", ctx.appBuild).then((url) => startApp(ctx.appBuild, FRESH_APP_PORT, url))],
    [startPeer(build("bare"), PEER_PORTS.bare)],
    [startPeer(build("bare"), PEER_PORTS.bareTwin)],
    ...PEERS.map((peer) => [startPeerOn(build(peer.build), peer)]),
  ];
  return withServers(groups, async (started) => {
    const [app, bare, twin, ...peerServers] = started.map((group) => group[0]!) as [App, App, App, ...App[]];
    const peers = PEERS.map((peer, i) => ({ peer, build: build(peer.build), server: peerServers[i]! }));
    const ours: Side = { server: app, cookie: (await signIn(app.url, ctx.idp.issuer, ALICE)).cookieHeader };
    const ourPage = await raw(`${app.url}/dashboard`, { cookie: ours.cookie });
    if (ourPage.status !== 200) throw new Error(`the app's /dashboard answered ${ourPage.status}`);
    const rows = [await floor(ctx, app, bare)];
    for (const { peer, build, server } of peers) {
      // A peer that fails is an error row of its own; the other peers are still measured.
      try {
        rows.push(...(await rowsFor(ctx, peer, ours, { server, build }, ourPage.bodyBytes)));
      } catch (error) {
        rows.push({ id: peer.id, scenario: peer.name, figure: "error", target: "", status: "error", details: { error: String(error) } });
      }
    }
    // Memory last, once every server has served its share of the comparisons above.
    const ourMemory = await memoryOf(app);
    for (const { peer, server } of peers) rows.push(memoryRow(peer, ourMemory, await memoryOf(server)));
    rows.push(await control(ctx, bare, twin));
    // Each peer's rows together (p1a…p1e), the floor first and the control last.
    return rows.sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
  });
}

export const peers: Scenario = { id: "p", name: "peers", run: peerRows };
