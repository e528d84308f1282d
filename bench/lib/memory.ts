/** What a server holds: its heap after full collections (bench/lib/heap-probe.cjs) and its RSS. */
import { readFileSync, rmSync } from "node:fs";

import { sleep } from "./config";
import type { App } from "./servers";

/** The server's heap after two full collections: what is still referenced, not what V8 has grown to. */
export async function heapAfterGc(app: App): Promise<NodeJS.MemoryUsage> {
  rmSync(app.heapProbeFile, { force: true });
  process.kill(app.serverPid, "SIGUSR2");
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const usage = JSON.parse(readFileSync(app.heapProbeFile, "utf8")) as NodeJS.MemoryUsage & { pid: number };
      if (usage.pid !== app.serverPid)
        throw new Error(`the heap probe answered from process ${usage.pid}, not the server ${app.serverPid}`);
      return usage;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (Date.now() > deadline) throw new Error("the server did not answer the heap probe (SIGUSR2) within 10 s");
    await sleep(50);
  }
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
