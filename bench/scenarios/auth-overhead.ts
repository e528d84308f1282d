/**
 * Scenario 1: what authentication costs. 1a, 1c, 1d: a signed-in API call against the health
 * probe; 1b: /dashboard against its public twin (bench/dashboard-twin/); 1z: the A/A control.
 *
 * Each ratio compares two routes of the app on two servers of its build sharing one database,
 * crossed over (bench/lib/load.ts, `compare`): A on the bench's app and B on a second server, then
 * the other way round.
 */
import { DASHBOARD_TWIN_HEADER, DASHBOARD_TWIN_PATH } from "../dashboard-twin/twin";
import { ALICE, APP_TWIN_PORT, TARGETS } from "../lib/config";
import { forPages } from "../lib/options";
import { compare, type Target } from "../lib/load";
import { kB, type Row } from "../lib/report";
import { startApp, type App } from "../lib/servers";

import { controlRow, ratioRow, raw, reportedRatioRow, type Context, type Raw, type Scenario } from "./helpers";

/** The same request on both servers: [on X, on Y] for side A, [on Y, on X] for side B. */
type Request = (server: App) => Target;
const onBoth = ([x, y]: readonly [App, App], request: Request) => ({ a: [request(x), request(y)], b: [request(y), request(x)] });

async function apiOverhead(ctx: Context, servers: readonly [App, App]): Promise<Row[]> {
  const cookie = { cookie: ctx.aliceCookie };
  const answers = await Promise.all(servers.map((server) => raw(`${server.url}/api/me`, cookie)));
  for (const [i, answer] of answers.entries()) {
    if (answer.status !== 200 || !answer.body.includes(ALICE.email))
      throw new Error(`GET /api/me with the session answered ${answer.status} on ${servers[i]!.url}: ${answer.body.slice(0, 200)}`);
  }
  const me = answers[0]!;
  const apiMe: Request = (server) => ({
    label: "GET /api/me (signed in)",
    url: `${server.url}/api/me`,
    headers: cookie,
    serverPid: server.serverPid,
  });
  const probe: Request = (server) => ({
    label: "GET /api/health?live=1",
    url: `${server.url}/api/health?live=1`,
    serverPid: server.serverPid,
  });
  const probeWithCookie: Request = (server) => ({
    label: "GET /api/health?live=1 (same cookie, unread)",
    url: `${server.url}/api/health?live=1`,
    headers: cookie,
    serverPid: server.serverPid,
  });
  const apiComparison = await compare(onBoth(servers, apiMe).a, onBoth(servers, probe).b, ctx.settings);
  const rows = [
    ratioRow("1a", "Auth overhead: /api/me ÷ /api/health?live=1", apiComparison, TARGETS.authOverhead, {
      meResponseSetsCookies: me.setsCookies,
    }),
  ];
  rows[0]!.note =
    "The probe is sent without a cookie, as a load balancer sends it; Next.js's own handling of a request's cookies is on the /api/me side only (1c takes it out).";
  // The same request headers on both sides: what is left is what authentication does with the cookie.
  const sameCookie = await compare(onBoth(servers, apiMe).a, onBoth(servers, probeWithCookie).b, ctx.settings);
  rows.push(
    reportedRatioRow(
      "1c",
      "Auth overhead, same request: /api/me ÷ /api/health?live=1, both with the cookie",
      sameCookie,
      "Both requests carry Alice's session cookie; the probe ignores it. Next.js parses a request's cookies for every route handler " +
        "(its response cookie store, the draft-mode check) whether the handler reads them or not: 1a ÷ 1c is that cost, 1c is ours.",
    ),
  );
  // What the cookie alone costs in Next.js: the best 1a any handler that receives it could reach.
  const cookieFloor = await compare(onBoth(servers, probeWithCookie).a, onBoth(servers, probe).b, ctx.settings);
  rows.push(
    reportedRatioRow(
      "1d",
      "Cookie floor: /api/health?live=1 with Alice's cookie (unread) ÷ without",
      cookieFloor,
      "The same route, the same code: Next.js's own cost of a request that carries the session cookie. No route a signed-in browser calls can do better than this ratio in 1a.",
    ),
  );
  return rows;
}

/** The name the site header's account menu shows, if the page has that menu (the text just before its hidden label). */
const accountMenuName = (html: string) => /<span[^>]*>([^<]*)<\/span><span class="sr-only">: account menu<\/span>/.exec(html)?.[1];

/**
 * /dashboard signed in and its twin anonymous, refused unless they are the same page: the twin is
 * public and shows the same signed-in header (proof that the bench's tsconfig seams took effect)
 * and sends the same HTML, give or take the nonce and the build's per-route chunk names.
 */
async function dashboardAndTwin(ctx: Context, server: App, twinHeaders: Record<string, string>): Promise<{ dashboard: Raw; twin: Raw }> {
  const dashboard = await raw(`${server.url}/dashboard`, { cookie: ctx.aliceCookie });
  const twin = await raw(`${server.url}${DASHBOARD_TWIN_PATH}`, twinHeaders);
  if (dashboard.status !== 200 || !dashboard.body.includes("Signed in as")) {
    throw new Error(`GET /dashboard with the session answered ${dashboard.status} ${dashboard.location ?? ""}`);
  }
  if (twin.status !== 200 || !twin.body.includes(`Signed in as <strong data-testid="signed-in-email">${ALICE.email}`)) {
    throw new Error(`GET ${DASHBOARD_TWIN_PATH} (the public twin of /dashboard) answered ${twin.status} ${twin.location ?? ""}`);
  }
  const names = { dashboard: accountMenuName(dashboard.body), twin: accountMenuName(twin.body) };
  if (!names.dashboard || names.twin !== names.dashboard) {
    throw new Error(
      `the site header's account menu shows ${JSON.stringify(names.twin)} on the twin and ${JSON.stringify(names.dashboard)} on /dashboard`,
    );
  }
  const sizeDifference = Math.abs(dashboard.bodyBytes - twin.bodyBytes) / dashboard.bodyBytes;
  if (sizeDifference > 0.02) {
    throw new Error(`the twin sends ${twin.bodyBytes} bytes of HTML and /dashboard ${dashboard.bodyBytes}: not the same page any more`);
  }
  return { dashboard, twin };
}

async function pageOverhead(ctx: Context, servers: readonly [App, App]): Promise<Row> {
  const twinHeaders = { [DASHBOARD_TWIN_HEADER]: "1" };
  // "A public page of the same size".
  const { dashboard, twin } = (await Promise.all(servers.map((server) => dashboardAndTwin(ctx, server, twinHeaders))))[0]!;
  const dashboardPage: Request = (server) => ({
    label: "GET /dashboard (signed in)",
    url: `${server.url}/dashboard`,
    headers: { cookie: ctx.aliceCookie },
    serverPid: server.serverPid,
  });
  const twinPage: Request = (server) => ({
    label: `GET ${DASHBOARD_TWIN_PATH} (anonymous)`,
    url: `${server.url}${DASHBOARD_TWIN_PATH}`,
    headers: twinHeaders,
    serverPid: server.serverPid,
  });
  const pageComparison = await compare(onBoth(servers, dashboardPage).a, onBoth(servers, twinPage).b, forPages(ctx.settings));
  const sizes = {
    dashboardBodyBytes: dashboard.bodyBytes,
    twinBodyBytes: twin.bodyBytes,
    dashboardHeaderBytes: dashboard.headerBytes,
    twinHeaderBytes: twin.headerBytes,
    dashboardSetsCookies: dashboard.setsCookies,
  };
  const row = ratioRow("1b", "Page overhead: /dashboard ÷ its public twin", pageComparison, TARGETS.pageOverhead, sizes);
  row.note =
    `/dashboard sends ${kB(dashboard.bodyBytes)} of HTML, its twin ${kB(twin.bodyBytes)} (uncompressed). The twin is the bench's own public ` +
    "route (bench/dashboard-twin/): the same view (components/dashboard-view.tsx) and the same signed-in header under the same kind of " +
    "segment, rendered per request for a fixed person. Both go through the proxy; the difference is the proxy's session gate and the session checks.";
  return row;
}

/** 1z: /api/me against itself, crossed over like the others. Off by more than 2 %, scenario 1's ratios are noise. */
async function control(ctx: Context, servers: readonly [App, App]): Promise<Row> {
  const apiMe: Request = (server) => ({
    label: "GET /api/me (signed in)",
    url: `${server.url}/api/me`,
    headers: { cookie: ctx.aliceCookie },
    serverPid: server.serverPid,
  });
  const again: Request = (server) => ({ ...apiMe(server), label: "GET /api/me (signed in), again" });
  return controlRow(
    "1z",
    "A/A control: /api/me ÷ /api/me, crossed over between the two servers",
    await compare(onBoth(servers, apiMe).a, onBoth(servers, again).b, ctx.settings),
    "Both sides are the same request, measured exactly as the other rows: whatever this differs from 1 is the bench's own noise.",
  );
}

/** The rows, on the bench's app and a second server of its build started on the same database. */
async function authOverheadRows(ctx: Context): Promise<Row[]> {
  const second = await startApp(ctx.appBuild, APP_TWIN_PORT, ctx.databaseUrl);
  const servers = [ctx.app, second] as const;
  try {
    return [...(await apiOverhead(ctx, servers)), await pageOverhead(ctx, servers), await control(ctx, servers)];
  } finally {
    await second.stop();
  }
}

export const authOverhead: Scenario = { id: "1", name: "auth overhead", run: authOverheadRows };
