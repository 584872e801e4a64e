/** Plain-text tables for the terminal: right-aligned numbers, left-aligned text, a rule under the header. */

export type Cell = string | number | null;

export function formatNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString("en-US");
  const a = Math.abs(v);
  // Large averages (synaptic events per inference) in the same grouping as the counts beside them, not 2.599e+5.
  // (From 999.95, which toPrecision(4) would print as "1000".)
  if (a >= 999.95 && a < 1e15) return v.toLocaleString("en-US", { maximumFractionDigits: 1 });
  if (a !== 0 && a < 1e-3) return v.toExponential(2);
  return v.toPrecision(digits);
}

export function table(headers: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map((c) => (c === null ? "–" : typeof c === "number" ? formatNumber(c) : c)));
  const numeric = headers.map((_, j) => rows.every((r) => typeof r[j] === "number" || r[j] === null));
  const width = headers.map((h, j) => Math.max(h.length, ...text.map((r) => r[j]!.length)));
  const line = (cells: string[]) => cells.map((c, j) => (numeric[j] ? c.padStart(width[j]!) : c.padEnd(width[j]!))).join("  ").trimEnd();
  return [line(headers), width.map((w) => "─".repeat(w)).join("  "), ...text.map(line)].join("\n");
}
