/**
 * The network as a diagram on the time axis: one row per population (name, shape, neuron count), its firing window
 * as a solid bar and its integration window as a pale one, the readout as a diamond at its read time, and every
 * projection as an arrow from the end of the source's window to where its spikes arrive. A delayed projection (a skip
 * path, a concatenation) is drawn dashed and labeled with its delay: its arrow leans right by the delay.
 */
import type { ReportData } from "../data.js";
import { KIND_COLOR, LABEL_WIDTH, WIDTH, timeScale } from "./layout.js";
import { axisBottom } from "./scale.js";
import { el, fmt, num, svg, text, tooltip } from "./svg.js";

const ROW = 38;
const BAR = 16;
const TOP = 34;

function shortId(id: string, max = 28): string {
  return id.length <= max ? id : `…${id.slice(id.length - max + 1)}`;
}

export function renderDiagram(network: ReportData["network"]): string {
  const pops = network.populations;
  const tEnd = Math.max(1, ...pops.map((p) => p.window.tMax));
  const x = timeScale(tEnd);
  const rowOf = new Map(pops.map((p, i) => [p.id, i]));
  const yMid = (i: number) => TOP + i * ROW + ROW / 2;
  const height = TOP + pops.length * ROW + 44;
  const defs = el(
    "defs",
    {},
    el("marker", { id: "dg-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, el("path", { d: "M0,0L10,5L0,10z", class: "edge-head" })),
  );
  const edges = network.edges.map((e) => {
    const s = rowOf.get(e.source);
    const t = rowOf.get(e.target);
    if (s === undefined || t === undefined) return "";
    const src = pops[s]!;
    const x1 = x(src.window.tMax);
    const x2 = x(src.window.tMax + e.delay);
    const y1 = yMid(s) + BAR / 2;
    const y2 = yMid(t) - BAR / 2 - 1;
    const ym = (y1 + y2) / 2;
    const delayed = e.delay > 0;
    const path = el("path", {
      d: `M${num(x1)},${num(y1)}C${num(x1)},${num(ym)} ${num(x2)},${num(ym)} ${num(x2)},${num(y2)}`,
      class: delayed ? "edge edge-delayed" : "edge",
      "marker-end": "url(#dg-arrow)",
    }, tooltip(`${e.source} → ${e.target} (${e.kind}${delayed ? `, delay ${fmt(e.delay)}` : ""})`));
    // The label sits just above the arrowhead, clear of the source rows the curve crosses.
    return delayed ? path + text(x2 - 8, y2 - 3, `delay ${fmt(e.delay)}`, { class: "edge-label", "text-anchor": "end" }) : path;
  });
  const rows = pops.map((p, i) => {
    const y = yMid(i);
    const color = KIND_COLOR[p.kind] ?? "#888";
    const parts = [
      i % 2 === 0 ? el("rect", { x: 0, y: y - ROW / 2, width: WIDTH, height: ROW, class: "row-band" }) : "",
      text(8, y - 3, shortId(p.id), { class: "pop-name" }),
      text(8, y + 12, `${p.kind} · ${p.shape.join("×")} · ${fmt(p.neurons)} neurons`, { class: "pop-meta" }),
    ];
    if (p.inputWindow && p.inputWindow.tMax > p.inputWindow.tMin) {
      parts.push(el("rect", { x: x(p.inputWindow.tMin), y: y - 3, width: x(p.inputWindow.tMax) - x(p.inputWindow.tMin), height: 6, rx: 3, class: "integration" }));
    }
    let label: string;
    let labelX: number;
    if (p.kind === "readout") {
      const cx = x(p.window.tMin);
      parts.push(el("path", { d: `M${num(cx)},${num(y - 10)}L${num(cx + 10)},${num(y)}L${num(cx)},${num(y + 10)}L${num(cx - 10)},${num(y)}z`, fill: color, class: "pop-bar" }));
      label = `read at ${fmt(p.window.tMin)}`;
      labelX = cx;
    } else {
      const x0 = x(p.window.tMin);
      const w = Math.max(2, x(p.window.tMax) - x0);
      parts.push(el("rect", { x: x0, y: y - BAR / 2, width: w, height: BAR, rx: 3, fill: color, class: "pop-bar" }, tooltip(`${p.id}: window [${fmt(p.window.tMin)}, ${fmt(p.window.tMax)}]`)));
      label = `[${fmt(p.window.tMin)}, ${fmt(p.window.tMax)}]`;
      labelX = x0 + w;
    }
    // Window text to the right of the bar, or to its left when it would run off the chart.
    const right = labelX + 14 + 7 * label.length < WIDTH;
    const start = p.kind === "readout" ? x(p.window.tMin) - 14 : x(p.window.tMin) - 6;
    parts.push(right ? text(labelX + (p.kind === "readout" ? 14 : 6), y + 4, label, { class: "win-label" }) : text(start, y + 4, label, { class: "win-label", "text-anchor": "end" }));
    return el("g", { class: `pop pop-${p.kind}` }, ...parts);
  });
  const legend = [
    ["spiking", "spiking layer (firing window)"],
    ["gate", "max-pool gate"],
    ["readout", "readout (read time)"],
  ].map(([k, label], i) => el("g", {}, el("rect", { x: LABEL_WIDTH + i * 190, y: 8, width: 14, height: 10, rx: 2, fill: KIND_COLOR[k!]! }), text(LABEL_WIDTH + i * 190 + 20, 17, label!, { class: "legend" })));
  legend.push(el("g", {}, el("rect", { x: LABEL_WIDTH + 570, y: 10, width: 22, height: 6, rx: 3, class: "integration" }), text(LABEL_WIDTH + 598, 17, "integration window", { class: "legend" })));
  legend.push(text(8, 17, "population", { class: "legend legend-head" }));
  return svg(
    WIDTH,
    height,
    "Network diagram: populations and their time windows",
    defs,
    axisBottom(x, TOP + pops.length * ROW + 4, "time (input windows)", { gridTop: TOP }),
    ...rows,
    el("g", { class: "edges" }, ...edges),
    ...legend,
  );
}
