import { describe, expect, it } from "vitest";

import { spread } from "./load";

describe("the spread of a paired comparison", () => {
  it("takes the median and the quartiles over the rounds, so a few spoiled rounds move neither much", () => {
    const got = spread([1, 1.01, 0.99, 1, 0.5, 1.02, 0.98, 1, 1.6, 1]);
    expect(got.median).toBe(1);
    // Two rounds of ten off by half: the quartiles stay within the other eight.
    expect(got.q1).toBeGreaterThanOrEqual(0.98);
    expect(got.q3).toBeLessThanOrEqual(1.02);
    expect(got.perRound).toEqual([1, 1.01, 0.99, 1, 0.5, 1.02, 0.98, 1, 1.6, 1]);
  });

  it("rounds the figures to three digits", () => {
    expect(spread([0.91234, 0.91234]).median).toBe(0.912);
  });

  it("folds each turn of crossed-over servers into one ratio, so what one server costs more than the other cancels", () => {
    // A on X ÷ B on Y, then A on Y ÷ B on X: server X 10 % dearer than Y pushes the first up and the second down.
    const got = spread([0.9 * 1.1, 0.9 / 1.1, 0.9 * 1.1, 0.9 / 1.1], 2);
    expect(got.perTurn).toEqual([0.9, 0.9]);
    expect(got.median).toBe(0.9);
    expect(got.perRound).toEqual([0.99, 0.818, 0.99, 0.818]);
  });

  it("leaves out an unfinished turn", () => {
    expect(spread([1, 1, 2], 2).perTurn).toEqual([1]);
  });
});
