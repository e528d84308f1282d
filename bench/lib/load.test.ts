import { describe, expect, it } from "vitest";

import { byServer, firstSideOf, hasSettled, serverOf, turnOf, warmUpLanes, type Target } from "./load";
import { median } from "./stats";

/** Scenario 1's sides: A on X then Y, B on Y then X (crossed over). */
const crossed = [
  ["X", "Y"],
  ["Y", "X"],
] as const;

/** Full collections per side of a server that serves every round and collects every other one of them. */
function collectionsBySide(server: string, phase: number, schedule: (round: number) => number, rounds = 24): number[] {
  const bySide = [0, 0];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 !== phase) continue;
    const side = crossed.findIndex((servers) => servers[schedule(round)] === server);
    bySide[side]!++;
  }
  return bySide;
}

describe("the servers a side takes round by round", () => {
  it("takes two servers X Y Y X, as the slices go within a round", () => {
    expect(Array.from({ length: 8 }, (_, round) => serverOf(round, 2))).toEqual([0, 1, 1, 0, 0, 1, 1, 0]);
    expect(Array.from({ length: 3 }, (_, round) => serverOf(round, 1))).toEqual([0, 0, 0]);
  });

  it("puts a crossed-over server's collections of every other round on both sides alike", () => {
    for (const server of ["X", "Y"]) {
      for (const phase of [0, 1]) expect(collectionsBySide(server, phase, (round) => serverOf(round, 2))).toEqual([6, 6]);
    }
    // Taken X Y X Y, the server met the same side in every other round: all its collections on one side.
    expect(collectionsBySide("X", 0, (round) => round % 2)).toEqual([12, 0]);
  });

  it("counts a turn as whole passes over every side's servers and every side's first place", () => {
    expect(turnOf([2, 2])).toBe(4);
    expect(turnOf([2, 2, 2, 2])).toBe(4);
    expect(turnOf([1, 1, 1, 1, 1, 1])).toBe(6);
    expect(turnOf([1, 1])).toBe(2);
    expect(turnOf([2, 2, 2])).toBe(12);
  });

  it("takes scenario 2's four servers a side forward then back, each twice in a turn of eight rounds", () => {
    const turn = turnOf([4, 4, 4, 4]);
    expect(turn).toBe(8);
    const order = Array.from({ length: turn }, (_, round) => serverOf(round, 4));
    expect(order).toEqual([0, 1, 2, 3, 3, 2, 1, 0]);
    // Over a turn every side opens two rounds, each on a different server of its own.
    for (let side = 0; side < 4; side++) {
      const opens = order.filter((_, round) => firstSideOf(round, 4) === side);
      expect(opens).toHaveLength(2);
      expect(new Set(opens).size).toBe(2);
    }
  });

  it("has each crossed-over server open as many rounds as it does not, on each side, over a turn", () => {
    const seen: string[] = [];
    for (let round = 0; round < turnOf([2, 2]); round++) {
      const first = firstSideOf(round, 2);
      crossed.forEach((servers, side) => seen.push(`${servers[serverOf(round, 2)]} ${side} ${side === first ? "opens" : "follows"}`));
    }
    expect(seen.sort()).toEqual([
      "X 0 follows",
      "X 0 opens",
      "X 1 follows",
      "X 1 opens",
      "Y 0 follows",
      "Y 0 opens",
      "Y 1 follows",
      "Y 1 opens",
    ]);
  });
});

describe("warming servers up two at a time", () => {
  const target = (label: string, serverPid?: number): Target => ({ label, url: `http://localhost/${label}`, serverPid });
  const split = { servers: "1", rest: "0" };

  it("keeps the targets of one server together, in order, so one core warms them one after another", () => {
    const [a, b, c, d] = [target("a", 10), target("b", 20), target("c", 10), target("d", 30)];
    expect(byServer([a, b, c, d])).toEqual([[a, c], [b], [d]]);
  });

  it("warms a second server on the load generator's core only where the cores are split", () => {
    const targets = [target("a", 10), target("b", 20)];
    expect(warmUpLanes(targets, split)).toEqual([undefined, "0"]);
    expect(warmUpLanes(targets, { servers: undefined, rest: undefined })).toEqual([undefined]);
  });

  it("warms one at a time when a target has no server process, since requests/s judge its warm-up", () => {
    const targets = [target("a", 10), target("peer")];
    expect(warmUpLanes(targets, split)).toEqual([undefined]);
    expect(byServer(targets)).toEqual([[targets[0]], [targets[1]]]);
  });
});

describe("when a warm-up has settled", () => {
  it("waits while the server is still getting cheaper", () => {
    // 1 % cheaper each window: the last four 4 % below the four before.
    const falling = Array.from({ length: 10 }, (_, i) => 5 * 0.99 ** i);
    expect(hasSettled(falling)).toBe(false);
  });

  it("ends once the cost is flat, though every other window caught a collection", () => {
    const flat = [3.0, 3.25, 3.0, 3.25, 3.0, 3.25, 3.0, 3.25];
    expect(hasSettled(flat)).toBe(true);
    // Three windows in a row within ±3 % of their median never came, with a window 8 % dearer every other time.
    const lastThree = flat.slice(-3);
    expect(lastThree.every((cost) => Math.abs(cost / median(lastThree) - 1) <= 0.03)).toBe(false);
  });

  it("ends with a collection every third window too", () => {
    expect(hasSettled([3.25, 3.0, 3.0, 3.25, 3.0, 3.0, 3.25, 3.0, 3.0])).toBe(true);
  });

  it("needs eight windows to compare", () => {
    expect(hasSettled([3, 3, 3, 3, 3, 3, 3])).toBe(false);
  });
});
