/** What a run records besides its rows (the machine, the sources), bench/results.json, and the printed summary. */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import type { BuildInfo, Sources } from "./build";
import { ROOT, TARGETS } from "./config";
import { CPU_PLAN } from "./cpus";
import type { Options } from "./options";
import { printProfiles, type RowProfile } from "./profiling";
import { table, type Row } from "./report";
import { SERVER_NODE_FLAGS } from "./servers";
import { round } from "./stats";

export type Machine = ReturnType<typeof machine>;
export type Git = ReturnType<typeof git>;

export function machine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
  };
}

export function git() {
  const out = (...args: string[]) => {
    try {
      return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
    } catch {
      return "";
    }
  };
  // The bench's own files are not part of what is measured.
  const status = out("status", "--porcelain")
    .split("\n")
    .filter((line) => line && !/^.. bench\//.test(line));
  return {
    commit: out("rev-parse", "HEAD"),
    branch: out("rev-parse", "--abbrev-ref", "HEAD"),
    dirty: status.length > 0,
    changes: status.slice(0, 50),
  };
}

export interface Run {
  options: Options;
  startedAt: string;
  machine: Machine;
  git: Git;
  sources: Sources;
  appBuild: BuildInfo;
  noProxyBuild: BuildInfo | undefined;
  /** The load average as each scenario started, by scenario id. */
  loads: Record<string, number[]>;
  rows: Row[];
  profiles: RowProfile[];
}

/** Writes the run to its results file (bench/results.json unless --results says otherwise). */
export function writeResults(run: Run): { loadAverageAtEnd: number[] } {
  const { options } = run;
  const finishedAt = new Date().toISOString();
  const results = {
    benchVersion: 2,
    startedAt: run.startedAt,
    finishedAt,
    mode: options.quick ? "quick" : "full",
    scenariosRun: [...options.only].sort(),
    machine: { ...run.machine, loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)), loadAverageAtScenarioStart: run.loads },
    git: run.git,
    build: {
      sourcesFingerprint: run.sources.fingerprint,
      sourceFiles: run.sources.files.length,
      app: run.appBuild,
      noProxy: run.noProxyBuild,
    },
    settings: options.settings,
    database:
      "PostgreSQL (throw-away server from scripts/test-postgres.sh: fsync, synchronous_commit and full_page_writes off), DATABASE_POOL_MAX default",
    targets: TARGETS,
    cpus: CPU_PLAN,
    // The V8 flags every server ran with (BENCH_SERVER_NODE_FLAGS overrides them).
    serverNodeFlags: SERVER_NODE_FLAGS,
    // Rows whose scenario's A/A control strayed beyond tolerance: their figures are noise.
    tooNoisy: run.rows.filter((row) => row.noisy).map((row) => row.id),
    rows: run.rows.map(({ id, scenario, figure, target, status: s, note, noisy, details }) => ({
      id,
      scenario,
      figure,
      target,
      status: s,
      noisy,
      note,
      details,
    })),
    profiles: run.profiles,
  };
  writeFileSync(options.resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  return { loadAverageAtEnd: results.machine.loadAverageAtEnd };
}

export function printSummary(run: Run, loadAverageAtEnd: number[]): void {
  const { machine: m, git: g } = run;
  console.log("");
  console.log(
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}; load average ${m.loadAverageAtStart.join(" ")} → ${loadAverageAtEnd.join(" ")}`,
  );
  console.log(
    `Sources: git ${g.commit.slice(0, 12)}${g.dirty ? " + uncommitted changes" : ""}; build ${run.appBuild.reused ? "reused (current)" : "new"}`,
  );
  console.log(`Cores: ${CPU_PLAN.note}`);
  console.log("");
  console.log(table(run.rows));
  printProfiles(run.profiles);
  console.log(`\nResults: ${path.relative(ROOT, run.options.resultsFile)}`);
}
