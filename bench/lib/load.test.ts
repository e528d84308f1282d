import { describe, expect, it } from "vitest";

import { firstSideOf, serverOf, turnOf } from "./load";

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
