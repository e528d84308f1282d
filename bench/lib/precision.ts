/**
 * Do runs of the same scenarios agree? The bench's precision criterion: every ratio within ±2 % of
 * its median over the runs, and every A/A control within 0.98–1.02. Each figure is derived again
 * from the rounds its results file keeps, with today's estimator (`ratioOfTotals`), so runs kept
 * before the estimator changed are judged the same way as new ones.
 *
 * Beside each figure, what the row cost per request: on the bench's virtual machine the same
 * build's CPU per request rose by 14–67 % from a morning to an evening, the bench alone on it, and
 * the ratios between different code moved with it while the A/A controls did not (bench/README.md
 * "Precision"). Runs whose costs differ that much measured two different machines.
 */
import { costsOf, ratioOfTotals, type LoadRun } from "./comparison";
import { median } from "./stats";

/** A row of results.json, as far as the check reads it. */
export interface KeptRow {
  id: string;
  details?: {
    control?: string;
    cpuRatio?: { perRound: number[]; perTurn?: number[] };
    runs?: Record<string, LoadRun[]>;
  };
}

export interface Agreement {
  id: string;
  control: boolean;
  /** The row's figure in each run (undefined where the run has no such row). */
  figures: (number | undefined)[];
  median: number;
  /** The largest |figure ÷ median − 1| over the runs. */
  largestDeviation: number;
  holds: boolean;
  /** The row's CPU per request in each run, both sides together (ms): how fast the machine was then. */
  costs: (number | undefined)[];
  /** The largest cost over the smallest, less 1 (0.4: the slowest run's machine cost 40 % more a request). */
  costSpread: number;
}

/**
 * Above this `costSpread`, a row's runs were made at different machine speeds. A rough line: three
 * runs of one morning spread 3–15 % between them, and in both criterion attempts that missed, the
 * one row that missed was the one whose speed had moved most, by 11 % (history/passes/).
 */
export const SAME_SPEED = 0.1;

/** A kept round's server CPU per request (ms). */
const cpuPerRequest = (run: LoadRun) => run.serverCpuMsPerRequest;

/** The row's CPU ratio from its kept rounds: B's total CPU per request over A's, servers taken in turn. */
export function keptFigure(row: KeptRow): number | undefined {
  const sides = Object.values(row.details?.runs ?? {});
  const cpu = row.details?.cpuRatio;
  if (sides.length !== 2 || !cpu) return undefined;
  const turn = cpu.perTurn?.length ? Math.round(cpu.perRound.length / cpu.perTurn.length) : 1;
  const ratio = ratioOfTotals(costsOf(sides[0]!, cpuPerRequest), costsOf(sides[1]!, cpuPerRequest), turn);
  return Number.isFinite(ratio) ? ratio : undefined;
}

/** The row's CPU per request over every round of both sides (ms). */
export function keptCost(row: KeptRow): number | undefined {
  const runs = Object.values(row.details?.runs ?? {}).flat();
  let [requests, cost] = [0, 0];
  for (const { requests: served, cost: spent } of costsOf(runs, cpuPerRequest)) {
    requests += served;
    cost += spent;
  }
  return requests > 0 && Number.isFinite(cost) ? cost / requests : undefined;
}

export function agreement(runs: readonly (readonly KeptRow[])[], tolerance = 0.02): Agreement[] {
  const ids = [...new Set(runs.flatMap((rows) => rows.filter((row) => keptFigure(row) !== undefined).map((row) => row.id)))];
  return ids.map((id) => {
    const rows = runs.map((kept) => kept.find((row) => row.id === id));
    const figures = rows.map((row) => (row ? keptFigure(row) : undefined));
    const present = figures.filter((figure): figure is number => figure !== undefined);
    const middle = median(present);
    const largestDeviation = Math.max(...present.map((figure) => Math.abs(figure / middle - 1)));
    const control = rows.some((row) => row?.details?.control === "A/A");
    const inBand = present.every((figure) => !control || Math.abs(figure - 1) <= tolerance);
    const costs = rows.map((row) => (row ? keptCost(row) : undefined));
    const knownCosts = costs.filter((cost): cost is number => cost !== undefined);
    return {
      id,
      control,
      figures,
      median: middle,
      largestDeviation,
      holds: present.length === runs.length && largestDeviation <= tolerance && inBand,
      costs,
      costSpread: knownCosts.length ? Math.max(...knownCosts) / Math.min(...knownCosts) - 1 : 0,
    };
  });
}
