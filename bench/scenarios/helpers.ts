/** What every scenario gets (the context), and the helpers they share: plain requests, rows, a pool. */
import { request as httpRequest } from "node:http";

import type { BuildInfo } from "../lib/build";
import { primaryRatio, type PairedComparison } from "../lib/comparison";
import type { Target } from "../lib/load";
import type { Settings } from "../lib/options";
import type { Row, Status } from "../lib/report";
import type { App, Idp } from "../lib/servers";

export interface Context {
  settings: Settings;
  app: App;
  appBuild: BuildInfo;
  noProxyBuild: BuildInfo | undefined;
  emptyProxyBuild: BuildInfo | undefined;
  idp: Idp;
  databaseUrl: string;
  aliceCookie: string;
  /** --rebuild: build the peers (bench/peers/) and the baseline even when their builds are current. */
  rebuild: boolean;
  /** --baseline: the commit scenario r compares the app with. */
  baseline: string | undefined;
}

/** A scenario: its id (--only), its name, and what it measures. */
export interface Scenario {
  id: string;
  name: string;
  run(ctx: Context): Promise<Row[]>;
}

export interface Raw {
  status: number;
  headerBytes: number;
  bodyBytes: number;
  body: string;
  location: string | undefined;
  /** Names of the cookies the response sets. */
  setsCookies: string[];
}

/** One plain HTTP request, uncompressed, to see exactly what the server sends. */
export function raw(url: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { "accept-encoding": "identity", ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        // "Name: value\r\n" per header, plus the status line and the blank line, roughly.
        const headerBytes = res.rawHeaders.reduce((sum, h) => sum + Buffer.byteLength(h) + 2, 0) + 19;
        resolve({
          status: res.statusCode ?? 0,
          headerBytes,
          bodyBytes: body.length,
          body: body.toString("utf8"),
          location: res.headers.location,
          setsCookies: (res.headers["set-cookie"] ?? []).map((c) => c.slice(0, c.indexOf("="))),
        });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.end();
  });
}

export const status = (pass: boolean): Status => (pass ? "pass" : "miss");

/** One side of a ratio: the same request to each server of a build, labelled "<label>: GET <route>". */
export const on = (servers: readonly App[], label: string, route: string, headers?: Record<string, string>): Target[] =>
  servers.map((server) => ({
    label: `${label}: GET ${route}`,
    url: `${server.url}${route}`,
    ...(headers && { headers }),
    serverPid: server.serverPid,
  }));

/**
 * Starts groups of servers together (one group per build), hands them to `run` and stops every
 * one afterwards. A server that fails to start fails the scenario, and the ones that did start are
 * stopped too rather than left holding their ports for the next scenario.
 */
export async function withServers<T>(groups: readonly (readonly Promise<App>[])[], run: (groups: App[][]) => Promise<T>): Promise<T> {
  const settled = await Promise.all(groups.map((group) => Promise.allSettled(group)));
  const started = settled.flat().flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  try {
    const failed = settled.flat().find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    return await run(settled.map((group) => group.map((result) => (result as PromiseFulfilledResult<App>).value)));
  } finally {
    await Promise.all(started.map((server) => server.stop()));
  }
}

/** "CPU 0.904 (rounds' IQR 0.897–0.911); rps 0.910": the primary figure first, requests/s beside it. */
function figureOf(comparison: PairedComparison): string {
  const { cpu, rps } = comparison;
  const cpuText = cpu ? `CPU ${cpu.ratio.toFixed(3)} (rounds' IQR ${cpu.q1.toFixed(3)}–${cpu.q3.toFixed(3)}); ` : "";
  return `${cpuText}rps ${rps.ratio.toFixed(3)}`;
}

export function ratioRow(
  id: string,
  scenario: string,
  comparison: PairedComparison,
  target: number,
  extra: Record<string, unknown> = {},
): Row {
  return {
    id,
    scenario,
    // Judged on the server's CPU per request (the primary figure); requests/s is shown beside it.
    figure: figureOf(comparison),
    target: `≥ ${target.toFixed(2)}`,
    status: status(primaryRatio(comparison) >= target),
    details: {
      ...extra,
      cpuRatio: comparison.cpu,
      ...(comparison.cpuInSlices ? { cpuRatioInSlices: comparison.cpuInSlices } : {}),
      rpsRatio: comparison.rps,
      [`${comparison.a.label} rps (median)`]: comparison.a.medianRps,
      [`${comparison.b.label} rps (median)`]: comparison.b.medianRps,
      connections: comparison.connections,
      secondsPerRun: comparison.secondsPerRun,
      sliceMs: comparison.sliceMs,
      runs: { [comparison.a.label]: comparison.a.runs, [comparison.b.label]: comparison.b.runs },
      warmUps: { [comparison.a.label]: comparison.a.warmUps, [comparison.b.label]: comparison.b.warmUps },
    },
  };
}

/** A ratio shown for context (a floor, the same comparison with one cause taken out): no target. */
export function reportedRatioRow(id: string, scenario: string, comparison: PairedComparison, note: string): Row {
  return { ...ratioRow(id, scenario, comparison, 0), target: "(reported)", status: "reported", note };
}

/** How far an A/A control may stray from 1 before its scenario's ratios are flagged as too noisy to judge. */
export const CONTROL_TOLERANCE = 0.02;

/**
 * An A/A control: the same thing measured against itself, which should come out 1. Off by more
 * than 2 %, the run was too noisy for the scenario's other ratios to be judged (bench/main.ts flags them).
 */
export function controlRow(id: string, scenario: string, comparison: PairedComparison, note: string): Row {
  const ratio = primaryRatio(comparison);
  return {
    ...ratioRow(id, scenario, comparison, 0, { control: "A/A" }),
    target: `${(1 - CONTROL_TOLERANCE).toFixed(2)}–${(1 + CONTROL_TOLERANCE).toFixed(2)}`,
    status: status(Math.abs(ratio - 1) <= CONTROL_TOLERANCE),
    note,
  };
}

export async function pool<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<{ results: T[]; errors: string[] }> {
  const results: T[] = [];
  const errors: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) {
        try {
          results.push(await task(i));
        } catch (error) {
          errors.push(`#${i}: ${(error as Error).message}`);
        }
      }
    }),
  );
  return { results, errors };
}
