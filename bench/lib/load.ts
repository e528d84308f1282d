/**
 * Throughput, and the measurements every ratio in the bench is made of (their figures:
 * bench/lib/comparison.ts). The load comes from a
 * process of its own (bench/lib/load-worker.ts) on the cores the servers do not use
 * (bench/lib/cpus.ts): autocannon for plain runs and warm-ups, alternating slices for the rounds of
 * a comparison (bench/lib/alternate.ts); the server's CPU time is read around each run and slice.
 */
import path from "node:path";

import { sideOf } from "./alternate";
import { BENCH_DIR, log, ROOT } from "./config";
import { pairOf, type LoadRun, type Measured, type PairedComparison, type WarmUp } from "./comparison";
import { CPU_PLAN, cpuNs, moveTo, pinned, type CpuPlan } from "./cpus";
import type { AlternateAnswer, AlternateRequest, Envelope, LoadAnswer, LoadRequest, SideTotals } from "./load-worker";
import { start, type Child } from "./proc";
import { mean, round } from "./stats";

export interface Target {
  label: string;
  url: string;
  headers?: Record<string, string>;
  /** The server process: its CPU time per request is measured too. */
  serverPid?: number;
}

type Answer = LoadAnswer | AlternateAnswer;

/** The load generator's process and its requests awaiting an answer, by id (0: its first message, listening). */
let worker: { child: Child; pending: Map<number, (answer: Answer) => void>; nextId: number } | undefined;

/** The load generator's process, started on first use and stopped with everything else (bench/lib/proc.ts). */
async function loadWorker(): Promise<NonNullable<typeof worker>> {
  if (worker?.child.running()) return worker;
  const [command, args] = pinned(CPU_PLAN.rest, process.execPath, ["--import", "tsx", path.join(BENCH_DIR, "lib", "load-worker.ts")]);
  const child = start("load generator", command, args, { cwd: ROOT, env: process.env, ipc: true });
  const current: NonNullable<typeof worker> = { child, pending: new Map(), nextId: 1 };
  child.child.on("message", ({ id, ...answer }: Envelope<Answer>) => {
    current.pending.get(id)?.(answer);
    current.pending.delete(id);
  });
  void child.exited.then((code) => {
    for (const resolve of current.pending.values()) resolve({ ok: false, error: `the load generator exited (${code}): ${child.output()}` });
    current.pending.clear();
  });
  await new Promise<Answer>((resolve) => current.pending.set(0, resolve));
  worker = current;
  return current;
}

async function generate(request: LoadRequest): Promise<LoadAnswer>;
async function generate(request: AlternateRequest): Promise<AlternateAnswer>;
async function generate(request: LoadRequest | AlternateRequest): Promise<Answer> {
  const current = await loadWorker();
  const id = current.nextId++;
  const answer = new Promise<Answer>((resolve) => current.pending.set(id, resolve));
  current.child.child.send({ ...request, id });
  return answer;
}

/** Refuses a run in which anything but 2xx came back: a ratio of error pages means nothing. */
function checked(target: Target, answer: LoadAnswer): LoadRun {
  if (!answer.ok) throw new Error(`${target.label}: the load generator failed: ${answer.error}`);
  if ((answer.errors ?? 0) > 0 || (answer.timeouts ?? 0) > 0 || (answer.non2xx ?? 0) > 0) {
    throw new Error(
      `${target.label}: ${answer.errors} errors, ${answer.timeouts} timeouts, ${answer.non2xx} non-2xx (${JSON.stringify(answer.statusCodeStats)})`,
    );
  }
  const requests = answer.requests ?? 0;
  const seconds = ((answer.finishMs ?? 0) - (answer.startMs ?? 0)) / 1000;
  return {
    requests,
    seconds: round(seconds, 2),
    rps: round(requests / seconds, 1),
    latencyP50Ms: answer.latencyP50Ms ?? Number.NaN,
    latencyP99Ms: answer.latencyP99Ms ?? Number.NaN,
  };
}

export async function load(target: Target, options: { connections: number; seconds?: number; amount?: number }): Promise<LoadRun> {
  const cpuBefore = target.serverPid ? cpuNs(target.serverPid) : undefined;
  const answer = await generate({
    kind: "load",
    url: target.url,
    headers: target.headers ?? {},
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { seconds: options.seconds ?? 5 }),
  });
  const run = checked(target, answer);
  if (target.serverPid && cpuBefore !== undefined && run.requests > 0) {
    run.serverCpuMsPerRequest = round((cpuNs(target.serverPid) - cpuBefore) / 1e6 / run.requests, 4);
  }
  return run;
}

/** Targets already warmed up in this run. */
const warmed = new Set<string>();

/** How far a warm-up's last four windows' mean cost may be from the four before for a server to count as settled. */
const SETTLED = 0.03;
/** The most a warm-up goes on after its first `warmupSeconds`. */
const WARMUP_MAX_EXTRA_SECONDS = 90;

export interface WarmUpOptions {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** The least number of requests a target serves while warming up (0: none). */
  warmupRequests?: number;
}

/**
 * Whether a server has stopped getting cheaper, from its warm-up windows' cost per request: the mean
 * of the last four within ±3 % of the mean of the four before. Means of several windows, since a
 * window that catches a full collection costs several per cent more than one that does not (and
 * they come about every other window): asked for three windows in a row within ±3 % of each other,
 * 7 of 16 servers warming up on an API route and 3 of 4 on the dashboard ran to the limit
 * unsettled (bench/history/e5d9765-servers-4.log).
 */
export function hasSettled(costs: readonly number[]): boolean {
  if (costs.length < 8) return false;
  return Math.abs(mean(costs.slice(-4)) / mean(costs.slice(-8, -4)) - 1) <= SETTLED;
}

/**
 * Loads a target until it has settled: at least `warmupSeconds` and `warmupRequests` requests,
 * then until its cost per request stops falling (`hasSettled`; requests/s when there is no server
 * process), at most 90 s more. Measured on the pages: a server still cost 5.7 ms a request after a
 * 10 s warm-up and 3.2 ms two minutes later, so a fixed warm-up left a newer server behind an older
 * one and an A/A pair of two servers 7 % apart. With the settling windows alone, two servers of `/`
 * fresh from their warm-up (10–16 s, a few thousand requests) still cost more than two that had
 * served the scenario's earlier comparisons: the median of the first 8 rounds 1.09, of the last 8
 * 1.00 (2z of history/d8cd8bc-precision-two-servers-1.json). Once per target and run.
 */
async function warmUp(target: Target, options: WarmUpOptions): Promise<WarmUp> {
  const key = `${target.url} ${JSON.stringify(target.headers ?? {})}`;
  if (warmed.has(key)) return { seconds: 0, requests: 0, settled: true };
  const started = Date.now();
  let served = (await load(target, { connections: options.connections, seconds: options.warmupSeconds })).requests;
  const window = Math.max(options.seconds, 1);
  const costs: number[] = [];
  let settled = false;
  for (let elapsed = 0; elapsed < WARMUP_MAX_EXTRA_SECONDS && !settled; elapsed += window) {
    const run = await load(target, { connections: options.connections, seconds: window });
    served += run.requests;
    costs.push(run.serverCpuMsPerRequest ?? 1 / run.rps);
    settled = hasSettled(costs) && served >= (options.warmupRequests ?? 0);
  }
  warmed.add(key);
  return { seconds: round((Date.now() - started) / 1000, 1), requests: served, settled };
}

/** Targets grouped by their server process, in order: one server's warm-ups run one after another, on one core. */
export function byServer(targets: readonly Target[]): Target[][] {
  const groups = new Map<number, Target[]>();
  // A target with no server process is a group of its own.
  targets.forEach((target, i) => {
    const key = target.serverPid ?? -1 - i;
    groups.set(key, [...(groups.get(key) ?? []), target]);
  });
  return [...groups.values()];
}

/**
 * Where warm-ups run at the same time: on the servers' own cores, and, where the cores are split
 * (bench/lib/cpus.ts), a second on the load generator's, the server moved there for its warm-up.
 * A target with no server process is judged by requests/s, which a warm-up beside it would move:
 * then one at a time.
 */
export function warmUpLanes(targets: readonly Target[], plan: Pick<CpuPlan, "servers" | "rest">): (string | undefined)[] {
  return plan.servers && plan.rest && targets.every((target) => target.serverPid !== undefined) ? [undefined, plan.rest] : [undefined];
}

/**
 * Warms up every target, two servers at a time where the cores are split (`warmUpLanes`). Nothing
 * is measured in a warm-up, and warm-ups were most of a run: scenario 2 took 23–28 minutes, of which
 * its rounds about 9 (the sides' seconds in its results), the rest starting and warming up eight
 * servers. A server warmed up on the load generator's core goes back to its own before the next;
 * the lead-in turn of `measure` then serves every server on its own core before a round counts.
 */
export async function warmUpAll(targets: readonly Target[], options: WarmUpOptions): Promise<Map<Target, WarmUp>> {
  const queue = byServer(targets);
  const home = CPU_PLAN.servers;
  const done = new Map<Target, WarmUp>();
  await Promise.all(
    warmUpLanes(targets, CPU_PLAN).map(async (cores) => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        const pid = group[0]!.serverPid;
        const away = cores !== undefined && pid !== undefined && home !== undefined;
        if (away) moveTo(pid, cores);
        try {
          for (const target of group) done.set(target, await warmUp(target, options));
        } finally {
          if (away) moveTo(pid, home);
        }
      }
    }),
  );
  return done;
}

/**
 * A tenth of a second per slice: short enough that both sides of a round see the same moment of
 * the machine's speed, long enough that the wait for the last responses of a slice (a few
 * milliseconds) stays small beside it. With 250 ms slices an A/A pair of two servers gave round
 * ratios of the same order of spread (0.05 against 0.08, one run of each).
 */
const SLICE_MS = 100;

/** One side of a round as a run; refuses a round in which anything but 2xx came back (a ratio of error pages means nothing). */
function sideRun(target: Target, side: SideTotals): LoadRun {
  if (side.failures > 0) {
    throw new Error(`${target.label}: ${side.failures} requests failed or answered outside 2xx (the first: ${side.failure})`);
  }
  const seconds = side.ms / 1000;
  const perRequest = (ns: number | undefined) => (ns !== undefined && side.requests > 0 ? round(ns / 1e6 / side.requests, 4) : undefined);
  const [whole, inSlices] = [perRequest(side.roundCpuNs), perRequest(side.cpuNs)];
  return {
    requests: side.requests,
    seconds: round(seconds, 2),
    rps: round(side.requests / seconds, 1),
    latencyP50Ms: round(side.latencyP50Ms, 2),
    latencyP99Ms: round(side.latencyP99Ms, 2),
    ...(whole !== undefined ? { serverCpuMsPerRequest: whole, serverCpuMsPerRequestInSlices: inSlices } : {}),
    ...(whole === undefined && inSlices !== undefined ? { serverCpuMsPerRequest: inSlices } : {}),
  };
}

/**
 * One side of a comparison: a target, or the same request on several servers, taken in turn round
 * by round (see `compare`).
 */
export type Side = Target | readonly Target[];
const targetsOf = (side: Side): readonly Target[] => (Array.isArray(side) ? side : [side as Target]);

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The side whose slice starts round `round_` of `measure` (the lead-in's rounds and the counted
 * ones, each from 0): the next side each round, so every side takes every place in the order of
 * the slices equally often over a turn (bench/lib/alternate.ts, `sideOf`).
 */
export const firstSideOf = (round_: number, sides: number): number => round_ % sides;

/**
 * Which of a side's `servers` serves round `round_`: forward then backward, X Y Y X for two, as the
 * slices go within a round. Scenario 1's two servers serve both sides, crossed over, and each runs a
 * full collection about every other round; taken X Y X Y, a server met the same side in every other
 * round, so its collections fell on one side for up to ten rounds in a row
 * (history/e4c3061-trace-scenario-1/) and the control 1z could come out 0.961
 * (history/e824e65-precision-1.json). Taken X Y Y X, every other round alternates the sides.
 */
export const serverOf = (round_: number, servers: number): number => sideOf(round_, servers);

/**
 * Rounds per turn: after one, every side has been on each of its servers equally often (2n rounds
 * for n servers, `serverOf`; one for one) and has started as many rounds as every other.
 */
export function turnOf(serversPerSide: readonly number[]): number {
  const lcm = (a: number, b: number) => (a * b) / gcd(a, b);
  return serversPerSide.reduce((length, servers) => lcm(length, servers > 1 ? 2 * servers : 1), serversPerSide.length);
}

/**
 * One round: `seconds` of every target in slices of 100 ms, going round them forward then backward
 * (a whole number of passes each way), and what each side served and cost.
 */
async function oneRound(targets: readonly Target[], options: { connections: number; seconds: number; first: number }): Promise<LoadRun[]> {
  const slices = 2 * targets.length * Math.max(1, Math.round((options.seconds * 1000) / (2 * SLICE_MS)));
  const sliceTarget = (target: Target) => ({ url: target.url, headers: target.headers ?? {}, serverPid: target.serverPid });
  const answer = await generate({
    kind: "alternate",
    targets: targets.map(sliceTarget),
    connections: options.connections,
    sliceMs: SLICE_MS,
    slices,
    first: options.first,
  });
  if (!answer.ok || !answer.sides) {
    throw new Error(`${targets.map((target) => target.label).join(" against ")}: the load generator failed: ${answer.error}`);
  }
  return targets.map((target, side) => sideRun(target, answer.sides![side]!));
}

/**
 * Sides at the same concurrency: each warmed up until it has settled (once per run), then `rounds`
 * rounds, each `seconds` of every side in slices of 100 ms, forward then backward (ABBA for two;
 * bench/lib/alternate.ts). Measured on an A/A pair of two servers: A and B measured in turns of
 * 2 s gave round ratios with a standard deviation of 0.14 (the machine's speed moved between the
 * turns), slices of 100 ms gave 0.08. Every round is kept in the results.
 *
 * More than two sides in one round keep their servers the same age: a server keeps getting cheaper
 * with what it has served long after its warm-up has settled, so where the rows of a scenario were
 * measured one after another, a server in every row had served three rows more than its A/A twin
 * and the control came out 1.033 (bench/history/passes/totals.md, "A server's past").
 */
export async function measure(sides: readonly Side[], options: WarmUpOptions & { rounds: number }): Promise<Measured> {
  const targets = sides.map(targetsOf);
  if (targets.length < 2 || targets.some((side) => side.length === 0))
    throw new Error("a comparison needs a target on each of two sides or more");
  const started = Date.now();
  const warmUps = await warmUpAll(targets.flat(), options);
  const fresh = [...warmUps.values()].filter((warmUp) => warmUp.requests > 0);
  if (fresh.length > 0) {
    const unsettled = fresh.filter((warmUp) => !warmUp.settled).length;
    log(
      `  warm-up: ${fresh.length} targets in ${round((Date.now() - started) / 1000, 1)} s, ` +
        `${Math.min(...fresh.map((w) => w.seconds))}–${Math.max(...fresh.map((w) => w.seconds))} s and ` +
        `${Math.min(...fresh.map((w) => w.requests))}–${Math.max(...fresh.map((w) => w.requests))} requests each` +
        (unsettled ? `; ${unsettled} stopped at the limit unsettled` : ""),
    );
  }
  const warmupOf = (side: readonly Target[]) => side.map((target) => warmUps.get(target)!);
  // Rounds in whole turns, so that every server serves its side equally often, and every side
  // starts as many rounds (bench/lib/alternate.ts, `sideOf`: with the order fixed, the first and
  // last of six servers of one build came out cheaper than the four between them).
  const turn = turnOf(targets.map((side) => side.length));
  const rounds = Math.ceil(options.rounds / turn) * turn;
  const runs: LoadRun[][] = targets.map(() => []);
  const play = (round_: number) =>
    oneRound(
      targets.map((side) => side[serverOf(round_, side.length)]!),
      { ...options, first: firstSideOf(round_, targets.length) },
    );
  // A lead-in turn, not counted: the servers warmed up first have waited idle since, for minutes
  // in scenario 2, and their first round cost them more (2z's first turn 0.811, its others
  // 0.90–1.06; history/93ed526-scenario-2-one-rounds.json).
  for (let round_ = 0; round_ < turn; round_++) await play(round_);
  for (let round_ = 0; round_ < rounds; round_++) (await play(round_)).forEach((run, side) => runs[side]!.push(run));
  return {
    sides: targets.map((side, i) => ({ label: side[0]!.label, runs: runs[i]!, warmUps: warmupOf(side) })),
    turn,
    connections: options.connections,
    secondsPerRun: options.seconds,
    sliceMs: SLICE_MS,
  };
}

/**
 * A against B (`measure` with two sides). Two routes of one server are best compared on two
 * servers of the same build, crossed over: A on X against B on Y, then A on Y against B on X (pass
 * both sides as lists). On one server, the garbage one route leaves is collected while the other is
 * measured: the same code on both sides spread 0.07 per round on one server (1z) and 0.02 on two
 * (2a); the cross-over cancels what one server costs more than the other.
 */
export async function compare(aSide: Side, bSide: Side, options: WarmUpOptions & { rounds: number }): Promise<PairedComparison> {
  return pairOf(await measure([aSide, bSide], options), 0, 1);
}
