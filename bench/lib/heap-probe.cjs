/**
 * Preloaded into the bench's app server (NODE_OPTIONS=--require, scenario 6). On SIGUSR2 it runs
 * two full garbage collections and writes process.memoryUsage() to BENCH_HEAP_PROBE_FILE, so the
 * bench can tell memory that is still referenced (a leak) from heap the process has merely grown
 * to and not given back (RSS). When the bench has left `<BENCH_HEAP_PROBE_FILE>.snapshot-wanted`
 * beside it, a heap snapshot is written to `<BENCH_HEAP_PROBE_FILE>.heapsnapshot` first
 * (bench/lib/heap-snapshot.ts reads it). Nothing else changes in the server: no flag it starts
 * with, no code of the app's.
 */
"use strict";
const { existsSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const v8 = require("node:v8");
const vm = require("node:vm");

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
