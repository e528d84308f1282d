/**
 * Scenario 2: what the proxy costs, on four new servers started together: the app, the no-proxy
 * build and the empty-proxy build (bench/variants/), and a second server of the app's build for
 * the A/A control.
 */
import { EMPTY_PROXY_PORT, FRESH_APP_PORT, FRESH_TWIN_PORT, NO_PROXY_PORT, TARGETS } from "../lib/config";
import { compare } from "../lib/load";
import type { Row } from "../lib/report";
import { freshDatabase, startApp, type App } from "../lib/servers";

import { controlRow, ratioRow, reportedRatioRow, type Context, type Scenario } from "./helpers";

/** 2a: a public API route. The matcher leaves /api/ to the route handlers, so the proxy costs it nothing. */
async function apiRoute(ctx: Context, fresh: App, noProxy: App): Promise<Row> {
  const health = "/api/health?live=1";
  const apiOn = { label: `proxy on: GET ${health}`, url: `${fresh.url}${health}`, serverPid: fresh.serverPid };
  const apiOff = { label: `proxy off: GET ${health}`, url: `${noProxy.url}${health}`, serverPid: noProxy.serverPid };
  const api = ratioRow(
    "2a",
    `Proxy overhead: ${health} (matcher on ÷ off)`,
    await compare(apiOn, apiOff, ctx.settings),
    TARGETS.proxyOverhead,
  );
  api.note =
    "proxy.ts's matcher leaves /api/ to the route handlers (each is its own gate, e2e/security/api-routes.spec.ts): the same code on both sides.";
  return api;
}

/** 2b, 2c, 2d: a public page, where the proxy runs (the page's nonce CSP and the cross-site write check). */
async function publicPage(ctx: Context, fresh: App, noProxy: App, emptyProxy: App): Promise<Row[]> {
  const route = "/";
  const off = { label: `proxy off: GET ${route}`, url: `${noProxy.url}${route}`, serverPid: noProxy.serverPid };
  const empty = { label: `empty proxy: GET ${route}`, url: `${emptyProxy.url}${route}`, serverPid: emptyProxy.serverPid };
  const ours = { label: `proxy on: GET ${route}`, url: `${fresh.url}${route}`, serverPid: fresh.serverPid };
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
 * 2z: `/` on the app against the same build on another server, started at the same time: the
 * ratios of scenario 2 compare servers, so their control does too.
 */
async function control(ctx: Context, fresh: App, twin: App): Promise<Row> {
  const route = "/";
  return controlRow(
    "2z",
    `A/A control: ${route} on two servers of the app's build`,
    await compare(
      { label: `app: GET ${route}`, url: `${fresh.url}${route}`, serverPid: fresh.serverPid },
      { label: `the same build, another server: GET ${route}`, url: `${twin.url}${route}`, serverPid: twin.serverPid },
      ctx.settings,
    ),
    "Two servers of one build, started together: whatever this differs from 1 is the bench's own noise between servers.",
  );
}

async function proxyOverheadRows(ctx: Context): Promise<Row[]> {
  const { noProxyBuild, emptyProxyBuild } = ctx;
  if (!noProxyBuild || !emptyProxyBuild) throw new Error("no no-proxy or empty-proxy build");
  // Four new servers started together, so that no side has served other scenarios first (the
  // app of scenarios 1 and 6 has a grown heap and a warm session cache; a comparison against it
  // measured that, about 15 %, as much as the proxy).
  const [fresh, noProxy, emptyProxy, twin] = await Promise.all([
    freshDatabase("bench_app_fresh", ctx.appBuild).then((url) => startApp(ctx.appBuild, FRESH_APP_PORT, url)),
    freshDatabase("bench_no_proxy", noProxyBuild).then((url) => startApp(noProxyBuild, NO_PROXY_PORT, url)),
    freshDatabase("bench_empty_proxy", emptyProxyBuild).then((url) => startApp(emptyProxyBuild, EMPTY_PROXY_PORT, url)),
    freshDatabase("bench_app_twin", ctx.appBuild).then((url) => startApp(ctx.appBuild, FRESH_TWIN_PORT, url)),
  ]);
  try {
    return [await apiRoute(ctx, fresh, noProxy), ...(await publicPage(ctx, fresh, noProxy, emptyProxy)), await control(ctx, fresh, twin)];
  } finally {
    await Promise.all([fresh.stop(), noProxy.stop(), emptyProxy.stop(), twin.stop()]);
  }
}

export const proxyOverhead: Scenario = { id: "2", name: "proxy overhead", run: proxyOverheadRows };
