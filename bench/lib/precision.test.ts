import { describe, expect, it } from "vitest";

import type { LoadRun } from "./comparison";
import { agreement, keptCost, keptFigure, SAME_SPEED, type KeptRow } from "./precision";

const run = (requests: number, cpuMsPerRequest: number): LoadRun => ({
  requests,
  seconds: 2,
  rps: requests / 2,
  latencyP50Ms: 1,
  latencyP99Ms: 2,
  serverCpuMsPerRequest: cpuMsPerRequest,
});

/** A row whose B costs `ratio` times A per request, over two rounds crossed over between servers. */
function row(id: string, ratio: number, control = false): KeptRow {
  return {
    id,
    details: {
      ...(control ? { control: "A/A" } : {}),
      cpuRatio: { perRound: [ratio, ratio], perTurn: [ratio] },
      runs: { A: [run(1000, 0.5), run(1000, 0.6)], B: [run(1000, 0.5 * ratio), run(1000, 0.6 * ratio)] },
    },
  };
}

describe("the precision check over kept runs", () => {
  it("derives a row's figure again from its kept rounds, whatever figure the run printed", () => {
    const kept = row("1a", 0.9);
    kept.details!.cpuRatio!.perRound = [0.5, 0.5];
    expect(keptFigure(kept)).toBeCloseTo(0.9, 6);
  });

  it("holds a row whose runs stay within ±2 % of their median", () => {
    const [result] = agreement([[row("1a", 0.9)], [row("1a", 0.91)], [row("1a", 0.89)]]);
    expect(result!.holds).toBe(true);
    expect(result!.median).toBeCloseTo(0.9, 6);
  });

  it("fails a row one run of which strays by more than 2 %", () => {
    const [result] = agreement([[row("1a", 0.9)], [row("1a", 0.9)], [row("1a", 0.87)]]);
    expect(result!.holds).toBe(false);
    expect(result!.largestDeviation).toBeCloseTo(0.0333, 3);
  });

  it("fails an A/A control outside 0.98–1.02 even when its runs agree", () => {
    const runs = [0.975, 0.976, 0.977].map((ratio) => [row("1z", ratio, true)]);
    const [result] = agreement(runs);
    expect(result!.control).toBe(true);
    expect(result!.holds).toBe(false);
  });

  it("gives each run's CPU per request of a row, both sides over every round, and how far the runs' costs spread", () => {
    const fast = row("2d", 0.9);
    const slow = row("2d", 0.9);
    for (const side of Object.values(slow.details!.runs!)) for (const round of side) round.serverCpuMsPerRequest! *= 1.4;
    // A: 1000 requests at 0.5 ms and 1000 at 0.6 (1100 ms); B: the same at 0.9 times (990 ms).
    expect(keptCost(fast)).toBeCloseTo(2090 / 4000, 6);
    const [result] = agreement([[fast], [slow], [fast]]);
    expect(result!.holds).toBe(true);
    expect(result!.costs[1]).toBeCloseTo((1.4 * 2090) / 4000, 6);
    expect(result!.costSpread).toBeCloseTo(0.4, 6);
    expect(result!.costSpread).toBeGreaterThan(SAME_SPEED);
  });

  it("fails a row missing from a run", () => {
    const [result] = agreement([[row("1a", 0.9)], [], [row("1a", 0.9)]]);
    expect(result!.figures[1]).toBeUndefined();
    expect(result!.holds).toBe(false);
  });
});
