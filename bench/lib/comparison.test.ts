import { describe, expect, it } from "vitest";

import { pairOf, ratioOfTotals, spread, type Cost, type LoadRun, type Measured } from "./comparison";

describe("the spread of a paired comparison", () => {
  it("takes the median and the quartiles over the rounds, so a few spoiled rounds move neither much", () => {
    const got = spread([1, 1.01, 0.99, 1, 0.5, 1.02, 0.98, 1, 1.6, 1], 1);
    expect(got.median).toBe(1);
    // Two rounds of ten off by half: the quartiles stay within the other eight.
    expect(got.q1).toBeGreaterThanOrEqual(0.98);
    expect(got.q3).toBeLessThanOrEqual(1.02);
    expect(got.perRound).toEqual([1, 1.01, 0.99, 1, 0.5, 1.02, 0.98, 1, 1.6, 1]);
  });

  it("rounds the figures to three digits", () => {
    const got = spread([0.91234, 0.91234], 0.91234);
    expect([got.ratio, got.median]).toEqual([0.912, 0.912]);
  });

  it("folds each turn of crossed-over servers into one ratio, so what one server costs more than the other cancels", () => {
    // A on X ÷ B on Y, then A on Y ÷ B on X: server X 10 % dearer than Y pushes the first up and the second down.
    const got = spread([0.9 * 1.1, 0.9 / 1.1, 0.9 * 1.1, 0.9 / 1.1], 0.9, 2);
    expect(got.perTurn).toEqual([0.9, 0.9]);
    expect(got.median).toBe(0.9);
    expect(got.perRound).toEqual([0.99, 0.818, 0.99, 0.818]);
  });

  it("leaves out an unfinished turn", () => {
    expect(spread([1, 1, 2], 1, 2).perTurn).toEqual([1]);
  });
});

describe("the ratio of a comparison's totals", () => {
  // A side's rounds: each serves 1,000 requests at 1 ms of CPU each, plus `extra` ms (a full collection).
  const rounds = (extras: number[]): Cost[] => extras.map((extra) => ({ requests: 1000, cost: 1000 + extra }));

  it("moves by a collection's share when a run catches one more, where the rounds' median jumps by its whole cost", () => {
    // B pays a 70 ms collection in three rounds of six, then in four; A in none.
    const a = rounds([0, 0, 0, 0, 0, 0]);
    const three = rounds([70, 0, 70, 0, 70, 0]);
    const four = rounds([70, 0, 70, 0, 70, 70]);
    expect(ratioOfTotals(a, three)).toBeCloseTo(1.035, 6);
    expect(ratioOfTotals(a, four) / ratioOfTotals(a, three)).toBeLessThan(1.012);
    const medianOf = (b: Cost[]) =>
      spread(
        b.map((round, i) => round.cost / a[i]!.cost),
        1,
      ).median;
    expect(medianOf(four) / medianOf(three)).toBeGreaterThan(1.03);
  });

  it("weighs each round by its requests, not each round alike", () => {
    const a: Cost[] = [
      { requests: 1000, cost: 1000 },
      { requests: 3000, cost: 3000 },
    ];
    const b: Cost[] = [
      { requests: 1000, cost: 2000 },
      { requests: 1000, cost: 1000 },
    ];
    // B: 3,000 ms for 2,000 requests; A: 1 ms a request.
    expect(ratioOfTotals(a, b)).toBeCloseTo(1.5, 6);
  });

  it("cancels what one server costs more than the other, with servers taken in turn", () => {
    // A on X then on Y, B on Y then on X; X costs 20 % more than Y, and B 10 % more than A.
    const a: Cost[] = [
      { requests: 1000, cost: 1200 },
      { requests: 1000, cost: 1000 },
    ];
    const b: Cost[] = [
      { requests: 1000, cost: 1100 },
      { requests: 1000, cost: 1320 },
    ];
    expect(ratioOfTotals(a, b, 2)).toBeCloseTo(1.1, 6);
  });
});

describe("the pairs of one measurement", () => {
  // Three sides over two rounds on servers taken in turn; each run's CPU per request as given.
  const run = (requests: number, cpu: number): LoadRun => ({
    requests,
    seconds: 2,
    rps: requests / 2,
    latencyP50Ms: 1,
    latencyP99Ms: 2,
    serverCpuMsPerRequest: cpu,
  });
  const measured: Measured = {
    sides: [
      { label: "a", runs: [run(1000, 1), run(1100, 1.2)], warmUps: [] },
      { label: "b", runs: [run(900, 1.3), run(950, 1.1)], warmUps: [] },
      { label: "c", runs: [run(800, 1.5), run(700, 1.7)], warmUps: [] },
    ],
    turn: 2,
    connections: 10,
    secondsPerRun: 2,
    sliceMs: 100,
  };

  it("gives B's cost per request over A's for any two sides, from the same rounds", () => {
    const ba = pairOf(measured, 0, 1);
    expect(ba.a.label).toBe("a");
    expect(ba.b.label).toBe("b");
    expect(ba.cpu?.perRound).toEqual([1.3, 0.917]);
    expect(ba.cpu?.ratio).toBeCloseTo(Math.sqrt(1.3 * (1.1 / 1.2)), 3);
  });

  it("multiplies out: C over B times B over A is C over A, as rows measured in the same rounds should", () => {
    const [ba, cb, ca] = [pairOf(measured, 0, 1), pairOf(measured, 1, 2), pairOf(measured, 0, 2)];
    // Each figure is rounded to three digits.
    expect(ca.cpu!.ratio).toBeCloseTo(ba.cpu!.ratio * cb.cpu!.ratio, 2);
    expect(ca.cpu!.ratio).not.toBeCloseTo(ba.cpu!.ratio, 2);
  });

  it("refuses a side the measurement does not have", () => {
    expect(() => pairOf(measured, 0, 3)).toThrow("no side 3");
  });
});
