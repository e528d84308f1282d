import { describe, expect, it } from "vitest";

import { spread } from "./load";

describe("the spread of a paired comparison", () => {
  it("folds each ABBA pair of rounds into one ratio, so a bias that flips with the order cancels", () => {
    // The first run of every round 10 % dearer: A/A rounds alternate around 1.
    const got = spread([0.9, 1.1, 0.9, 1.1, 0.9, 1.1]);
    expect(got.perPair).toEqual([0.995, 0.995, 0.995]);
    expect(got.median).toBe(0.995);
    expect(got.perRound).toEqual([0.9, 1.1, 0.9, 1.1, 0.9, 1.1]);
  });

  it("takes the median and the quartiles over the pairs, so one spoiled pair moves neither much", () => {
    const got = spread([1, 1, 1, 1, 0.5, 0.5, 1, 1, 1, 1]);
    expect(got.median).toBe(1);
    expect(got.q1).toBe(1);
    expect(got.perPair).toContain(0.5);
  });
});
