/**
 * Spike-time histogram of one population over the report's samples, with the firing window shaded and its ends
 * marked. Spikes at exactly t_max (zero activations: the α model's forced spikes) get their own bar on the right edge,
 * clipped to the plot, so they do not flatten the rest; early spikes (before the window: premature crossings) get a
 * red bar on the left; silent neurons are counted in the caption.
 */
import type { HistogramPopulation } from "../data.js";
import { BAD_COLOR, KIND_COLOR } from "./layout.js";
import { axisBottom, axisLeft, linear } from "./scale.js";
import { el, fmt, svg, text, tooltip } from "./svg.js";
import { maxOf } from "../../util/extrema.js";

export const HIST_WIDTH = 300;
const HEIGHT = 190;
const M = { left: 46, right: 10, top: 30, bottom: 40 };

export function renderHistogram(h: HistogramPopulation, kind: string): string {
  const { tMin, tMax } = h.window;
  const w = tMax - tMin || 1;
  const x = linear([tMin - 0.06 * w, tMax + 0.1 * w], [M.left, HIST_WIDTH - M.right]);
  const counts = h.counts.slice();
  // The last bin holds the t_max spikes too; they get their own bar.
  counts[counts.length - 1] = Math.max(0, counts[counts.length - 1]! - h.atTMax);
  const top = maxOf(counts, 1);
  const y = linear([0, top], [HEIGHT - M.bottom, M.top]);
  const base = HEIGHT - M.bottom;
  const color = KIND_COLOR[kind] ?? KIND_COLOR.spiking!;
  const bars = counts.map((c, k) =>
    c > 0 ? el("rect", { x: x(h.edges[k]!), y: y(c), width: Math.max(0.5, x(h.edges[k + 1]!) - x(h.edges[k]!) - 0.5), height: base - y(c), fill: color }) : "",
  );
  const extra: string[] = [];
  if (h.atTMax > 0) {
    const hh = base - y(Math.min(h.atTMax, top));
    extra.push(el("rect", { x: x(tMax) + 1, y: base - hh, width: 6, height: hh, class: "hist-tmax" }, tooltip(`${h.atTMax} spikes at t_max (activation 0)`)));
  }
  if (h.early > 0) {
    const hh = base - y(Math.min(h.early, top));
    extra.push(el("rect", { x: x(tMin) - 7, y: base - hh, width: 6, height: hh, fill: BAD_COLOR }, tooltip(`${h.early} early spikes`)));
  }
  const spikes = h.counts.reduce((a, b) => a + b, 0) + h.early;
  const caption = `${fmt(spikes)} spikes (${fmt(h.atTMax)} at t_max) · ${fmt(h.silent)} silent${h.early ? ` · ${fmt(h.early)} early` : ""}`;
  return svg(
    HIST_WIDTH,
    HEIGHT,
    `Spike-time histogram of ${h.id}`,
    el("rect", { x: x(tMin), y: M.top, width: x(tMax) - x(tMin), height: base - M.top, class: "hist-window" }),
    axisLeft(y, M.left, "", { ticks: 4, gridRight: HIST_WIDTH - M.right }),
    ...bars,
    ...extra,
    el("line", { x1: x(tMin), x2: x(tMin), y1: M.top - 4, y2: base, class: "win-edge" }),
    el("line", { x1: x(tMax), x2: x(tMax), y1: M.top - 4, y2: base, class: "win-edge" }),
    axisBottom(x, base, "", { ticks: 4 }),
    text(M.left, 14, h.id.length > 34 ? `…${h.id.slice(-33)}` : h.id, { class: "hist-title" }),
    text(M.left, 26, caption, { class: "hist-note" }),
    text((M.left + HIST_WIDTH) / 2, HEIGHT - 6, "spike time (input windows)", { class: "axis-label", "text-anchor": "middle" }),
  );
}
