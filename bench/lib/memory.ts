/** What a server holds: its heap after full collections (bench/lib/heap-probe.cjs) and its RSS. */
import { readFileSync, rmSync, writeFileSync } from "node:fs";

import { sleep } from "./config";
import type { App } from "./servers";

/** Where the heap probe writes a snapshot when asked to (`heapAfterGc(app, { snapshot: true })`). */
export const heapSnapshotFile = (app: App) => `${app.heapProbeFile}.heapsnapshot`;

/**
 * The server's heap after two full collections: what is still referenced, not what V8 has grown to.
 * With `snapshot`, the probe also writes a heap snapshot of it to heapSnapshotFile(app) (seconds).
 */
export async function heapAfterGc(app: App, options: { snapshot?: boolean } = {}): Promise<NodeJS.MemoryUsage> {
  rmSync(app.heapProbeFile, { force: true });
  if (options.snapshot) {
    rmSync(heapSnapshotFile(app), { force: true });
    writeFileSync(`${app.heapProbeFile}.snapshot-wanted`, "");
  }
  process.kill(app.serverPid, "SIGUSR2");
  const waitMs = options.snapshot ? 120_000 : 10_000;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const usage = JSON.parse(readFileSync(app.heapProbeFile, "utf8")) as NodeJS.MemoryUsage & { pid: number };
      if (usage.pid !== app.serverPid)
        throw new Error(`the heap probe answered from process ${usage.pid}, not the server ${app.serverPid}`);
      return usage;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (Date.now() > deadline) throw new Error(`the server did not answer the heap probe (SIGUSR2) within ${waitMs / 1000} s`);
    await sleep(50);
  }
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
