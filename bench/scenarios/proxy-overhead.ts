/**
 * Scenario 2: what the proxy costs, on new servers started together: the app, the no-proxy build
 * and the empty-proxy build (bench/variants/), and the app's build again for the A/A control. Four
 * servers of each (`--servers`), which each side of a ratio takes in turn (bench/lib/load.ts,
 * `measure`): between two runs, one server per side, a ratio moved by up to 2.7 % while its rounds
 * agreed within ±1 %, so where one process's JIT and heap happened to settle decided it as much as
 * the code did; with two, the control still spread 1.65 % over nine runs, one server 5 % dearer than
 * its partner enough to throw it out (bench/history/passes/criterion-at-3038889.md).
 *
 * All the servers serve each route in the same rounds, so they have the same past and age at
 * every moment. Measured one row after another, they had not: with the control first, 2a (the same
 * code on both sides) came out 0.924, the app's servers fresh from serving `/` against no-proxy
 * servers that had served only the API route; in the usual order, 2z came out 1.033, the app's
 * servers having served three rows more than their twins (bench/history/passes/totals.md).
 */
import { proxyPorts, TARGETS } from "../lib/config";
import { pairOf, type Measured } from "../lib/comparison";
import { measure } from "../lib/load";
import { forPages, type Settings } from "../lib/options";
import type { Row } from "../lib/report";
import { freshDatabase, startApp, type App } from "../lib/servers";

import { controlRow, on, ratioRow, reportedRatioRow, withServers, type Context, type Scenario } from "./helpers";

/** The servers of one build. */
type Servers = readonly App[];

const HEALTH = "/api/health?live=1";
const PAGE = "/";

/** The four builds, in the order `measure` takes them as sides; every row names its two by build. */
const SIDES = [
  { build: "fresh", label: "proxy on" },
  { build: "noProxy", label: "proxy off" },
  { build: "emptyProxy", label: "empty proxy" },
  { build: "twin", label: "the same build, other servers" },
] as const;

type Build = (typeof SIDES)[number]["build"];
type Builds = Record<Build, Servers>;

/**
 * One route on every server of the four builds, in the same rounds (bench/lib/load.ts, `measure`):
 * every server serves as long as every other, so all the rows compare servers of one age.
 */
function onEveryBuild(builds: Builds, route: string, settings: Settings): Promise<Measured> {
  return measure(
    SIDES.map(({ build, label }) => on(builds[build], label, route)),
    settings,
  );
}

/** The row "`a` ÷ `b`": `b`'s cost per request over `a`'s (`pairOf`). */
function pair(measured: Measured, a: Build, b: Build) {
  const side = (build: Build) => SIDES.findIndex((s) => s.build === build);
  return pairOf(measured, side(a), side(b));
}

/**
 * 2a: a public API route. The matcher leaves /api/ to the route handlers, so the proxy costs it nothing.
 * It takes the pages' rounds: four servers a side make 24 rounds only three turns, and with one
 * run's turns spread 0.956–1.046, three of them missed the criterion's ±2 % (criterion-at-dde233c.md).
 */
async function apiRoute(ctx: Context, builds: Builds): Promise<Row> {
  const measured = await onEveryBuild(builds, HEALTH, forPages(ctx.settings));
  const api = ratioRow("2a", `Proxy overhead: ${HEALTH} (matcher on ÷ off)`, pair(measured, "fresh", "noProxy"), TARGETS.proxyOverhead);
  api.note =
    "proxy.ts's matcher leaves /api/ to the route handlers (each is its own gate, e2e/security/api-routes.spec.ts): the same code on both sides.";
  return api;
}

/**
 * 2b, 2c, 2d on a public page, where the proxy runs (the page's nonce CSP and the cross-site write
 * check), and 2z, the A/A control: `/` on the app's servers against as many more of the same build,
 * started at the same time; the ratios of scenario 2 compare servers, so their control does too.
 */
async function publicPage(ctx: Context, builds: Builds): Promise<Row[]> {
  const route = PAGE;
  const measured = await onEveryBuild(builds, route, forPages(ctx.settings));
  const overhead = ratioRow("2b", `Proxy overhead: ${route} (matcher on ÷ off)`, pair(measured, "fresh", "noProxy"), TARGETS.proxyOverhead);
  // What Next.js charges for running any proxy; reported, since nothing in this app can change it.
  const floor = reportedRatioRow(
    "2c",
    `Proxy floor: ${route} with a proxy that does nothing ÷ off`,
    pair(measured, "emptyProxy", "noProxy"),
    "The bench's empty-proxy build: proxy.ts replaced by one that returns NextResponse.next() on the same matcher. " +
      "No proxy in this framework can do better than this ratio.",
  );
  const own = ratioRow(
    "2d",
    `Proxy's own work: ${route} (our proxy ÷ an empty one)`,
    pair(measured, "fresh", "emptyProxy"),
    TARGETS.proxyOverhead,
  );
  own.note = "Our proxy's own work (the session gate, the nonce, the page's CSP), with the framework's cost on both sides.";
  const control = controlRow(
    "2z",
    `A/A control: ${route} on the app's build against the same build on other servers`,
    pair(measured, "fresh", "twin"),
    "Servers of one build, started together, measured exactly as the other rows: whatever this differs from 1 is the bench's own noise between servers.",
  );
  return [overhead, floor, own, control];
}

async function proxyOverheadRows(ctx: Context): Promise<Row[]> {
  const { noProxyBuild, emptyProxyBuild } = ctx;
  if (!noProxyBuild || !emptyProxyBuild) throw new Error("no no-proxy or empty-proxy build");
  // New servers started together, so that no side has served other scenarios first (the
  // app of scenarios 1 and 6 has a grown heap and a warm session cache; a comparison against it
  // measured that, about 15 %, as much as the proxy).
  const builds = [
    { build: ctx.appBuild, name: "bench_app_fresh" },
    { build: noProxyBuild, name: "bench_no_proxy" },
    { build: emptyProxyBuild, name: "bench_empty_proxy" },
    { build: ctx.appBuild, name: "bench_app_twin" },
  ];
  // Each server on a fresh database of its own.
  const groups = builds.map(({ build, name }, b) =>
    proxyPorts(b, ctx.settings.servers).map((port, i) =>
      freshDatabase(`${name}_${i + 1}`, build).then((url) => startApp(build, port, url)),
    ),
  );
  return withServers(groups, async (servers) => {
    const [fresh, noProxy, emptyProxy, twin] = servers as [App[], App[], App[], App[]];
    const builds = { fresh, noProxy, emptyProxy, twin };
    // The API route first, on every build, then `/`: what a server has served moves what a page
    // costs it, and the page's ratios with it. With `/` first, on servers that had served nothing
    // else, 2b came out 0.857 against 0.799–0.815 in the ten runs before, the no-proxy build's page
    // dearer (bench/history/passes/four-servers.md).
    return [await apiRoute(ctx, builds), ...(await publicPage(ctx, builds))];
  });
}

export const proxyOverhead: Scenario = { id: "2", name: "proxy overhead", run: proxyOverheadRows };
