import { describe, expect, it } from "vitest";

import { sideOf } from "./alternate";

describe("the order of a round's slices", () => {
  it("goes A B B A for two sides", () => {
    expect(Array.from({ length: 8 }, (_, i) => sideOf(i))).toEqual([0, 1, 1, 0, 0, 1, 1, 0]);
  });

  it("goes forward then backward for four, so every side's slices sit on average at the same moment", () => {
    const order = Array.from({ length: 8 }, (_, i) => sideOf(i, 4));
    expect(order).toEqual([0, 1, 2, 3, 3, 2, 1, 0]);
    const meanPosition = (side: number) => {
      const positions = order.flatMap((s, i) => (s === side ? [i] : []));
      return positions.reduce((sum, p) => sum + p, 0) / positions.length;
    };
    expect([0, 1, 2, 3].map(meanPosition)).toEqual([3.5, 3.5, 3.5, 3.5]);
  });

  it("starts from the side it is given, forward then backward as from A", () => {
    const order = Array.from({ length: 8 }, (_, i) => sideOf(i, 4, 1));
    expect(order).toEqual([1, 2, 3, 0, 0, 3, 2, 1]);
  });

  it("gives each side the turns (two slices in a row) in as many rounds as the others when the first side moves round by round", () => {
    const sides = 4;
    const atTurns = Array.from({ length: sides }, () => 0);
    for (let first = 0; first < sides; first++) {
      // A round of four passes, as in the bench (20 slices a side: 2 s of 100 ms slices).
      const order = Array.from({ length: 4 * sides }, (_, i) => sideOf(i, sides, first));
      for (let i = 1; i < order.length; i++) if (order[i] === order[i - 1]) atTurns[order[i]!]!++;
    }
    expect(atTurns).toEqual([3, 3, 3, 3]);
    // Without the moving first side, the sides at the turns would take them all.
    const fixed = Array.from({ length: 4 * sides }, (_, i) => sideOf(i, sides));
    expect(new Set(fixed.filter((side, i) => i > 0 && side === fixed[i - 1]))).toEqual(new Set([0, 3]));
  });
});
