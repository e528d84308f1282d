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
});
