import { describe, expect, it } from "vitest";

import { median, quartiles, standardDeviation } from "./stats";

describe("the statistics of per-round ratios", () => {
  it("gives the median of an odd and an even number of values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("interpolates the quartiles between ranks, whatever the order the values came in", () => {
    expect(quartiles([5, 1, 4, 2, 3])).toEqual([2, 4]);
    expect(quartiles([1, 2, 3, 4])).toEqual([1.75, 3.25]);
    expect(quartiles([7])).toEqual([7, 7]);
  });

  it("has no quartiles for no values", () => {
    expect(quartiles([]).every(Number.isNaN)).toBe(true);
  });
});

describe("standardDeviation", () => {
  it("divides by n − 1, as for a sample", () => {
    expect(standardDeviation([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });
});
