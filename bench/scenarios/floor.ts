/**
 * Scenario f: what the floor (p0, this app's do-nothing route ÷ a bare Next.js app's) is made of.
 * The bare app (bench/peers/base/) gets one thing of this app's at a time, each a layer of
 * bench/peers/ (floor-headers: the app's next.config.mjs headers; floor-channel: the request-start
 * subscriber of its instrumentation; floor-handler: its probe's handler shape), and each is compared
 * with the bare app on `GET /api/health?live=1`, two servers of every build as in scenario 2, with an
 * A/A pair of the bare app. Each ratio reads like p0: the bare app's CPU per request over the
 * step's, so 0.97 means the step costs 3 % of the floor's throughput.
 */
import { floorPorts, log } from "../lib/config";
import { compare } from "../lib/load";
import { ensurePeerBuild, type FloorStep, type PeerBuild } from "../lib/peers";
import type { Row } from "../lib/report";
import { startPeer } from "../lib/servers";

import { controlRow, on, reportedRatioRow, withServers, type Context, type Scenario } from "./helpers";

const HEALTH = "/api/health?live=1";

const STEPS: readonly { id: string; step: FloorStep; what: string }[] = [
  {
    id: "f1",
    step: "floor-headers",
    what: "the app's response headers (next.config.mjs: security headers, the API's CSP, no X-Powered-By)",
  },
  {
    id: "f2",
    step: "floor-channel",
    what: "a subscriber to http.server.request.start writing the peer's address into a header (instrumentation.ts)",
  },
  { id: "f3", step: "floor-handler", what: "the probe's handler shape (the request's URL parsed for ?live=1, an async handler made once)" },
];

async function floorRows(ctx: Context): Promise<Row[]> {
  const options = { force: ctx.rebuild, log };
  const bareBuild = await ensurePeerBuild("bare", options);
  const stepBuilds: PeerBuild[] = [];
  for (const { step } of STEPS) stepBuilds.push(await ensurePeerBuild(step, options));
  const builds = [bareBuild, bareBuild, ...stepBuilds];
  const groups = builds.map((build, i) => floorPorts(i).map((port) => startPeer(build, port)));
  return withServers(groups, async ([bareServers, bareTwins, ...stepServers]) => {
    const bare = on(bareServers!, "bare Next.js", HEALTH);
    const rows: Row[] = [];
    for (const [i, { id, step, what }] of STEPS.entries()) {
      rows.push(
        reportedRatioRow(
          id,
          `Floor step: ${HEALTH}, the bare app with ${step.slice("floor-".length)} ÷ without`,
          await compare(on(stepServers[i]!, step, HEALTH), bare, ctx.settings),
          `The bare app plus ${what}.`,
        ),
      );
    }
    rows.push(
      controlRow(
        "fz",
        `A/A control: ${HEALTH} on the bare app's build against the same build on other servers`,
        await compare(bare, on(bareTwins!, "bare Next.js, other servers", HEALTH), ctx.settings),
        "Servers of one build, started with the others and measured the same way: the bench's own noise between servers.",
      ),
    );
    return rows;
  });
}

export const floor: Scenario = { id: "f", name: "what the floor is made of", run: floorRows };
