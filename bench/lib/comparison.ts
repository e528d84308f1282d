/**
 * The figures of a measurement (bench/lib/load.ts, `measure`): what each side served and cost in
 * each round, and any two sides' ratio from them, B's cost per request over A's, with how the
 * rounds spread around it.
 */
import { median, quartiles, round } from "./stats";

/** What a target served in a plain run or in one side of a round, and what it cost its server. */
export interface LoadRun {
  requests: number;
  seconds: number;
  rps: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /**
   * CPU time (all threads, user + system) the server process spent per request during the run; for
   * a side of an alternating round, over the whole round where the sides have processes of their own.
   */
  serverCpuMsPerRequest?: number;
  /** For a side of an alternating round: the same inside the side's own slices only. */
  serverCpuMsPerRequestInSlices?: number;
}

/** What a target's warm-up took (bench/lib/load.ts, `warmUp`); nothing for a target already warmed up in the run. */
export interface WarmUp {
  seconds: number;
  requests: number;
  /** False when it stopped at its limit without settling. */
  settled: boolean;
}

/** A comparison's figure and how its rounds spread around it. */
export interface Spread {
  /** The figure: B's cost per request over A's, from each side's totals (`ratioOfTotals`). */
  ratio: number;
  /** The median of the rounds' ratios (of the turns', with servers taken in turn), and its quartiles. */
  median: number;
  q1: number;
  q3: number;
  /** The ratio of each round (A and B in alternating slices). */
  perRound: number[];
  /** With servers taken in turn: each turn of rounds folded into one (the geometric mean of its rounds). */
  perTurn?: number[];
}

/** What one side of a round served and what it cost (server CPU, or wall time). */
export interface Cost {
  requests: number;
  cost: number;
}

/** A side's rounds as costs: what each served, and `perRequest` (CPU ms, or seconds) times that. */
export const costsOf = (runs: readonly LoadRun[], perRequest: (run: LoadRun) => number | undefined): Cost[] =>
  runs.map((run) => ({ requests: run.requests, cost: (perRequest(run) ?? Number.NaN) * run.requests }));

/** CPU per request over some of a server's rounds (ms): total CPU over total requests, as the figures are taken. */
export function cpuPerRequestOf(runs: readonly LoadRun[]): number {
  const cpu = runs.reduce((sum, run) => sum + (run.serverCpuMsPerRequest ?? Number.NaN) * run.requests, 0);
  return cpu / runs.reduce((sum, run) => sum + run.requests, 0);
}

/**
 * B's cost per request over A's from each side's totals over every round: with servers taken in
 * turn (`turn` rounds, e.g. A on X and B on Y, then A on Y and B on X), one ratio of totals per
 * position in the turn (the same pair of servers), then their geometric mean, in which what one
 * server costs more than the other cancels. Each round already holds A and B in ABBA order
 * (bench/lib/alternate.ts), so a drift of the machine's speed cancels within it.
 *
 * Totals, not the median of the rounds: a server's full garbage collection (~7 % of a side's CPU
 * in a round of /api/me, its marking threads included) falls in about every other round of a side,
 * so the rounds' ratios split into those with one and those without, and their median moved with
 * how many of each a run happened to get (BENCH_TRACE_DIR, bench/README.md "Precision"). Totals
 * count each collection by what it cost, as often as the requests caused it.
 */
export function ratioOfTotals(a: readonly Cost[], b: readonly Cost[], turn = 1): number {
  const perRequest = (side: readonly Cost[], position: number) => {
    let requests = 0;
    let cost = 0;
    for (let i = position; i < side.length; i += turn) {
      requests += side[i]!.requests;
      cost += side[i]!.cost;
    }
    return cost / requests;
  };
  let logs = 0;
  for (let position = 0; position < turn; position++) logs += Math.log(perRequest(b, position) / perRequest(a, position));
  return Math.exp(logs / turn);
}

/**
 * The figure (`ratio`, from `ratioOfTotals`) and how the rounds spread: the median and quartiles of
 * the rounds' ratios, or of the turns' (each turn folded into the geometric mean of its rounds).
 */
export function spread(perRound: number[], ratio: number, turn = 1): Spread {
  const perTurn: number[] = [];
  if (turn > 1) {
    for (let i = 0; i + turn <= perRound.length; i += turn) {
      const logs = perRound.slice(i, i + turn).map(Math.log);
      perTurn.push(Math.exp(logs.reduce((sum, v) => sum + v, 0) / turn));
    }
  }
  const values = turn > 1 ? perTurn : perRound;
  const [q1, q3] = quartiles(values);
  return {
    ratio: round(ratio, 3),
    median: round(median(values), 3),
    q1: round(q1, 3),
    q3: round(q3, 3),
    perRound: perRound.map((v) => round(v, 3)),
    ...(turn > 1 ? { perTurn: perTurn.map((v) => round(v, 3)) } : {}),
  };
}

export interface PairedComparison {
  /**
   * The primary figure: (server CPU per request of B) / (of A), what the ratio of requests/s
   * would be if the server alone limited both; other processes on the machine disturb it far less
   * than requests/s. Undefined when the targets name no server process.
   */
  cpu: Spread | undefined;
  /**
   * The CPU ratio from each server's CPU inside its own slices only, where `cpu` reads it over the
   * whole round (bench/lib/alternate.ts): the primary figure until the whole round was measured.
   */
  cpuInSlices?: Spread;
  /** (requests/s of A) / (of B). */
  rps: Spread;
  a: { label: string; medianRps: number; runs: LoadRun[]; warmUps: WarmUp[] };
  b: { label: string; medianRps: number; runs: LoadRun[]; warmUps: WarmUp[] };
  connections: number;
  /** Each side's share of a round, in slices of `sliceMs`. */
  secondsPerRun: number;
  sliceMs: number;
}

/** The figure a comparison is judged by: the CPU ratio where there is one. */
export const primaryRatio = (comparison: PairedComparison): number => (comparison.cpu ?? comparison.rps).ratio;

/** Every side's rounds of one measurement (`measure`), from which `pairOf` makes any two sides' comparison. */
export interface Measured {
  /** Each side's rounds, and its servers' warm-ups in the order it takes them. */
  sides: { label: string; runs: LoadRun[]; warmUps: WarmUp[] }[];
  /**
   * Rounds per turn: after one turn, every side has been on each of its servers equally often and
   * has started as many rounds as every other (bench/lib/load.ts, `firstSideOf`).
   */
  turn: number;
  connections: number;
  secondsPerRun: number;
  sliceMs: number;
}

/** Side `b` against side `a` of one measurement: B's cost per request over A's, round by round and from the totals. */
export function pairOf(measured: Measured, a: number, b: number): PairedComparison {
  const [sideA, sideB] = [measured.sides[a], measured.sides[b]];
  if (!sideA || !sideB) throw new Error(`no side ${sideA ? b : a} in this measurement`);
  const { turn } = measured;
  const [runsA, runsB] = [sideA.runs, sideB.runs];
  const ratios = (perRequest: (run: LoadRun) => number | undefined): number[] | undefined => {
    const values = runsA.map((runA, i) => {
      const [costA, costB] = [perRequest(runA), perRequest(runsB[i]!)];
      return costA && costB ? costB / costA : undefined;
    });
    return values.every((value) => value !== undefined) ? (values as number[]) : undefined;
  };
  const figure = (perRequest: (run: LoadRun) => number | undefined) => {
    const perRound = ratios(perRequest);
    return perRound && spread(perRound, ratioOfTotals(costsOf(runsA, perRequest), costsOf(runsB, perRequest), turn), turn);
  };
  // (requests/s of A) / (of B) is B's seconds per request over A's.
  const rps = figure((run) => 1 / run.rps);
  if (!rps) throw new Error("a side served no requests in a round");
  const cpuInSlices = figure((run) => run.serverCpuMsPerRequestInSlices);
  const side = ({ label, runs, warmUps }: Measured["sides"][number]) => ({
    label,
    medianRps: round(median(runs.map((r) => r.rps)), 1),
    runs,
    warmUps,
  });
  return {
    cpu: figure((run) => run.serverCpuMsPerRequest),
    ...(cpuInSlices ? { cpuInSlices } : {}),
    rps,
    a: side(sideA),
    b: side(sideB),
    connections: measured.connections,
    secondsPerRun: measured.secondsPerRun,
    sliceMs: measured.sliceMs,
  };
}
