/**
 * Preloaded into the bench's app server (NODE_OPTIONS=--require, scenario 6). On SIGUSR2 it runs
 * two full garbage collections and writes process.memoryUsage() to BENCH_HEAP_PROBE_FILE, so the
 * bench can tell memory that is still referenced (a leak) from heap the process has merely grown
 * to and not given back (RSS). When the bench has left `<BENCH_HEAP_PROBE_FILE>.snapshot-wanted`
 * beside it, a heap snapshot is written to `<BENCH_HEAP_PROBE_FILE>.heapsnapshot` first
 * (bench/lib/heap-snapshot.ts reads it). Nothing else changes in the server: no flag it starts
 * with, no code of the app's.
 *
 * With BENCH_TRACE_DIR set (a diagnosis of the bench's own noise, never in a figure), it also
 * observes every garbage collection and appends its start (ms since the epoch), its pause (ms) and
 * its kind to `<BENCH_TRACE_DIR>/gc-<pid>.jsonl` once a second; bench/lib/load-worker.ts writes
 * the rounds' slices beside it, so rounds can be laid against the collections in them.
 */
"use strict";
const { appendFileSync, existsSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const path = require("node:path");
const { PerformanceObserver, performance } = require("node:perf_hooks");
const v8 = require("node:v8");
const vm = require("node:vm");

const traceDir = process.env.BENCH_TRACE_DIR;
if (traceDir) {
  const events = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) events.push([performance.timeOrigin + entry.startTime, entry.duration, entry.detail?.kind]);
  }).observe({ entryTypes: ["gc"] });
  setInterval(() => {
    if (events.length === 0) return;
    const lines = events.splice(0).map((event) => JSON.stringify(event));
    appendFileSync(path.join(traceDir, `gc-${process.pid}.jsonl`), `${lines.join("\n")}\n`);
  }, 1000).unref();
}

const file = process.env.BENCH_HEAP_PROBE_FILE;
if (file) {
  // --expose-gc at run time: the global `gc` then exists in contexts created after this point.
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc");
  process.on("SIGUSR2", () => {
    gc();
    gc();
    // Read before the snapshot, whose writing allocates; the answer comes after it, so that the
    // bench finds the snapshot complete once the answer is there.
    const usage = { pid: process.pid, at: Date.now(), ...process.memoryUsage() };
    if (existsSync(`${file}.snapshot-wanted`)) {
      rmSync(`${file}.snapshot-wanted`, { force: true });
      v8.writeHeapSnapshot(`${file}.heapsnapshot`);
    }
    writeFileSync(`${file}.tmp`, JSON.stringify(usage));
    renameSync(`${file}.tmp`, file);
  });
}
