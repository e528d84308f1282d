/**
 * CPU profiles of the throughput scenarios that missed their target (--profile: all of them), each
 * on a separate app server under `node --cpu-prof`.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";

import type { BuildInfo } from "./build";
import { ALICE, IDP_ISSUER, OUT, PROFILE_PORT, ROOT } from "./config";
import { load } from "./load";
import type { Options, Settings } from "./options";
import { monotonicUs, proxyChunks, summariseProfile, type ProfileSummary, type Window } from "./profile";
import type { Row } from "./report";
import { startApp, type App, type Idp } from "./servers";
import { signIn } from "./signin";

export type RowProfile = ProfileSummary & { workload: string; forRow: string };

interface Workload {
  name: string;
  /** Runs the workload for about `seconds`. */
  run(app: App, cookie: string, seconds: number, settings: Settings): Promise<void>;
}

const loadFor =
  (route: string, withCookie: boolean): Workload["run"] =>
  async (app, cookie, seconds, settings) => {
    await load(
      { label: route, url: `${app.url}${route}`, headers: withCookie ? { cookie } : {} },
      { connections: settings.connections, seconds },
    );
  };

const WORKLOADS: Record<string, Workload> = {
  "1a": { name: "api-me", run: loadFor("/api/me", true) },
  "1b": { name: "dashboard", run: loadFor("/dashboard", true) },
  "2b": { name: "landing-with-proxy", run: loadFor("/", false) },
  "3b": {
    name: "sign-in",
    run: async (app, _cookie, seconds) => {
      const until = Date.now() + seconds * 1000;
      while (Date.now() < until) await signIn(app.url, IDP_ISSUER, ALICE);
    },
  },
};

/**
 * A separate app server under `node --cpu-prof`: warm-up, then the workload; only the samples taken
 * during the workload are summarised.
 */
async function profile(
  workload: Workload,
  appBuild: BuildInfo,
  databaseUrl: string,
  idp: Idp,
  settings: Settings,
): Promise<ProfileSummary & { workload: string }> {
  const dir = path.join(OUT, "profiles", workload.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const app = await startApp(appBuild, PROFILE_PORT, databaseUrl, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
  let window: Window;
  try {
    const alice = await signIn(app.url, idp.issuer, ALICE);
    await workload.run(app, alice.cookieHeader, settings.warmupSeconds, settings);
    const fromUs = monotonicUs();
    await workload.run(app, alice.cookieHeader, settings.profileSeconds, settings);
    window = { fromUs, toUs: monotonicUs() };
  } finally {
    await app.stop();
  }
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  const newest = files.map((f) => path.join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) throw new Error(`no .cpuprofile written in ${dir}`);
  return { workload: workload.name, ...summariseProfile(newest, window, proxyChunks(appBuild.distDir)) };
}

/** Profiles each row's workload that missed its target (or every one, with --profile). */
export async function profileRows(
  rows: Row[],
  run: { options: Options; appBuild: BuildInfo; databaseUrl: string; idp: Idp; log: (line: string) => void },
): Promise<RowProfile[]> {
  const profiles: RowProfile[] = [];
  if (run.options.profile === "none") return profiles;
  for (const row of rows) {
    const workload = WORKLOADS[row.id];
    if (!workload || (row.status !== "miss" && run.options.profile !== "all")) continue;
    run.log(`profiling ${row.id} (${workload.name}) with node --cpu-prof…`);
    try {
      profiles.push({ ...(await profile(workload, run.appBuild, run.databaseUrl, run.idp, run.options.settings)), forRow: row.id });
    } catch (error) {
      run.log(`  profile failed: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  return profiles;
}

export function printProfiles(profiles: RowProfile[]): void {
  for (const p of profiles) {
    const pct = (f: { percent: number }) => `${f.percent.toFixed(1).padStart(5)} %`;
    console.log(
      `\nProfile for ${p.forRow} (${p.workload}): ${p.busyMs} ms of CPU ${p.windowed ? "during the workload" : "(whole process: start-up included)"}, ${p.idlePercent} % idle; ${path.relative(ROOT, p.file)}`,
    );
    console.log("  inclusive (in it, or in what it called):");
    for (const f of p.inclusiveByPlace.slice(0, 10)) console.log(`    ${pct(f)}  ${f.frame}`);
    console.log("  self time by place:");
    for (const f of p.selfByPlace.slice(0, 8)) console.log(`    ${pct(f)}  ${f.frame}`);
    console.log("  top frames (self):");
    for (const f of p.topFrames.slice(0, 10)) console.log(`    ${pct(f)}  ${f.frame}`);
  }
}
