/**
 * node --import tsx bench/tools/precision.ts RUN.json RUN.json RUN.json
 *
 * Whether kept runs agree (bench/lib/precision.ts): each row's CPU figure in every run, their
 * median, the largest deviation from it, and whether the row holds ±2 % (A/A rows also 0.98–1.02);
 * then what each row cost per request in each run, which, for runs of one build, says how fast the
 * machine was. Exits 1 when a row does not hold.
 */
import { readFileSync } from "node:fs";

import { agreement, SAME_SPEED, type KeptRow } from "../lib/precision";

const files = process.argv.slice(2);
if (files.length < 2) {
  console.error("usage: node --import tsx bench/tools/precision.ts RUN.json RUN.json [RUN.json …]");
  process.exit(2);
}
const runs = files.map((file) => (JSON.parse(readFileSync(file, "utf8")) as { rows: KeptRow[] }).rows);
const rows = agreement(runs);
const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
console.log(`| # | ${files.map((_, i) => `run ${i + 1}`).join(" | ")} | median | largest deviation | holds |`);
console.log(`| --- | ${files.map(() => "---").join(" | ")} | --- | --- | --- |`);
for (const row of rows) {
  const figures = row.figures.map((figure) => (figure === undefined ? "–" : figure.toFixed(3)));
  console.log(
    `| ${row.id}${row.control ? " (A/A)" : ""} | ${figures.join(" | ")} | ${row.median.toFixed(3)} | ${percent(row.largestDeviation)} | ${row.holds ? "yes" : "**no**"} |`,
  );
}
const failing = rows.filter((row) => !row.holds).map((row) => row.id);
console.log(failing.length ? `\nNot within ±2 %: ${failing.join(", ")}` : `\nEvery row within ±2 % of its median.`);

console.log(`\nCPU per request, both sides (ms): how fast the machine was when each row ran.\n`);
console.log(`| # | ${files.map((_, i) => `run ${i + 1}`).join(" | ")} | slowest ÷ fastest |`);
console.log(`| --- | ${files.map(() => "---").join(" | ")} | --- |`);
for (const row of rows) {
  const costs = row.costs.map((cost) => (cost === undefined ? "–" : cost.toFixed(3)));
  console.log(`| ${row.id} | ${costs.join(" | ")} | ${(1 + row.costSpread).toFixed(2)} |`);
}
const unequal = rows.filter((row) => row.costSpread > SAME_SPEED).map((row) => row.id);
if (unequal.length) {
  console.log(
    `\nMeasured at machine speeds more than ${percent(SAME_SPEED)} apart: ${unequal.join(", ")}. ` +
      'Ratios between different code move with the machine\'s speed (bench/README.md, "Precision"): compare these runs with runs of their own speed.',
  );
}
process.exit(failing.length ? 1 : 0);
