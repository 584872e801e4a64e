/**
 * Horizontal bar chart: one row per label, one bar per series (grouped), an optional reference line (e.g. half a
 * tick, or 100 % of a budget) and highlighted rows (e.g. the binding resource).
 */
import { BAD_COLOR } from "./layout.js";
import { axisBottom, linear, niceDomain } from "./scale.js";
import { el, fmt, svg, text, tooltip } from "./svg.js";

export interface BarSeries {
  name: string;
  color: string;
}

export interface BarChart {
  title: string;
  rows: { label: string; values: number[] }[];
  series: BarSeries[];
  axisLabel: string;
  reference?: { value: number; label: string };
  /** Labels of rows to highlight. */
  highlight?: string[];
  /** Fixed domain maximum (e.g. 1 for fractions); default from the data. */
  max?: number;
  /** Formats a value for the bar's end label. */
  format?: (v: number) => string;
}

const WIDTH = 640;
const LABEL = 200;
const ROW = 24;

export function renderBars(c: BarChart): string {
  const top = 28;
  const rowH = Math.max(ROW, c.series.length * 10 + 8);
  const dataMax = Math.max(1e-300, c.reference?.value ?? 0, ...c.rows.flatMap((r) => r.values));
  const [, hi] = c.max !== undefined ? [0, c.max] : niceDomain(0, dataMax, 5);
  const x = linear([0, hi], [LABEL, WIDTH - 70]);
  const height = top + c.rows.length * rowH + 44;
  const format = c.format ?? fmt;
  const highlight = new Set(c.highlight ?? []);
  const rows = c.rows.map((r, i) => {
    const y = top + i * rowH;
    const bh = (rowH - 8) / c.series.length;
    const hl = highlight.has(r.label);
    const parts = [
      hl ? el("rect", { x: 0, y, width: WIDTH, height: rowH, class: "bar-highlight" }) : "",
      text(LABEL - 8, y + rowH / 2 + 4, r.label.length > 26 ? `…${r.label.slice(-25)}` : r.label, { class: hl ? "pop-name" : "bar-label", "text-anchor": "end" }),
    ];
    r.values.forEach((v, k) => {
      const by = y + 4 + k * bh;
      parts.push(el("rect", { x: LABEL, y: by, width: Math.max(0, x(Math.min(v, hi)) - LABEL), height: bh - 1, fill: c.series[k]!.color }, tooltip(`${c.series[k]!.name}: ${format(v)}`)));
      parts.push(text(x(Math.min(v, hi)) + 4, by + bh - 2, format(v), { class: "bar-value" }));
    });
    return el("g", {}, ...parts);
  });
  const legend = c.series.map((s, k) => el("g", {}, el("rect", { x: LABEL + k * 210, y: 8, width: 12, height: 10, fill: s.color }), text(LABEL + k * 210 + 18, 17, s.name, { class: "legend" })));
  const ref = c.reference
    ? el(
        "g",
        {},
        el("line", { x1: x(c.reference.value), x2: x(c.reference.value), y1: top - 4, y2: top + c.rows.length * rowH, stroke: BAD_COLOR, class: "ref-line" }),
      )
    : "";
  // The reference line's legend entry sits after the series', so its label never overlaps a bar.
  if (c.reference) {
    const lx = LABEL + c.series.length * 210;
    legend.push(el("g", {}, el("line", { x1: lx, x2: lx + 18, y1: 13, y2: 13, stroke: BAD_COLOR, class: "ref-line" }), text(lx + 24, 17, c.reference.label, { class: "legend" })));
  }
  return svg(WIDTH, height, c.title, axisBottom(x, top + c.rows.length * rowH, c.axisLabel, { gridTop: top, ticks: 5 }), ...legend, ...rows, ref);
}
