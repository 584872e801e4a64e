/**
 * Spike raster of one input: time (shared axis with the diagram) against neuron index, one band per population with
 * its firing window shaded. Each spike is a short vertical tick; all ticks of a band are one SVG path, which keeps a
 * 10,000-spike raster small. When the cycle simulator's spikes exist they are drawn over the exact ones in another
 * color.
 */
import type { CycleSection, RasterSection } from "../data.js";
import { CYCLE_COLOR, KIND_COLOR, LABEL_WIDTH, WIDTH, timeScale } from "./layout.js";
import { axisBottom } from "./scale.js";
import { el, fmt, num, svg, text } from "./svg.js";

const TOP = 30;
const GAP = 8;

/** Band height grows with the population's size (log scale), so large layers get room without drowning small ones. */
function bandHeight(neurons: number): number {
  return Math.round(Math.max(28, Math.min(110, 18 + 10 * Math.log2(Math.max(1, neurons / 8)))));
}

function ticks(neuron: number[], time: number[], neurons: number, x: (t: number) => number, y0: number, h: number): string {
  let d = "";
  const tick = Math.max(1, Math.min(3, h / Math.max(1, neurons)));
  for (let k = 0; k < neuron.length; k++) {
    const y = y0 + h - ((neuron[k]! + 0.5) / neurons) * h;
    d += `M${num(x(time[k]!))},${num(y - tick / 2)}v${num(tick)}`;
  }
  return d;
}

export function renderRaster(raster: RasterSection, tEnd: number, kinds: Map<string, string>, cycle?: CycleSection): string {
  const x = timeScale(tEnd);
  const cycleOf = new Map((cycle?.populations ?? []).map((p) => [p.id, p]));
  let y = TOP;
  const bands: string[] = [];
  for (const p of raster.populations) {
    const h = bandHeight(p.neurons);
    const color = KIND_COLOR[kinds.get(p.id) ?? "spiking"] ?? "#333";
    const parts = [
      el("rect", { x: x(p.window.tMin), y, width: Math.max(1, x(p.window.tMax) - x(p.window.tMin)), height: h, class: "raster-window" }),
      el("rect", { x: LABEL_WIDTH, y, width: WIDTH - LABEL_WIDTH - 24, height: h, class: "raster-frame" }),
      text(8, y + h / 2 - 2, p.id.length > 28 ? `…${p.id.slice(-27)}` : p.id, { class: "pop-name" }),
      text(8, y + h / 2 + 13, `${fmt(p.neuron.length)} of ${fmt(p.neurons)} spiked`, { class: "pop-meta" }),
      text(LABEL_WIDTH - 6, y + 9, fmt(p.neurons - 1), { class: "tick", "text-anchor": "end" }),
      text(LABEL_WIDTH - 6, y + h, "0", { class: "tick", "text-anchor": "end" }),
      el("path", { d: ticks(p.neuron, p.time, p.neurons, x, y, h), stroke: color, class: "spikes spikes-exact" }),
    ];
    const c = cycleOf.get(p.id);
    if (c) parts.push(el("path", { d: ticks(c.neuron, c.time, p.neurons, x, y, h), stroke: CYCLE_COLOR, class: "spikes spikes-cycle" }));
    bands.push(el("g", { class: "raster-band" }, ...parts));
    y += h + GAP;
  }
  const legend = [
    el("rect", { x: LABEL_WIDTH, y: 8, width: 22, height: 10, class: "raster-window" }),
    text(LABEL_WIDTH + 28, 17, "firing window", { class: "legend" }),
    el("path", { d: `M${LABEL_WIDTH + 140},8v10`, stroke: KIND_COLOR.spiking!, class: "spikes" }),
    text(LABEL_WIDTH + 148, 17, "spike (exact simulator)", { class: "legend" }),
  ];
  if (cycle) {
    legend.push(el("path", { d: `M${LABEL_WIDTH + 320},8v10`, stroke: CYCLE_COLOR, class: "spikes" }));
    legend.push(text(LABEL_WIDTH + 328, 17, `spike (cycle simulator, ${cycle.target})`, { class: "legend" }));
  }
  legend.push(text(8, 17, "neuron index ↑", { class: "legend legend-head" }));
  return svg(WIDTH, y + 40, `Spike raster of sample ${raster.sample}`, el("g", {}, ...legend), ...bands, axisBottom(x, y, "time (input windows)"));
}
