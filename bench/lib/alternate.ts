/**
 * Fine-grained alternation: the load goes to A, then to B, then B, then A (ABBA; with more sides,
 * A B C D D C B A) in slices of a fraction of a second, over keep-alive connections, and the
 * server's CPU time is read around each slice. Measured here: what a request costs a server moved
 * by up to ±10 % from one two-second window to the next, on both servers of a pair alike (the
 * virtual machine's own speed), so A and B measured seconds apart differed by that much. Slices of
 * a tenth of a second put A and B in the same moment of the machine's speed.
 *
 * Each slice ends by waiting for the requests in flight, so every response a slice counts was
 * served, and only served, inside its CPU window, and the sides may be routes of one server.
 *
 * When every side is a server process of its own, each one's CPU is also read over the whole round:
 * what a server does after its last response of a slice (collecting and sweeping the garbage its
 * requests left, on V8's background threads as well) falls in another side's slice, outside its
 * own windows, and would be lost at random; over the round, a server that serves only one side is
 * charged with all of it.
 */
import { Agent, request as httpRequest } from "node:http";

import { cpuNs } from "./cpus";

export interface SliceTarget {
  url: string;
  headers: Record<string, string>;
  /** The server process whose CPU time the slice reads. */
  serverPid?: number;
}

export interface Slice {
  /** 0 for A, 1 for B, and so on. */
  side: number;
  requests: number;
  /** Responses outside 2xx, and requests that failed. */
  failures: number;
  /** The first failure, for the error message. */
  failure?: string;
  /** When the slice began, in ms since the epoch. */
  at: number;
  /** Wall time of the slice, from its first request to the end of its last response. */
  ms: number;
  /** CPU time of the server during the slice (all its threads), when it has a process. */
  cpuNs?: number;
  latenciesMs: number[];
}

/** One GET on a kept-alive connection: its status, or the error. */
function get(agent: Agent, url: URL, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent, headers: { "accept-encoding": "identity", ...headers } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
    req.end();
  });
}

/** `connections` loops sending requests to one target until `ms` has passed, then the last responses. */
async function slice(side: number, target: SliceTarget, agent: Agent, connections: number, ms: number): Promise<Slice> {
  const url = new URL(target.url);
  const cpuBefore = target.serverPid ? cpuNs(target.serverPid) : undefined;
  const started = performance.now();
  const result: Slice = { side, requests: 0, failures: 0, at: performance.timeOrigin + started, ms: 0, latenciesMs: [] };
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const sent = performance.now();
        try {
          const status = await get(agent, url, target.headers);
          if (status < 200 || status > 299) {
            result.failures++;
            result.failure ??= `HTTP ${status}`;
          }
        } catch (error) {
          result.failures++;
          result.failure ??= (error as Error).message;
        }
        result.requests++;
        result.latenciesMs.push(performance.now() - sent);
      }
    }),
  );
  result.ms = performance.now() - started;
  if (target.serverPid && cpuBefore !== undefined) result.cpuNs = cpuNs(target.serverPid) - cpuBefore;
  return result;
}

/**
 * The side of slice `i` of `sides`, forward then backward from side `first`: A B B A … for two,
 * A B C D D C B A … for four (B C D A A D C B … from B). Over each pair of passes every side's
 * slices sit on average at the same moment, so a drift of the machine's speed that is steady over
 * it charges every side alike. Places still differ: the first side opens the round and closes it,
 * the two at the turns serve two slices in a row, the others one at a time; `measure` in
 * bench/lib/load.ts starts each round at the next side, so that every side takes every place
 * equally often (with the order fixed, the first and last of six servers of one build came out
 * cheaper than the four between them: bench/history/passes/six-servers.md).
 */
export function sideOf(i: number, sides = 2, first = 0): number {
  const position = i % sides;
  const place = Math.floor(i / sides) % 2 === 0 ? position : sides - 1 - position;
  return (place + first) % sides;
}

/** How long after a round's last slice its CPU is read (see `alternate`). */
const TAIL_MS = 100;

export interface Round {
  slices: Slice[];
  /** Each side's server CPU over the whole round; undefined when sides share a process or name none. */
  roundCpuNs: number[] | undefined;
}

/**
 * `slices` slices of `sliceMs`, going round the sides forward then backward from side `first`
 * (`sideOf`), each side on its own connections.
 */
export async function alternate(
  targets: readonly SliceTarget[],
  options: { connections: number; sliceMs: number; slices: number; first?: number },
): Promise<Round> {
  const agents = targets.map(() => new Agent({ keepAlive: true, maxSockets: options.connections }));
  const pids = targets.map((target) => target.serverPid);
  const ownProcesses = pids.every((pid) => pid !== undefined) && new Set(pids).size === pids.length;
  const roundCpu = () => (ownProcesses ? pids.map((pid) => cpuNs(pid!)) : undefined);
  try {
    const before = roundCpu();
    const slices: Slice[] = [];
    for (let i = 0; i < options.slices; i++) {
      const side = sideOf(i, targets.length, options.first);
      slices.push(await slice(side, targets[side]!, agents[side]!, options.connections, options.sliceMs));
    }
    // Read the round's CPU once what the servers do after their last response (collecting and
    // sweeping on V8's background threads) is done: read at once, the side that served the round's
    // last slice would lose its share to the gap before the next round.
    if (before) await new Promise((resolve) => setTimeout(resolve, TAIL_MS));
    const after = roundCpu();
    return { slices, roundCpuNs: before && after ? after.map((ns, side) => ns - before[side]!) : undefined };
  } finally {
    for (const agent of agents) agent.destroy();
  }
}
