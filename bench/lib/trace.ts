/**
 * What BENCH_TRACE_DIR recorded (bench/lib/heap-probe.cjs: each server's garbage collections;
 * bench/lib/load-worker.ts: each round's slices), laid side by side: for every comparison, how far
 * each round's CPU ratio strays from its comparison's, against how many more full collections B's
 * server ran in that round than A's.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** performance's gc entry kind of a full (mark-compact) collection (NODE_PERFORMANCE_GC_MAJOR). */
export const MAJOR = 4;

/** [start in ms since the epoch, pause in ms, kind] */
export type GcEvent = [number, number, number];

export interface TracedRound {
  targets: { url: string; pid?: number }[];
  /** Each side's server CPU over the whole round. */
  roundCpuNs?: [number, number];
  /** [side, start in ms since the epoch, ms, requests, CPU ns inside the slice] */
  slices: [0 | 1, number, number, number, number | undefined][];
}

export interface TracedComparison {
  /** The two sides' paths (the servers' ports left out). */
  paths: [string, string];
  rounds: number;
  /** Per round: full collections on B's server minus on A's, during the round. */
  majorsDifference: number[];
  /** Full collections during the rounds on A's servers and on B's, over the comparison. */
  majorsBySide: [number, number];
  /** Per round: log(round's CPU ratio), less the mean of its position in the turn. */
  residuals: number[];
  /** Correlation of the two, and the residual's change per extra full collection (as a ratio, e.g. 0.07). */
  correlation: number;
  slope: number;
  residualSd: number;
}

const pathOf = (url: string) => url.replace(/^https?:\/\/[^/]+/, "");

export function readTrace(dir: string): { rounds: TracedRound[]; gc: Map<number, GcEvent[]> } {
  const lines = (file: string) => readFileSync(path.join(dir, file), "utf8").split("\n").filter(Boolean);
  const rounds = lines("slices.jsonl").map((line) => JSON.parse(line) as TracedRound);
  const gc = new Map<number, GcEvent[]>();
  for (const file of readdirSync(dir)) {
    const pid = /^gc-(\d+)\.jsonl$/.exec(file)?.[1];
    if (pid)
      gc.set(
        Number(pid),
        lines(file).map((line) => JSON.parse(line) as GcEvent),
      );
  }
  return { rounds, gc };
}

const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

/**
 * Consecutive rounds on the same two paths, at most `leadIn` + `rounds` each (a run's comparisons of
 * one pair of routes follow each other), the first `leadIn` of them left out as `measure` leaves
 * them out (one turn since 6d531f9; none before).
 */
export function analyse(
  trace: ReturnType<typeof readTrace>,
  options: { rounds: number; turn: number; leadIn?: number },
): TracedComparison[] {
  const leadIn = options.leadIn ?? 0;
  const played: TracedRound[][] = [];
  let key = "";
  for (const round of trace.rounds) {
    const next = round.targets.map((target) => pathOf(target.url)).join(" ");
    if (next !== key || played.at(-1)!.length >= leadIn + options.rounds) played.push([]);
    key = next;
    played.at(-1)!.push(round);
  }
  const groups = played.map((rounds) => rounds.slice(leadIn)).filter((rounds) => rounds.length > 0);
  const majors = (pid: number | undefined, from: number, to: number) =>
    (trace.gc.get(pid ?? -1) ?? []).filter(([start, , kind]) => kind === MAJOR && start >= from && start < to).length;
  return groups.map((rounds) => {
    const logs: number[] = [];
    const differences: number[] = [];
    const majorsBySide: [number, number] = [0, 0];
    for (const round of rounds) {
      const first = round.slices[0]!;
      const last = round.slices.at(-1)!;
      const [from, to] = [first[1], last[1] + last[2]];
      const requests = [0, 1].map((side) => round.slices.filter((slice) => slice[0] === side).reduce((sum, slice) => sum + slice[3], 0));
      const cpu =
        round.roundCpuNs ?? [0, 1].map((side) => round.slices.filter((s) => s[0] === side).reduce((sum, s) => sum + (s[4] ?? 0), 0));
      logs.push(Math.log(cpu[1]! / requests[1]! / (cpu[0]! / requests[0]!)));
      const [onA, onB] = [majors(round.targets[0]!.pid, from, to), majors(round.targets[1]!.pid, from, to)];
      majorsBySide[0] += onA;
      majorsBySide[1] += onB;
      differences.push(onB - onA);
    }
    // What one server costs more than the other shows as a difference between positions in the turn.
    const residuals = logs.map((value, i) => value - mean(logs.filter((_, j) => j % options.turn === i % options.turn)));
    const [mx, my] = [mean(differences), mean(residuals)];
    let [sxy, sxx, syy] = [0, 0, 0];
    differences.forEach((x, i) => {
      sxy += (x - mx) * (residuals[i]! - my);
      sxx += (x - mx) ** 2;
      syy += (residuals[i]! - my) ** 2;
    });
    return {
      paths: rounds[0]!.targets.map((target) => pathOf(target.url)) as [string, string],
      rounds: rounds.length,
      majorsDifference: differences,
      majorsBySide,
      residuals,
      correlation: sxx && syy ? sxy / Math.sqrt(sxx * syy) : 0,
      slope: sxx ? Math.exp(sxy / sxx) - 1 : 0,
      residualSd: Math.sqrt(syy / residuals.length),
    };
  });
}
