/**
 * node --import tsx bench/tools/trace.ts DIR [--rounds=24] [--turn=4]
 *
 * Reads what a run made with BENCH_TRACE_DIR=DIR recorded (bench/lib/trace.ts) and prints, for each
 * comparison, how well the number of full collections in a round explains how far the round strays.
 * --turn: rounds per turn of servers (4 for scenarios 1 and 2: two servers a side, X Y Y X; 2 for
 * runs before serverOf in bench/lib/load.ts, which took them X Y X Y).
 */
import { analyse, readTrace } from "../lib/trace";

const dir = process.argv[2];
if (!dir || dir.startsWith("--")) {
  console.error("usage: node --import tsx bench/tools/trace.ts DIR [--rounds=24] [--turn=4]");
  process.exit(2);
}
const option = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const comparisons = analyse(readTrace(dir), { rounds: option("rounds", 24), turn: option("turn", 4) });
const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
console.log(
  "| # | A ÷ B paths | rounds | rounds' spread (sd) | correlation with B's − A's full collections | per extra full collection | full collections on A, on B |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- |");
comparisons.forEach((c, i) => {
  console.log(
    `| ${i + 1} | ${c.paths.join(" ÷ ")} | ${c.rounds} | ${percent(c.residualSd)} | ${c.correlation >= 0 ? "+" : ""}${c.correlation.toFixed(2)} | ${c.slope >= 0 ? "+" : ""}${percent(c.slope)} | ${c.majorsBySide.join(", ")} |`,
  );
});
