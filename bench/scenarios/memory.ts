/**
 * Scenario 6: the app server's memory under /api/me load: VmRSS over a series of requests, then
 * the V8 heap still in use after full collections, before and after another series.
 */
import { sleep, TARGETS } from "../lib/config";
import { load, type Target } from "../lib/load";
import { heapAfterGc, mib } from "../lib/memory";
import { readRss } from "../lib/proc";
import type { Row } from "../lib/report";
import { round } from "../lib/stats";

import { status, type Context, type Scenario } from "./helpers";

type Sample = { afterRequests: number; rssBytes: number };

/** RSS after the warm-up, then after each quarter of the requests. */
async function rssSeries(ctx: Context, target: Target): Promise<Sample[]> {
  const { settings } = ctx;
  // The same warm-up as every ratio gets: the server's first seconds at this load are the JIT and
  // V8 sizing its heap spaces for the allocation rate, not what it holds afterwards.
  await load(target, { connections: settings.connections, seconds: settings.warmupSeconds });
  await sleep(1_000);
  // First RSS as the process holds it, with no forced collection anywhere in the series.
  const samples: Sample[] = [{ afterRequests: 0, rssBytes: readRss(ctx.app.serverPid) }];
  const step = settings.memoryRequests / 4;
  for (let done = step; done <= settings.memoryRequests; done += step) {
    await load(target, { connections: settings.connections, amount: step });
    await sleep(1_000);
    samples.push({ afterRequests: done, rssBytes: readRss(ctx.app.serverPid) });
  }
  return samples;
}

async function memoryRows(ctx: Context): Promise<Row[]> {
  const { settings } = ctx;
  const target = { label: "GET /api/me (signed in)", url: `${ctx.app.url}/api/me`, headers: { cookie: ctx.aliceCookie } };
  const samples = await rssSeries(ctx, target);
  // Then what is still referenced: the heap after a full collection, before and after another
  // run of the same length. A leak grows this; heap the process has grown to and kept does not.
  const heapBefore = await heapAfterGc(ctx.app);
  await load(target, { connections: settings.connections, amount: settings.memoryRequests });
  await sleep(1_000);
  const heapAfter = await heapAfterGc(ctx.app);
  return [memoryRow(ctx, samples, heapBefore, heapAfter)];
}

function memoryRow(ctx: Context, samples: Sample[], heapBefore: NodeJS.MemoryUsage, heapAfter: NodeJS.MemoryUsage): Row {
  const { settings } = ctx;
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const growth = (last.rssBytes - first.rssBytes) / first.rssBytes;
  const heapGrowth = (heapAfter.heapUsed - heapBefore.heapUsed) / heapBefore.heapUsed;
  // After the first quarter: heap sizing settles early; a leak keeps growing.
  const quarter = samples[1] ?? first;
  const laterGrowth = (last.rssBytes - quarter.rssBytes) / quarter.rssBytes;
  const signed = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`;
  const n = settings.memoryRequests.toLocaleString("en");
  return {
    id: "6",
    scenario: `Memory: RSS over ${n} /api/me requests`,
    figure:
      `${mib(first.rssBytes)} → ${mib(last.rssBytes)} (${signed(growth)}; last ${((settings.memoryRequests * 3) / 4).toLocaleString("en")}: ${signed(laterGrowth)}); ` +
      `heap after GC over the next ${n}: ${mib(heapBefore.heapUsed)} → ${mib(heapAfter.heapUsed)} (${signed(heapGrowth)})`,
    target: "within ±10 %",
    status: status(Math.abs(growth) <= TARGETS.rssGrowth),
    details: {
      pid: ctx.app.serverPid,
      process: ctx.app.serverCommand,
      warmupSeconds: settings.warmupSeconds,
      beforeBytes: first.rssBytes,
      afterBytes: last.rssBytes,
      growth: round(growth, 4),
      growthAfterFirstQuarter: round(laterGrowth, 4),
      samples,
      heapAfterGc: { before: heapBefore, after: heapAfter, heapUsedGrowth: round(heapGrowth, 4), requestsBetween: settings.memoryRequests },
    },
    note:
      `VmRSS of the next-server process (pid ${ctx.app.serverPid}, "${ctx.app.serverCommand}"), read after a ${settings.warmupSeconds} s warm-up at the same load ` +
      "and 1 s after each quarter. Then the V8 heap still in use after two forced full collections (bench/lib/heap-probe.cjs), before and after " +
      `another ${n} requests: what a leak would grow.`,
  };
}

export const memory: Scenario = { id: "6", name: "memory", run: memoryRows };
