/**
 * Scenario 2: what the proxy costs, on new servers started together: the app, the no-proxy build
 * and the empty-proxy build (bench/variants/), and the app's build again for the A/A control. Two
 * servers of each, which each side of a ratio takes in turn (bench/lib/load.ts, `compare`): between
 * two runs, one server per side, a ratio moved by up to 2.7 % while its rounds agreed within ±1 %,
 * so where one process's JIT and heap happened to settle decided it as much as the code did.
 */
import { EMPTY_PROXY_PORT, FRESH_APP_PORT, FRESH_TWIN_PORT, NO_PROXY_PORT, SECOND_SERVER_PORTS, TARGETS } from "../lib/config";
import { compare, load } from "../lib/load";
import type { Row } from "../lib/report";
import { freshDatabase, startApp, type App } from "../lib/servers";

import { controlRow, on, ratioRow, reportedRatioRow, withServers, type Context, type Scenario } from "./helpers";

/** The servers of one build. */
type Servers = readonly App[];

const HEALTH = "/api/health?live=1";
const PAGE = "/";

/**
 * Every server serves both of the scenario's routes, the API route then the page, before the first
 * comparison; each comparison still warms its own targets up until they settle. What a server has
 * served changes what a request costs it: with the control measured first, the app's servers,
 * fresh from serving `/`, cost 8 % more per /api/health request than the no-proxy servers that
 * had served only that route (2a 0.924, the same code on both sides;
 * history/813e65b-scenario-2-control-first.json). So the rows began with servers of different
 * pasts (the twins of 2z and the empty proxy's servers had never served the API route), where a
 * production server has served every route. It does not make them the same age: a server keeps
 * getting cheaper with what it serves, and 2z still came out 1.033 (bench/history/README.md).
 */
async function exposeEveryServer(ctx: Context, groups: readonly Servers[]): Promise<void> {
  // A third of the least warm-up (none with --quick).
  const amount = Math.round((ctx.settings.warmupRequests ?? 0) / 3);
  if (amount === 0) return;
  for (const servers of groups) {
    for (const route of [HEALTH, PAGE]) {
      for (const target of on(servers, "exposure", route)) await load(target, { connections: ctx.settings.connections, amount });
    }
  }
}

/** 2a: a public API route. The matcher leaves /api/ to the route handlers, so the proxy costs it nothing. */
async function apiRoute(ctx: Context, fresh: Servers, noProxy: Servers): Promise<Row> {
  const apiOn = on(fresh, "proxy on", HEALTH);
  const apiOff = on(noProxy, "proxy off", HEALTH);
  const api = ratioRow(
    "2a",
    `Proxy overhead: ${HEALTH} (matcher on ÷ off)`,
    await compare(apiOn, apiOff, ctx.settings),
    TARGETS.proxyOverhead,
  );
  api.note =
    "proxy.ts's matcher leaves /api/ to the route handlers (each is its own gate, e2e/security/api-routes.spec.ts): the same code on both sides.";
  return api;
}

/** 2b, 2c, 2d: a public page, where the proxy runs (the page's nonce CSP and the cross-site write check). */
async function publicPage(ctx: Context, fresh: Servers, noProxy: Servers, emptyProxy: Servers): Promise<Row[]> {
  const route = PAGE;
  const off = on(noProxy, "proxy off", route);
  const empty = on(emptyProxy, "empty proxy", route);
  const ours = on(fresh, "proxy on", route);
  const rows = [
    ratioRow("2b", `Proxy overhead: ${route} (matcher on ÷ off)`, await compare(ours, off, ctx.settings), TARGETS.proxyOverhead),
  ];
  // What Next.js charges for running any proxy; reported, since nothing in this app can change it.
  rows.push(
    reportedRatioRow(
      "2c",
      `Proxy floor: ${route} with a proxy that does nothing ÷ off`,
      await compare(empty, off, ctx.settings),
      "The bench's empty-proxy build: proxy.ts replaced by one that returns NextResponse.next() on the same matcher. " +
        "No proxy in this framework can do better than this ratio.",
    ),
  );
  const own = ratioRow(
    "2d",
    `Proxy's own work: ${route} (our proxy ÷ an empty one)`,
    await compare(ours, empty, ctx.settings),
    TARGETS.proxyOverhead,
  );
  own.note = "Our proxy's own work (the session gate, the nonce, the page's CSP), with the framework's cost on both sides.";
  rows.push(own);
  return rows;
}

/**
 * 2z: `/` on the app's servers against two more of the same build, started at the same time: the
 * ratios of scenario 2 compare servers, so their control does too.
 */
async function control(ctx: Context, fresh: Servers, twin: Servers): Promise<Row> {
  const route = PAGE;
  return controlRow(
    "2z",
    `A/A control: ${route} on the app's build against the same build on other servers`,
    await compare(on(fresh, "app", route), on(twin, "the same build, other servers", route), ctx.settings),
    "Servers of one build, started together, measured exactly as the other rows: whatever this differs from 1 is the bench's own noise between servers.",
  );
}

async function proxyOverheadRows(ctx: Context): Promise<Row[]> {
  const { noProxyBuild, emptyProxyBuild } = ctx;
  if (!noProxyBuild || !emptyProxyBuild) throw new Error("no no-proxy or empty-proxy build");
  // New servers started together, so that no side has served other scenarios first (the
  // app of scenarios 1 and 6 has a grown heap and a warm session cache; a comparison against it
  // measured that, about 15 %, as much as the proxy).
  const builds = [
    { build: ctx.appBuild, name: "bench_app_fresh", ports: [FRESH_APP_PORT, SECOND_SERVER_PORTS.app] },
    { build: noProxyBuild, name: "bench_no_proxy", ports: [NO_PROXY_PORT, SECOND_SERVER_PORTS.noProxy] },
    { build: emptyProxyBuild, name: "bench_empty_proxy", ports: [EMPTY_PROXY_PORT, SECOND_SERVER_PORTS.emptyProxy] },
    { build: ctx.appBuild, name: "bench_app_twin", ports: [FRESH_TWIN_PORT, SECOND_SERVER_PORTS.twin] },
  ];
  // Each server on a fresh database of its own.
  const groups = builds.map(({ build, name, ports }) =>
    ports.map((port, i) => freshDatabase(`${name}_${i + 1}`, build).then((url) => startApp(build, port, url))),
  );
  return withServers(groups, async (servers) => {
    await exposeEveryServer(ctx, servers);
    const [fresh, noProxy, emptyProxy, twin] = servers;
    return [
      await apiRoute(ctx, fresh!, noProxy!),
      ...(await publicPage(ctx, fresh!, noProxy!, emptyProxy!)),
      await control(ctx, fresh!, twin!),
    ];
  });
}

export const proxyOverhead: Scenario = { id: "2", name: "proxy overhead", run: proxyOverheadRows };
