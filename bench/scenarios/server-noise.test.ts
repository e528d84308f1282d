import { describe, expect, it } from "vitest";

import type { LoadRun, Measured } from "../lib/comparison";
import { firstSideOf } from "../lib/load";

import { atTheTurns } from "./server-noise";

const run = (cpu: number): LoadRun => ({
  requests: 1000,
  seconds: 2,
  rps: 500,
  latencyP50Ms: 1,
  latencyP99Ms: 2,
  serverCpuMsPerRequest: cpu,
});

/** `sides` servers over `rounds` rounds, each costing `cost(place, round)` where it stood in that round. */
function measuredWith(sides: number, rounds: number, cost: (place: number, round: number) => number): Measured {
  return {
    sides: Array.from({ length: sides }, (_, side) => ({
      label: `server ${side + 1}`,
      runs: Array.from({ length: rounds }, (_, r) => run(cost((side - firstSideOf(r, sides) + sides) % sides, r))),
      warmUps: [],
    })),
    turn: sides,
    connections: 10,
    secondsPerRun: 2,
    sliceMs: 100,
  };
}

describe("what a place at the turns of a round's slices saves a server", () => {
  it("compares the sides at the turns with the others round by round, whichever sides stood there", () => {
    const got = atTheTurns(measuredWith(6, 12, (place) => (place === 0 || place === 5 ? 0.97 : 1)));
    expect(got.turnsRatio).toBeCloseTo(0.97, 6);
    expect(got.perRound).toHaveLength(12);
  });

  it("is not moved by the machine's speed changing from round to round", () => {
    const got = atTheTurns(measuredWith(6, 12, (place, r) => (r % 2 === 0 ? 2 : 1) * (place === 0 || place === 5 ? 0.97 : 1)));
    expect(got.turnsRatio).toBeCloseTo(0.97, 6);
  });

  it("comes out 1 where the place costs nothing", () => {
    expect(atTheTurns(measuredWith(4, 8, (_place, r) => 1 + r / 10)).turnsRatio).toBeCloseTo(1, 6);
  });
});
