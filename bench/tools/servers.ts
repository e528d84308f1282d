/**
 * node --import tsx bench/tools/servers.ts RUN.json [--order=xyxy]
 *
 * Scenario 2's servers in a kept run (bench/lib/server-luck.ts): each side's CPU per request on
 * each of its servers, and each server's cost against its side's with the rounds' speed taken out.
 * Runs before e11c014 took a side's servers X Y X Y: pass --order=xyxy for them. The number of
 * servers a side took is the run's `settings.servers` (two in runs before the setting).
 */
import { readFileSync } from "node:fs";

import type { LoadRun } from "../lib/comparison";
import type { KeptRow } from "../lib/precision";
import { serverLuck, type ServerOrder } from "../lib/server-luck";

const args = process.argv.slice(2);
const file = args.find((arg) => !arg.startsWith("--"));
const order: ServerOrder = args.includes("--order=xyxy") ? "xyxy" : "xyyx";
if (!file) {
  console.error("usage: node --import tsx bench/tools/servers.ts RUN.json [--order=xyxy]");
  process.exit(2);
}
const run = JSON.parse(readFileSync(file, "utf8")) as { rows: KeptRow[]; settings?: { servers?: number } };
const { rows } = run;
const servers = run.settings?.servers ?? 2;

// Every side of scenario 2's rows once, grouped by route: a route's sides were measured in the same rounds.
const routes = new Map<string, Record<string, LoadRun[]>>();
for (const row of rows.filter((row) => row.id.startsWith("2"))) {
  for (const [label, runs] of Object.entries(row.details?.runs ?? {})) {
    const route = label.slice(label.lastIndexOf(": ") + 2);
    routes.set(route, { ...routes.get(route), [label]: runs });
  }
}
if (routes.size === 0) {
  console.error(`${file}: no rows of scenario 2`);
  process.exit(1);
}
console.log("| Side | CPU per request, server by server (ms) | each over its side, the rounds' speed taken out |");
console.log("| --- | --- | --- |");
for (const sides of routes.values()) {
  for (const { label, costs, luck } of serverLuck(sides, servers, order)) {
    console.log(`| ${label} | ${costs.map((cost) => cost.toFixed(3)).join(", ")} | ${luck.map((value) => value.toFixed(3)).join(", ")} |`);
  }
}
