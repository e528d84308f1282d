/**
 * npm run bench [-- options]: what authentication costs, as ratios measured in one run.
 *
 * bench/run.sh starts a throw-away PostgreSQL server (scripts/test-postgres.sh) and runs this with
 * its URL. This file then builds (or provably reuses) the production app and its variants
 * (bench/lib/build.ts), starts the Dev IdP and the app (bench/lib/servers.ts), runs the selected
 * scenarios (bench/scenarios/), profiles missed targets (bench/lib/profiling.ts), stops everything
 * it started, prints the table and writes bench/results.json (bench/lib/results.ts). See
 * bench/README.md.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

import { ensureBuild, readSources, type Variant } from "./lib/build";
import { ALICE, APP_PORT, BUILD_ENV, log, OUT, ROOT } from "./lib/config";
import { parseOptions, printHelp, type Options } from "./lib/options";
import { stopAll, stopAllOnSignals } from "./lib/proc";
import { profileRows } from "./lib/profiling";
import type { Row } from "./lib/report";
import { git, machine, printSummary, writeResults } from "./lib/results";
import { freshDatabase, SERVER_URL, startApp, startIdp } from "./lib/servers";
import { signIn } from "./lib/signin";
import { round } from "./lib/stats";
import { SCENARIOS, type Context, type Scenario } from "./scenarios";

/** Runs one scenario; a scenario that throws becomes an "error" row. */
async function runScenario(scenario: Scenario, ctx: Context): Promise<Row[]> {
  const outputBefore = ctx.app.child.output().length;
  try {
    const got = await scenario.run(ctx);
    // What the server logged as errors meanwhile (e.g. a failed sign-in's cause).
    const serverErrors = ctx.app.child
      .output()
      .slice(outputBefore)
      .split("\n")
      .filter((line) => /error/i.test(line) && !/^\s*$/.test(line))
      .slice(0, 10)
      .map((line) => line.slice(0, 300));
    if (serverErrors.length) for (const row of got) row.details.serverErrorsLogged = serverErrors;
    // A control that did not come out 1: the scenario's other ratios cannot be told from noise.
    if (got.some((row) => row.details.control === "A/A" && row.status === "miss")) {
      for (const row of got) if (row.details.control !== "A/A") row.noisy = true;
    }
    for (const row of got) log(`  ${row.id} ${row.scenario}: ${row.figure} (${row.status})`);
    return got;
  } catch (error) {
    log(`  scenario ${scenario.id} failed: ${(error as Error).message.split("\n").slice(0, 5).join(" | ")}`);
    return [
      {
        id: scenario.id,
        scenario: scenario.name,
        figure: "error",
        target: "",
        status: "error",
        details: { error: (error as Error).message.slice(0, 4000) },
      },
    ];
  }
}

async function runScenarios(ctx: Context, only: Set<string>): Promise<{ rows: Row[]; loads: Record<string, number[]> }> {
  const rows: Row[] = [];
  const loads: Record<string, number[]> = {};
  for (const scenario of SCENARIOS) {
    if (!only.has(scenario.id)) continue;
    log(`scenario ${scenario.id}: ${scenario.name}…`);
    loads[scenario.id] = os.loadavg().map((l) => round(l, 2));
    const started = performance.now();
    rows.push(...(await runScenario(scenario, ctx)));
    log(`  (${round((performance.now() - started) / 1000, 1)} s)`);
  }
  return { rows, loads };
}

async function main(options: Options): Promise<number> {
  if (!SERVER_URL || !/^postgres(ql)?:\/\//.test(SERVER_URL)) {
    console.error("[bench] no PostgreSQL server: run it as `npm run bench` (bench/run.sh starts a throw-away one).");
    return 2;
  }
  const { only, settings } = options;
  // This run's logs only (a reused build keeps its build log).
  rmSync(path.join(OUT, "profiles"), { recursive: true, force: true });
  mkdirSync(path.join(OUT, "logs"), { recursive: true });
  for (const file of readdirSync(path.join(OUT, "logs"))) if (!file.startsWith("build-")) rmSync(path.join(OUT, "logs", file));
  const startedAt = new Date().toISOString();
  const machineInfo = machine();
  const gitInfo = git();
  log(
    `${machineInfo.cpuModel}, ${machineInfo.cores} cores, Node ${machineInfo.node}; load average ${machineInfo.loadAverageAtStart.join(" ")}`,
  );
  log(
    `git ${gitInfo.commit.slice(0, 12)} (${gitInfo.branch})${gitInfo.dirty ? `, ${gitInfo.changes.length} uncommitted change(s) included` : ""}`,
  );

  const sources = readSources(ROOT, BUILD_ENV);
  log(`sources: ${sources.files.length} files, fingerprint ${sources.fingerprint.slice(0, 12)}`);
  const build = (variant: Variant) =>
    ensureBuild({ root: ROOT, outDir: OUT, variant, sources, env: BUILD_ENV, force: options.rebuild, log });
  const appBuild = await build("app");
  const noProxyBuild = only.has("2") ? await build("no-proxy") : undefined;
  const emptyProxyBuild = only.has("2") ? await build("empty-proxy") : undefined;

  const idp = await startIdp(appBuild.dir, only.has("5") ? settings.firstLogins : 0);
  log(
    `Dev IdP at ${idp.issuer}${only.has("5") ? (idp.extraUsersSupported ? `, with ${settings.firstLogins} bench users` : ", bench users NOT supported (scenario 5 skipped)") : ""}`,
  );
  const databaseUrl = await freshDatabase("bench_app", appBuild);
  const app = await startApp(appBuild, APP_PORT, databaseUrl);
  log(`app at ${app.url} (next-server pid ${app.serverPid}: ${app.serverCommand})`);

  const alice = await signIn(app.url, idp.issuer, ALICE);
  const ctx: Context = {
    settings,
    app,
    appBuild,
    noProxyBuild,
    emptyProxyBuild,
    idp,
    databaseUrl,
    aliceCookie: alice.cookieHeader,
    rebuild: options.rebuild,
    baseline: options.baseline,
  };
  const { rows, loads } = await runScenarios(ctx, only);
  await app.stop();

  const profiles = await profileRows(rows, { options, appBuild, databaseUrl, idp, log });
  await idp.child.stop();

  const run = { options, startedAt, machine: machineInfo, git: gitInfo, sources, appBuild, noProxyBuild, loads, rows, profiles };
  const { loadAverageAtEnd } = writeResults(run);
  printSummary(run, loadAverageAtEnd);
  return rows.some((row) => row.status === "error") ? 1 : 0;
}

const options = parseOptions(process.argv.slice(2));
if (options.help) {
  printHelp();
  process.exit(0);
}
stopAllOnSignals();
let code = 1;
try {
  code = await main(options);
} catch (error) {
  console.error(`[bench] ${(error as Error).stack ?? String(error)}`);
} finally {
  await stopAll();
}
process.exit(code);
