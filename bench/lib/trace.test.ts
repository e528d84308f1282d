import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { analyse, MAJOR, readTrace, type TracedRound } from "./trace";

let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

/** A round of two slices at `at`: A on pid 1 and B on pid 2, 1,000 requests each, B costing `ratio` times A. */
const round = (at: number, ratio: number): TracedRound => ({
  targets: [
    { url: "http://localhost:1/a", pid: 1 },
    { url: "http://localhost:2/b", pid: 2 },
  ],
  roundCpuNs: [1e9, ratio * 1e9],
  slices: [
    [0, at, 100, 1000, 5e8],
    [1, at + 100, 100, 1000, ratio * 5e8],
  ],
});

describe("a BENCH_TRACE_DIR recording", () => {
  it("lays each round's stray against the full collections B's server ran more than A's", () => {
    dir = mkdtempSync(path.join(tmpdir(), "bench-trace-"));
    // Eight rounds 1 s apart; B's server runs a full collection in every other one, which costs it 7 %.
    const rounds = Array.from({ length: 8 }, (_, i) => round(i * 1000, i % 2 ? 1 : 1.07));
    writeFileSync(path.join(dir, "slices.jsonl"), rounds.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const majors = rounds.flatMap((_, i) => (i % 2 ? [] : [[i * 1000 + 150, 20, MAJOR]]));
    // A scavenge (kind 1) on A's server in every round: not a full collection, so not counted.
    const scavenges = rounds.map((_, i) => [i * 1000 + 50, 2, 1]);
    writeFileSync(path.join(dir, "gc-2.jsonl"), majors.map((e) => JSON.stringify(e)).join("\n") + "\n");
    writeFileSync(path.join(dir, "gc-1.jsonl"), scavenges.map((e) => JSON.stringify(e)).join("\n") + "\n");

    const [comparison] = analyse(readTrace(dir), { rounds: 24, turn: 1 });
    expect(comparison!.paths).toEqual(["/a", "/b"]);
    expect(comparison!.majorsDifference).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
    expect(comparison!.majorsBySide).toEqual([0, 4]);
    expect(comparison!.correlation).toBeCloseTo(1, 6);
    expect(comparison!.slope).toBeCloseTo(0.07, 6);
  });

  it("starts a new comparison when the paths change or a comparison's rounds are complete", () => {
    dir = mkdtempSync(path.join(tmpdir(), "bench-trace-"));
    const other = { ...round(5000, 1), targets: [{ url: "http://localhost:1/c", pid: 1 }, round(0, 1).targets[1]!] };
    const rounds = [round(0, 1), round(1000, 1.1), round(2000, 1), other];
    writeFileSync(path.join(dir, "slices.jsonl"), rounds.map((r) => JSON.stringify(r)).join("\n"));
    const comparisons = analyse(readTrace(dir), { rounds: 2, turn: 1 });
    expect(comparisons.map((c) => c.rounds)).toEqual([2, 1, 1]);
    expect(comparisons[2]!.paths).toEqual(["/c", "/b"]);
  });

  it("leaves out the lead-in rounds before each comparison's counted ones", () => {
    dir = mkdtempSync(path.join(tmpdir(), "bench-trace-"));
    // Two comparisons of the same paths, each a lead-in round (its full collection on B's server) and two counted rounds.
    const rounds = [0, 1, 2, 3, 4, 5].map((i) => round(i * 1000, 1));
    writeFileSync(path.join(dir, "slices.jsonl"), rounds.map((r) => JSON.stringify(r)).join("\n"));
    writeFileSync(path.join(dir, "gc-2.jsonl"), [0, 3].map((i) => JSON.stringify([i * 1000 + 150, 20, MAJOR])).join("\n"));
    const comparisons = analyse(readTrace(dir), { rounds: 2, turn: 1, leadIn: 1 });
    expect(comparisons.map((c) => c.rounds)).toEqual([2, 2]);
    expect(comparisons.map((c) => c.majorsBySide)).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });
});
