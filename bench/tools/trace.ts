/**
 * node --import tsx bench/tools/trace.ts DIR [--rounds=24] [--turn=4] [--lead-in=TURN]
 *
 * Reads what a run made with BENCH_TRACE_DIR=DIR recorded (bench/lib/trace.ts) and prints, for each
 * comparison, how well the number of full collections in a round explains how far the round strays.
 * --turn: rounds per turn of servers (4 for scenarios 1 and 2: two servers a side, X Y Y X; 2 for
 * runs before serverOf in bench/lib/load.ts, which took them X Y X Y). --lead-in: the rounds played
 * before each comparison's counted ones and left out (one turn; 0 for runs before 6d531f9).
 */
import { analyse, readTrace } from "../lib/trace";

const dir = process.argv[2];
if (!dir || dir.startsWith("--")) {
  console.error("usage: node --import tsx bench/tools/trace.ts DIR [--rounds=24] [--turn=4] [--lead-in=TURN]");
  process.exit(2);
}
const option = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const turn = option("turn", 4);
const comparisons = analyse(readTrace(dir), { rounds: option("rounds", 24), turn, leadIn: option("lead-in", turn) });
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
