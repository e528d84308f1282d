/**
 * Scenario r (`--baseline=<commit>`): this tree's app against the app at an earlier commit, built
 * beside it (bench/lib/baseline.ts) and measured the way scenario 2 compares builds: two new
 * servers of each, started together, each side taking its two in turn, with an A/A control on two
 * more servers of this tree's build. Every ratio is the earlier commit's figure over this tree's,
 * so above 1 means this tree is ahead; 0.98 or more means "no more than 2 % behind".
 *
 * What it answers: did a change (a redesign that moved every module, say) cost `/api/me`,
 * `/dashboard` or the sign-in callback anything? Scenario 1's ratios of two routes of one build,
 * kept from an earlier run, cannot say once the bench's own method has changed since; this compares
 * the two builds directly, with today's method on both.
 */
import { ALICE, BASELINE_PORTS, FRESH_APP_PORT, log, SECOND_APP_PORT, TARGETS } from "../lib/config";
import { ensureBaselineBuild, type BaselineBuild } from "../lib/baseline";
import { forPages } from "../lib/options";
import { compare, type Target } from "../lib/load";
import { ms, type Row } from "../lib/report";
import { freshDatabase, startApp, startBaseline, type App } from "../lib/servers";
import { signIn } from "../lib/signin";
import { round } from "../lib/stats";

import { controlRow, on, ratioRow, raw, reportedRatioRow, status, withServers, type Context, type Scenario } from "./helpers";
import { alternateSignIns } from "./peer-figures";

const HEALTH = "/api/health?live=1";

/** The servers of one build, and the cookie Alice's browser sends them (they share a database). */
interface Side {
  servers: readonly App[];
  cookie: string;
  label: string;
}

/** The route on both servers of the side, with Alice's cookie. */
const at = (side: Side, route: string): Target[] => on(side.servers, side.label, route, { cookie: side.cookie });

/** Alice signed in on the side's first server; her route and page answer her there and on the second. */
async function signedIn(ctx: Context, servers: readonly App[], label: string): Promise<Side> {
  const cookie = (await signIn(servers[0]!.url, ctx.idp.issuer, ALICE)).cookieHeader;
  for (const server of servers) {
    for (const route of ["/api/me", "/dashboard"]) {
      const answer = await raw(`${server.url}${route}`, { cookie });
      if (answer.status !== 200 || !answer.body.includes(ALICE.email))
        throw new Error(`${label}: GET ${route} answered ${answer.status} without Alice`);
    }
  }
  return { servers, cookie, label };
}

/** Two servers of a build on one new database of its own. */
function serversOf(
  name: string,
  build: { dir: string },
  start: (port: number, url: string) => Promise<App>,
  ports: readonly number[],
): Promise<App>[] {
  const url = freshDatabase(name, build);
  return ports.map((port) => url.then((databaseUrl) => start(port, databaseUrl)));
}

/** r1a, r1b, rf: one route on both builds, the earlier commit's CPU per request over this tree's. */
async function routeRows(ctx: Context, now: Side, then: Side, commit: string): Promise<Row[]> {
  const api = ratioRow(
    "r1a",
    `/api/me: ${commit} ÷ this tree`,
    await compare(at(now, "/api/me"), at(then, "/api/me"), ctx.settings),
    TARGETS.baseline,
  );
  api.note = "The full session check of a signed-in API call (scenario 1a's numerator), on both builds.";
  const pageBytes = async (side: Side) => (await raw(`${side.servers[0]!.url}/dashboard`, { cookie: side.cookie })).bodyBytes;
  const pages = { now: await pageBytes(now), then: await pageBytes(then) };
  const page = ratioRow(
    "r1b",
    `/dashboard: ${commit} ÷ this tree`,
    await compare(at(now, "/dashboard"), at(then, "/dashboard"), forPages(ctx.settings)),
    TARGETS.baseline,
    { htmlBytes: pages },
  );
  page.note = `The signed-in page behind the proxy (scenario 1b's numerator): ${pages.now} bytes of HTML here, ${pages.then} at ${commit}; the markup may differ between the commits.`;
  const floor = reportedRatioRow(
    "rf",
    `${HEALTH}: ${commit} ÷ this tree`,
    await compare(at(now, HEALTH), at(then, HEALTH), ctx.settings),
    "A route that authenticates nothing: what changed outside authentication (headers, instrumentation, the route table).",
  );
  return [api, page, floor];
}

/** r3b: complete sign-ins on both builds, alternating: the earlier commit's callback p50 over this tree's. */
async function signInRow(ctx: Context, now: Side, then: Side, commit: string): Promise<Row> {
  const timed = await alternateSignIns(ctx, { url: now.servers[0]!.url }, { url: then.servers[0]!.url });
  const [ours, theirs] = [timed.a, timed.b];
  const ratio = theirs.callbackMs.p50 / ours.callbackMs.p50;
  return {
    id: "r3b",
    scenario: `Sign-in callback p50: ${commit} ÷ this tree`,
    figure:
      `${ratio.toFixed(3)}×: callback p50 ${ms(ours.callbackMs.p50)} here vs ${ms(theirs.callbackMs.p50)}, p95 ${ms(ours.callbackMs.p95)} vs ${ms(theirs.callbackMs.p95)}; ` +
      `complete p50 ${ms(ours.totalMs.p50)} vs ${ms(theirs.totalMs.p50)}`,
    target: `≥ ${TARGETS.baseline.toFixed(2)}`,
    status: status(ratio >= TARGETS.baseline),
    details: {
      ratio: round(ratio, 3),
      thisTree: ours,
      baseline: theirs,
      signInsEach: timed.signInsEach,
      warmupEach: ctx.settings.signInWarmup,
      order: "ABBA",
    },
    note: "Sequential sign-ins as Alice through the Dev IdP, the two builds alternating; the callback timed from the client (scenario 3b).",
  };
}

async function baselineRows(ctx: Context): Promise<Row[]> {
  if (!ctx.baseline) throw new Error("scenario r compares with an earlier commit: name it with --baseline=<commit>");
  const build: BaselineBuild = await ensureBaselineBuild(ctx.baseline, { force: ctx.rebuild, log });
  const commit = build.commit.slice(0, 7);
  const startNow = (port: number, url: string) => startApp(ctx.appBuild, port, url);
  const startThen = (port: number, url: string) => startBaseline(build, port, url);
  const groups = [
    serversOf("bench_now", ctx.appBuild, startNow, [FRESH_APP_PORT, SECOND_APP_PORT]),
    serversOf("bench_baseline", build, startThen, BASELINE_PORTS.baseline),
    serversOf("bench_now_twin", ctx.appBuild, startNow, BASELINE_PORTS.twin),
  ];
  return withServers(groups, async ([nowServers, thenServers, twinServers]) => {
    const now = await signedIn(ctx, nowServers!, "this tree");
    const then = await signedIn(ctx, thenServers!, commit);
    const twin = await signedIn(ctx, twinServers!, "this tree, other servers");
    const rows = [...(await routeRows(ctx, now, then, commit)), await signInRow(ctx, now, then, commit)];
    rows.push(
      controlRow(
        "rz",
        "A/A control: /api/me on this tree's build against the same build on other servers",
        await compare(at(now, "/api/me"), at(twin, "/api/me"), ctx.settings),
        "Servers of one build, started with the others and measured the same way: the bench's own noise between servers.",
      ),
    );
    for (const row of rows) row.details.baseline = { commit: build.commit, reused: build.reused, fixes: build.fixes };
    return rows;
  });
}

export const baseline: Scenario = { id: "r", name: "against an earlier commit (--baseline)", run: baselineRows };
