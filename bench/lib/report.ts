/** The bench's results: one row per figure, the printed table, and bench/results.json. */
/** "reported": a figure the bench shows for context, with no target to meet. */
export type Status = "pass" | "miss" | "reported" | "skip" | "error";

export interface Row {
  id: string;
  scenario: string;
  /** The figure as printed, e.g. "0.93" or "p95 41 ms". */
  figure: string;
  /** The target as printed, e.g. "≥ 0.90". */
  target: string;
  status: Status;
  /** Everything measured for this figure (runs, percentiles, sizes, counts). */
  details: Record<string, unknown>;
  note?: string;
  /** Its scenario's A/A control strayed beyond tolerance: the figure is too noisy to judge. */
  noisy?: boolean;
}

const MARK: Record<Status, string> = { pass: "pass", miss: "MISS", reported: "—", skip: "skip", error: "ERROR" };

function pad(text: string, width: number): string {
  const length = [...text].length;
  return length >= width ? text : text + " ".repeat(width - length);
}

export function table(rows: Row[]): string {
  const header = ["#", "Scenario", "Figure", "Target", "Result"];
  const cells = rows.map((row) => [row.id, row.scenario, row.figure, row.target, `${MARK[row.status]}${row.noisy ? " (noisy)" : ""}`]);
  const widths = header.map((h, i) => Math.max([...h].length, ...cells.map((c) => [...(c[i] ?? "")].length)));
  const line = (values: string[]) => `| ${values.map((v, i) => pad(v, widths[i] ?? 0)).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  const notes = rows.filter((row) => row.note).map((row) => `  ${row.id}: ${row.note}`);
  return [line(header), rule, ...cells.map(line), ...(notes.length ? ["", "Notes:", ...notes] : [])].join("\n");
}

export const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
export const ms = (value: number) => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
