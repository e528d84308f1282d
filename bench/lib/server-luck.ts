/**
 * How much each server of a side cost against its side's other servers, from a kept run: the
 * noise left in scenario 2, whose sides are different builds on servers of their own (`--servers` each),
 * so a server that costs more than its partners for a whole run moves every row it is in, the A/A
 * control too (bench/history/passes/criterion-at-3038889.md).
 *
 * A side's servers serve different rounds, and the machine's speed moves between rounds; every side
 * of one measurement takes its servers in the same rounds, so dividing by what every side's server
 * of the same rank cost over its side (their geometric mean) takes the rounds' speed out and leaves
 * the servers' own part.
 */
import { cpuPerRequestOf, type LoadRun } from "./comparison";
import { serverOf } from "./load";

/** Which of `servers` served counted round `round_`: X Y Y X since e11c014, X Y X Y before. */
export type ServerOrder = "xyyx" | "xyxy";

export const serverIn = (order: ServerOrder, round_: number, servers: number): number =>
  order === "xyyx" ? serverOf(round_, servers) : round_ % servers;

export interface SideServers {
  label: string;
  /** Each server's CPU per request over its rounds (ms), from the totals. */
  costs: number[];
  /**
   * Each server's cost over its side's, divided by the geometric mean of the same over every side of
   * the measurement (the same rounds): above 1, the server cost more than its twins for itself.
   */
  luck: number[];
}

/** A server's CPU per request over the rounds it served. */
const serverCost = (runs: readonly LoadRun[], server: number, servers: number, order: ServerOrder): number =>
  cpuPerRequestOf(runs.filter((_, round_) => serverIn(order, round_, servers) === server));

const geometricMean = (values: readonly number[]) => Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length);

/**
 * The sides of one measurement (the same rounds, so the same number of them), each with `servers`
 * servers taken in `order`.
 */
export function serverLuck(sides: Readonly<Record<string, readonly LoadRun[]>>, servers: number, order: ServerOrder): SideServers[] {
  const entries = Object.entries(sides);
  const rounds = new Set(entries.map(([, runs]) => runs.length));
  if (entries.length < 2 || rounds.size !== 1) throw new Error("serverLuck needs two sides or more of the same rounds");
  const costs = entries.map(([, runs]) => Array.from({ length: servers }, (_, server) => serverCost(runs, server, servers, order)));
  const relative = costs.map((side) => side.map((cost) => cost / geometricMean(side)));
  const byRank = Array.from({ length: servers }, (_, server) => geometricMean(relative.map((side) => side[server]!)));
  return entries.map(([label], i) => ({
    label,
    costs: costs[i]!,
    luck: relative[i]!.map((value, server) => value / byRank[server]!),
  }));
}
