/**
 * node --import tsx bench/tools/collections-model.ts
 *
 * A model of scenario 1's crossed-over servers (bench/history/passes/server-order.md): two servers
 * serve sides A and B, one each per round; each runs a full collection whenever its heap has grown
 * past a threshold, which costs the side it is serving 8 % of a round. Prints how far the figure (B's
 * total cost over A's, folded per position in the turn as bench/lib/comparison.ts does) strays from
 * run to run, for the servers taken X Y X Y and X Y Y X (`serverOf`), by how often a server collects.
 */
import { ratioOfTotals, type Cost } from "../lib/comparison";
import { serverOf } from "../lib/load";
import { standardDeviation } from "../lib/stats";

const RUNS = 3000;
const ROUNDS = 24;
const COLLECTION = 0.08;
/** Each side's cost in a round strays by 2 % (sd) without collections; the heap's growth by 15 %. */
const ROUND_NOISE = 0.02;
const GROWTH_NOISE = 0.15;

/** A seeded generator (mulberry32), so that every run of the tool prints the same table. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/** One run: log of the figure, with A's servers [X, Y] and B's [Y, X] taken by `order`. */
function oneRun(seed: number, period: number, turn: number, order: (round: number) => number, collect = true): number {
  const next = random(seed);
  const heap = [next(), next()];
  const sides: Cost[][] = [[], []];
  for (let round = -turn; round < ROUNDS; round++) {
    const x = order(round + turn);
    const serverOfSide = [x, 1 - x];
    const costs = serverOfSide.map((server) => {
      let cost = 1 + ROUND_NOISE * gaussian(next);
      heap[server]! += (1 / period) * (1 + GROWTH_NOISE * gaussian(next));
      while (heap[server]! >= 1) {
        heap[server]! -= 1;
        if (collect) cost += COLLECTION;
      }
      return cost;
    });
    if (round >= 0) costs.forEach((cost, side) => sides[side]!.push({ requests: 1, cost }));
  }
  return Math.log(ratioOfTotals(sides[0]!, sides[1]!, turn));
}

function spreadOf(period: number, turn: number, order: (round: number) => number, collect = true): string {
  const logs = Array.from({ length: RUNS }, (_, seed) => oneRun(seed + 1, period, turn, order, collect));
  return `${(standardDeviation(logs) * 100).toFixed(1)} %`;
}

const alternating = (round: number) => round % 2;
const forwardBack = (round: number) => serverOf(round, 2);
console.log(`Spread of the figure over ${RUNS} runs of ${ROUNDS} rounds (sd of its logarithm)`);
console.log("| a server collects every | X Y X Y | X Y Y X |");
console.log("| --- | --- | --- |");
for (const period of [1.4, 1.8, 2, 2.2, 2.5, 3, 4]) {
  console.log(`| ${period} rounds | ${spreadOf(period, 2, alternating)} | ${spreadOf(period, 4, forwardBack)} |`);
}
console.log(`| never | ${spreadOf(2, 2, alternating, false)} | ${spreadOf(2, 4, forwardBack, false)} |`);
