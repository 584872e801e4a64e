/**
 * Core utilization as a heat map: one row per resource, one column per core, the cell's shade the fraction of the
 * core's budget used (red above 100 %). The binding resource's row is outlined.
 */
import type { FitSection } from "../data.js";
import { BAD_COLOR } from "./layout.js";
import { el, fmt, num, pct, svg, text, tooltip } from "./svg.js";

const LABEL = 200;
const MAX_WIDTH = 960;

/** White → blue by fraction used; over budget is red. */
function shade(f: number): string {
  if (f > 1) return BAD_COLOR;
  const c = (a: number, b: number) => Math.round(a + (b - a) * Math.max(0, f));
  return `rgb(${c(240, 31)},${c(244, 84)},${c(248, 150)})`;
}

export function renderHeatmap(fit: FitSection): string {
  const n = fit.cores.length;
  const cell = Math.max(3, Math.min(28, Math.floor((MAX_WIDTH - LABEL - 20) / Math.max(1, n))));
  const rowH = 24;
  const top = 26;
  // Wide enough for the color legend even with few cores.
  const width = Math.max(LABEL + n * cell + 20, LABEL + 6 * 52 + 40);
  const height = top + fit.resources.length * rowH + 30;
  const rows = fit.resources.map((r, k) => {
    const y = top + k * rowH;
    const cap = fit.capacity[k]!;
    const cells = fit.cores.map((core, j) => {
      const f = cap > 0 ? core.used[k]! / cap : 0;
      return el("rect", { x: LABEL + j * cell, y, width: cell - 1, height: rowH - 2, fill: shade(f) }, tooltip(`core ${core.core}, ${r}: ${fmt(core.used[k]!)} of ${fmt(cap)} (${pct(f)})`));
    });
    const binding = r === fit.binding;
    return el(
      "g",
      { class: binding ? "heat-row heat-binding" : "heat-row" },
      text(LABEL - 8, y + rowH / 2 + 3, binding ? `${r} (binding)` : r, { class: binding ? "pop-name" : "bar-label", "text-anchor": "end" }),
      ...cells,
      binding ? el("rect", { x: LABEL - 1.5, y: y - 1.5, width: n * cell + 2, height: rowH + 1, class: "heat-outline" }) : "",
    );
  });
  const every = Math.max(1, Math.ceil(24 / cell));
  const labels = fit.cores
    .map((core, j) => (j % every === 0 ? text(LABEL + j * cell + cell / 2, top + fit.resources.length * rowH + 12, String(core.core), { class: "tick", "text-anchor": "middle" }) : ""))
    .join("");
  const scale = [0, 0.25, 0.5, 0.75, 1].map((f, i) => el("g", {}, el("rect", { x: LABEL + i * 52, y: 6, width: 14, height: 12, fill: shade(f) }), text(LABEL + i * 52 + 18, 16, `${f * 100}%`, { class: "legend" })));
  scale.push(el("g", {}, el("rect", { x: LABEL + 5 * 52, y: 6, width: 14, height: 12, fill: BAD_COLOR }), text(LABEL + 5 * 52 + 18, 16, "over", { class: "legend" })));
  return svg(
    width,
    height,
    `Core utilization on ${fit.target}`,
    ...scale,
    ...rows,
    labels,
    text(LABEL + (n * cell) / 2, height - 4, "core", { class: "axis-label", "text-anchor": "middle" }),
    `<!-- ${num(n)} cores -->`,
  );
}
