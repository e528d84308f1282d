/**
 * Scenario p: this app next to what people would pick instead (bench/peers/), each on a new server
 * of its own, all started together with a new server of the app. Ratios are this app ÷ the peer.
 */
import { ALICE, FRESH_APP_PORT, log, PEER_PORTS, TARGETS } from "../lib/config";
import { compare } from "../lib/load";
import { ensurePeerBuild } from "../lib/peers";
import type { Row } from "../lib/report";
import { freshDatabase, startApp, startPeer, type App } from "../lib/servers";
import { signIn } from "../lib/signin";

import { controlRow, ratioRow, raw, type Context, type Scenario } from "./helpers";

const HEALTH = "/api/health?live=1";

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

/** p1: /api/me here against `auth()` in a route handler of stock Auth.js with JWT sessions. */
async function againstAuthjsJwt(ctx: Context, app: App, peer: App): Promise<Row> {
  const [ours, theirs] = await Promise.all([signIn(app.url, ctx.idp.issuer, ALICE), signIn(peer.url, ctx.idp.issuer, ALICE)]);
  const me = await raw(`${peer.url}/api/me`, { cookie: theirs.cookieHeader });
  if (me.status !== 200 || !me.body.includes(ALICE.email))
    throw new Error(`the Auth.js peer's /api/me answered ${me.status}: ${me.body.slice(0, 200)}`);
  const row = ratioRow(
    "p1",
    "/api/me: this app ÷ stock Auth.js, JWT sessions",
    await compare(
      { label: "app: GET /api/me", url: `${app.url}/api/me`, headers: { cookie: ours.cookieHeader }, serverPid: app.serverPid },
      {
        label: "Auth.js (JWT): GET /api/me",
        url: `${peer.url}/api/me`,
        headers: { cookie: theirs.cookieHeader },
        serverPid: peer.serverPid,
      },
      ctx.settings,
    ),
    TARGETS.peer,
  );
  row.note =
    "Per request, this app decrypts the cookie, checks the session record (revocable; from its cache while the change feed proves delivery) and the user; " +
    "stock Auth.js with JWT sessions decrypts the cookie only, so its sessions cannot be revoked before they expire.";
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

async function peerRows(ctx: Context): Promise<Row[]> {
  const build = { force: ctx.rebuild, log };
  const [bareBuild, authjsJwtBuild] = [await ensurePeerBuild("bare", build), await ensurePeerBuild("authjs-jwt", build)];
  const [app, bare, twin, authjsJwt] = await Promise.all([
    freshDatabase("bench_app_peers", ctx.appBuild).then((url) => startApp(ctx.appBuild, FRESH_APP_PORT, url)),
    startPeer(bareBuild, PEER_PORTS.bare),
    startPeer(bareBuild, PEER_PORTS.bareTwin),
    startPeer(authjsJwtBuild, PEER_PORTS.authjsJwt),
  ]);
  try {
    return [await floor(ctx, app, bare), await againstAuthjsJwt(ctx, app, authjsJwt), await control(ctx, bare, twin)];
  } finally {
    await Promise.all([app.stop(), bare.stop(), twin.stop(), authjsJwt.stop()]);
  }
}

export const peers: Scenario = { id: "p", name: "peers", run: peerRows };
