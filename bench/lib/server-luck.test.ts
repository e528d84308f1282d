import { describe, expect, it } from "vitest";

import type { LoadRun } from "./comparison";
import { serverIn, serverLuck, type ServerOrder } from "./server-luck";

/** A side's kept rounds: `cost(round, server)` ms per request, 500 requests each. */
function side(rounds: number, order: ServerOrder, cost: (round: number, server: number) => number): LoadRun[] {
  return Array.from({ length: rounds }, (_, round) => ({
    requests: 500,
    seconds: 2,
    rps: 250,
    latencyP50Ms: 10,
    latencyP99Ms: 20,
    serverCpuMsPerRequest: cost(round, serverIn(order, round, 2)),
  }));
}

/** The machine ran 20 % slower in the rounds that server X served. */
const slowX =
  (base: number, extraOnX = 1) =>
  (_round: number, server: number) =>
    base * (server === 0 ? 1.2 * extraOnX : 1);

describe("each server's cost against its side's others", () => {
  it("takes servers X Y Y X since e11c014 and X Y X Y before", () => {
    expect(Array.from({ length: 8 }, (_, round) => serverIn("xyyx", round, 2))).toEqual([0, 1, 1, 0, 0, 1, 1, 0]);
    expect(Array.from({ length: 4 }, (_, round) => serverIn("xyxy", round, 2))).toEqual([0, 1, 0, 1]);
  });

  it("finds no server's own part when only the rounds' speed differed", () => {
    const sides = { app: side(24, "xyyx", slowX(4)), off: side(24, "xyyx", slowX(3.2)), twin: side(24, "xyyx", slowX(4)) };
    const result = serverLuck(sides, 2, "xyyx");
    expect(result.map((s) => s.label)).toEqual(["app", "off", "twin"]);
    expect(result[0]!.costs[0]).toBeCloseTo(4.8);
    expect(result[0]!.costs[1]).toBeCloseTo(4);
    for (const { luck } of result) for (const value of luck) expect(value).toBeCloseTo(1, 6);
  });

  it("names the server that cost more than its twin for itself", () => {
    const sides = {
      app: side(24, "xyyx", slowX(4)),
      off: side(24, "xyyx", slowX(3.2)),
      empty: side(24, "xyyx", slowX(3.6)),
      twin: side(24, "xyyx", slowX(4, 1.05)),
    };
    const [app, , , twin] = serverLuck(sides, 2, "xyyx");
    // Against the geometric mean of the four sides, the twin's X carries three quarters of its 5 %.
    expect(twin!.luck[0]! / twin!.luck[1]!).toBeCloseTo(1.05 ** 0.75, 6);
    expect(app!.luck[0]! / app!.luck[1]!).toBeCloseTo(1.05 ** -0.25, 6);
  });

  it("reads a run kept before e11c014 in its own order", () => {
    const sides = { a: side(8, "xyxy", slowX(4, 1.1)), b: side(8, "xyxy", slowX(4)) };
    const [a, b] = serverLuck(sides, 2, "xyxy");
    expect(a!.luck[0]! / a!.luck[1]!).toBeCloseTo(1.1 ** 0.5, 6);
    expect(b!.luck[0]! / b!.luck[1]!).toBeCloseTo(1.1 ** -0.5, 6);
    // Read in the wrong order, the same rounds mix both servers and the difference blurs.
    const [wrong] = serverLuck(sides, 2, "xyyx");
    expect(wrong!.luck[0]! / wrong!.luck[1]!).toBeCloseTo(1, 6);
  });

  it("refuses sides that are not of the same rounds", () => {
    expect(() => serverLuck({ a: side(8, "xyyx", slowX(4)), b: side(4, "xyyx", slowX(4)) }, 2, "xyyx")).toThrow(/same rounds/);
    expect(() => serverLuck({ a: side(8, "xyyx", slowX(4)) }, 2, "xyyx")).toThrow(/two sides/);
  });
});
