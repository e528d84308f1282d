/** The command line of `npm run bench`, and the settings of the scenarios it gives. */
import path from "node:path";

import { PROXY_SERVERS_MAX, RESULTS } from "./config";

const HELP = `npm run bench [-- options]

  --quick            short runs (for trying the harness; figures are rough)
  --only=1,3,7       run only these scenarios (1-7; p: the peers; f: what the floor p0 is made of,
                     and n: the bench's noise between servers, neither in a default run;
                     r: against --baseline)
  --baseline=COMMIT  also scenario r: this tree's app against the app at COMMIT, built beside it
                     (e.g. --only=r --baseline=f3ea039)
  --rebuild          build even when the existing bench build is current
  --profile          CPU-profile the throughput scenarios even when they meet their targets
  --no-profile       no profiling pass, even for missed targets
  --connections=N    concurrency of the throughput runs (default 10)
  --seconds=N        each side's share of a round, in 100 ms slices in ABBA order (default 2)
  --rounds=N         rounds per ratio of API routes (default 24)
  --page-rounds=N    rounds per ratio of pages and of scenario 2 (default 48)
  --servers=N        scenario 2's servers of each build, 1-4 (default 4)
  --results=FILE     where to write the results (default bench/results.json)

Ports: BENCH_PORT_BASE (default 6100): app +1, no-proxy copy +2, profiled app +3, empty-proxy copy +4,
a fresh app for scenarios 2 and p +5 and its A/A twin +6, the peers +7 to +9 and +11 to +13, Dev IdP +10,
a second app server for scenario 1 +14, scenario r's second app server +15, its baseline servers
+19 and +20 and its control's +21 and +22, scenario f's +23 to +32, scenario 2's +33 to +48;
PostgreSQL from PG_PORT (default 6150).

Cores: with two or more, the app servers run on the upper half and everything else on the lower
half (taskset); BENCH_NO_PINNING=1 turns that off.`;

export type Settings = ReturnType<typeof settingsFor>;

export interface Options {
  help: boolean;
  quick: boolean;
  only: Set<string>;
  rebuild: boolean;
  /** --profile: profile every throughput scenario; --no-profile: none. */
  profile: "missed" | "all" | "none";
  resultsFile: string;
  /** --baseline: the commit scenario r compares this tree's app with. */
  baseline: string | undefined;
  settings: Settings;
}

function settingsFor(quick: boolean, numberOption: (name: string, fallback: number) => number) {
  return {
    connections: numberOption("connections", 10),
    seconds: numberOption("seconds", quick ? 1 : 2),
    rounds: numberOption("rounds", quick ? 4 : 24),
    // A page's request costs its server six to nine times an API route's, so a round holds that many
    // fewer; and the two rows the criterion found loosest are pages: 1b (2.8 % over four runs) and
    // 2z (1.65 % sd over nine; bench/history/passes/criterion-at-3038889.md).
    pageRounds: numberOption("page-rounds", quick ? 4 : 48),
    // Scenario 2 compares servers of different builds, which no cross-over can share: a server's
    // own luck (about 0.9 % of its CPU per request, bench/history/passes/four-servers.md) shrinks
    // only as the root of the servers a side averages.
    servers: serverCount(numberOption("servers", quick ? 2 : PROXY_SERVERS_MAX)),
    // The least warm-up a target gets; bench/lib/load.ts then goes on until the server has settled.
    // (After 3 s at ~700 requests/s the server was still getting faster: the JIT.)
    warmupSeconds: quick ? 1 : 10,
    // And the least number of requests, whatever they cost: the JIT settles by what a server has
    // run, so a page at 3 ms a request needs five times the seconds of an API route at 0.5 ms.
    warmupRequests: quick ? 0 : 15_000,
    signIns: quick ? 20 : 100,
    signInWarmup: quick ? 3 : 10,
    refreshConcurrency: 50,
    refreshRounds: quick ? 1 : 3,
    firstLogins: quick ? 40 : 200,
    firstLoginConcurrency: 20,
    memoryRequests: quick ? 4_000 : 20_000,
    profileSeconds: quick ? 4 : 10,
  };
}

function serverCount(value: number): number {
  if (!Number.isInteger(value) || value > PROXY_SERVERS_MAX)
    throw new Error(`--servers must be a whole number from 1 to ${PROXY_SERVERS_MAX}`);
  return value;
}

/** The settings of a ratio between pages, and of scenario 2's API row: `pageRounds` rounds. */
export const forPages = (settings: Settings): Settings => ({ ...settings, rounds: settings.pageRounds });

export function parseOptions(argv: string[]): Options {
  const flag = (name: string) => argv.includes(`--${name}`);
  const option = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const numberOption = (name: string, fallback: number) => {
    const raw = option(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
    return value;
  };
  const help = flag("help") || flag("h");
  const quick = flag("quick");
  return {
    help,
    quick,
    // Scenario r runs only against a commit named with --baseline.
    only: new Set((option("only") ?? `1,2,3,4,5,6,7,p${option("baseline") ? ",r" : ""}`).split(",").map((s) => s.trim())),
    rebuild: flag("rebuild"),
    profile: flag("no-profile") ? "none" : flag("profile") ? "all" : "missed",
    resultsFile: path.resolve(option("results") ?? RESULTS),
    baseline: option("baseline"),
    settings: help ? settingsFor(quick, (_name, fallback) => fallback) : settingsFor(quick, numberOption),
  };
}

export function printHelp(): void {
  console.log(HELP);
}
