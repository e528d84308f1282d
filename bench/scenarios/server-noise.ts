/**
 * Scenario n: the bench's own noise between servers (`--only=n`, not in a default run). Six servers
 * of the app's build, each on a new database, serve `/` as six sides of the same rounds
 * (bench/lib/load.ts, `measure`), so whatever sets them apart is not their code: a process's own
 * luck (where its JIT and heap settled), and the place a side takes in the order of the slices.
 * Scenario 2's ratios compare servers of different builds, which no cross-over can share, so this
 * spread is the floor of their precision: with two servers a side, a ratio moves by about the
 * spread of one server.
 */
import { log, noisePorts } from "../lib/config";
import { firstSideOf, measure } from "../lib/load";
import { cpuPerRequestOf, type Measured } from "../lib/comparison";
import { forPages } from "../lib/options";
import type { Row } from "../lib/report";
import { freshDatabase, startApp } from "../lib/servers";
import { mean, round, standardDeviation } from "../lib/stats";

import { on, withServers, type Context, type Scenario } from "./helpers";

const SERVERS = 6;
const ROUTE = "/";

/**
 * The sides at the turns of a round (the first and the last of its forward pass) serve two slices
 * in a row: their cost over the others', round by round (so the machine's speed, which moves from
 * round to round, is the same on both), folded by the geometric mean.
 */
export function atTheTurns(measured: Measured): { turnsRatio: number; perRound: number[] } {
  const count = measured.sides.length;
  const place = (side: number, r: number) => (side - firstSideOf(r, count) + count) % count;
  const perRound = measured.sides[0]!.runs.map((_, r) => {
    const atTurns = (side: number) => place(side, r) === 0 || place(side, r) === count - 1;
    const meanOf = (sides: number[]) =>
      sides.reduce((sum, side) => sum + measured.sides[side]!.runs[r]!.serverCpuMsPerRequest!, 0) / sides.length;
    const sides = measured.sides.map((_, side) => side);
    return meanOf(sides.filter(atTurns)) / meanOf(sides.filter((side) => !atTurns(side)));
  });
  return { turnsRatio: Math.exp(perRound.reduce((sum, ratio) => sum + Math.log(ratio), 0) / perRound.length), perRound };
}

async function serverNoiseRows(ctx: Context): Promise<Row[]> {
  const groups = noisePorts(SERVERS).map((port, i) => [
    freshDatabase(`bench_noise_${i + 1}`, ctx.appBuild).then((url) => startApp(ctx.appBuild, port, url)),
  ]);
  return withServers(groups, async (servers) => {
    const measured = await measure(
      servers.map((group, i) => on(group, `server ${i + 1}`, ROUTE)),
      // As scenario 2 measures the page.
      forPages(ctx.settings),
    );
    const costs = measured.sides.map((side) => cpuPerRequestOf(side.runs));
    const average = mean(costs);
    const { turnsRatio, perRound } = atTheTurns(measured);
    log(`  CPU per request of ${ROUTE}, server by server: ${costs.map((cost) => `${cost.toFixed(3)} ms`).join(", ")}`);
    const details = { route: ROUTE, rounds: perRound.length, costsMsPerRequest: costs.map((cost) => round(cost, 4)) };
    return [
      {
        id: "n1",
        scenario: `Servers of one build: ${ROUTE} on ${SERVERS} servers, how far one server's CPU per request strays`,
        figure: `sd ${((100 * standardDeviation(costs)) / average).toFixed(1)} % of the mean; highest ÷ lowest ${(Math.max(...costs) / Math.min(...costs)).toFixed(3)}`,
        target: "(reported)",
        status: "reported",
        details: { ...details, runs: Object.fromEntries(measured.sides.map((side) => [side.label, side.runs])) },
        note: "What sets servers of one build apart: the floor under the precision of scenario 2, whose sides are different builds.",
      },
      {
        id: "n2",
        scenario: `Servers of one build: ${ROUTE}, a server at the turns of a round's slices ÷ elsewhere`,
        figure: `CPU ${turnsRatio.toFixed(3)}`,
        target: "(reported)",
        status: "reported",
        details: { ...details, perRound: perRound.map((ratio) => round(ratio, 4)) },
        note: "Serving two slices in a row against one at a time; every side takes every place equally often (bench/lib/load.ts, firstSideOf).",
      },
    ];
  });
}

export const serverNoise: Scenario = { id: "n", name: "the bench's noise between servers", run: serverNoiseRows };
