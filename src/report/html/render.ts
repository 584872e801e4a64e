/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, no fonts, no network) drawn from ReportData.
 * Each panel is a <section data-panel="…"> that appears only when its data exists. Same data → same bytes: nothing
 * here reads the clock, the locale or the environment.
 */
import type { ChipVerification, ReportData } from "../data.js";
import { renderBars } from "./bars.js";
import { renderDiagram } from "./diagram.js";
import { renderHeatmap } from "./heatmap.js";
import { renderHistogram } from "./histogram.js";
import { CYCLE_COLOR, KIND_COLOR } from "./layout.js";
import { renderRaster } from "./raster.js";
import { renderScatter } from "./scatter.js";
import { STYLE } from "./style.js";
import { esc, fmt, pct } from "./svg.js";
import { EXACT_TOLERANCE } from "../../verify/tolerance.js";
import { layerTable, notesTable, quantizationTable, rewritesTable, tag, timeErrorTable } from "./tables.js";

/** Panel ids, in page order (the browser test checks them). */
export const PANELS = ["summary", "diagram", "raster", "histograms", "logits", "time-errors", "quantization", "fit", "layers", "notes"] as const;
export type PanelId = (typeof PANELS)[number];

function panel(id: PanelId, title: string, lead: string, body: string): string {
  return `<section class="panel" id="panel-${id}" data-panel="${id}">\n<h2>${esc(title)}</h2>\n${lead ? `<p class="lead">${lead}</p>\n` : ""}${body}\n</section>\n`;
}

function card(k: string, v: string, cls = ""): string {
  return `<div class="card${cls ? ` ${cls}` : ""}"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div></div>`;
}

function basename(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

/** The verify run on the chip, as the text output says it. */
function chipLine(c: ChipVerification): string {
  const r = c.registerEvents;
  const events = r.q + r.u + r.vmax + r.vmin;
  return (
    `On ${esc(c.target)} (cycle simulation, ${fmt(c.ticksPerWindow)} ticks per window, latency ${fmt(c.latencyTicks)} ticks): agreement with the ANN ${pct(c.agreement)} ` +
    `${c.reachesGoal ? tag("ok", `goal ${pct(c.goal)} reached`) : tag("bad", `below the goal ${pct(c.goal)}`)}, max |Δlogit| ${fmt(c.maxAbsDelta)}` +
    (c.accuracy !== null ? `, accuracy ${pct(c.accuracy)}` : "") +
    `, ${fmt(c.spikesPerNeuron)} spikes per neuron` +
    (c.aboveChipWindow > 0 ? `; ${fmt(c.aboveChipWindow)} hidden activations clipped to their chip window (${fmt(c.aboveCalibratedWindow)} above the calibrated one)` : "") +
    (events > 0 ? `; ${fmt(events)} register events` : "") +
    "."
  );
}

function summary(d: ReportData): string {
  const r = d.report;
  const cards = [
    card("neuron model", r.neuronModel === "alpha" ? "α" : "B1"),
    card("spiking neurons", fmt(r.totals.neurons)),
    card("synapses", fmt(r.totals.synapses)),
    card("latency (input windows)", fmt(r.totals.latency)),
  ];
  const v = d.verification;
  if (v) {
    // Agreement and the logit difference each coloured by their own test: a failed verify with every argmax agreeing
    // showed a red "100.00 %" and no reason (an audit); the reason is the Δ card.
    cards.push(card(`agreement (${fmt(v.samples)} inputs)`, pct(v.agreement), v.agreement === 1 ? "good" : "bad"));
    const exactDelta = v.maxAbsDelta <= EXACT_TOLERANCE * Math.max(v.maxAbsReference, 1e-300); // verify's own test
    cards.push(card("max |Δlogit| SNN vs ANN", `${fmt(v.maxAbsDelta)} ${exactDelta ? "(exact)" : `(> ${EXACT_TOLERANCE} × max |logit|: not exact)`}`, exactDelta ? "good" : "bad"));
    if (v.snnAccuracy !== null) cards.push(card("accuracy SNN / ANN", `${pct(v.snnAccuracy)} / ${pct(v.annAccuracy ?? 0)}`));
    cards.push(card("spikes per neuron", fmt(v.spikesPerNeuron)));
    const c = v.chip;
    if (c) {
      // The chip's numbers on the same inputs, next to the exact SNN's (an audit found only the exact ones here).
      cards.push(card(`agreement on ${c.target} (${fmt(c.ticksPerWindow)} ticks per window)`, `${pct(c.agreement)} (goal ${pct(c.goal)})`, c.reachesGoal ? "good" : "bad"));
      if (c.accuracy !== null) cards.push(card(`accuracy on ${c.target}`, pct(c.accuracy)));
    }
    const o = v.onnxruntime;
    if (o) cards.push("skipped" in o ? card("ANN vs onnxruntime", "not compared") : card(`ANN vs onnxruntime (${o.inputType} input)`, `max |Δ| ${fmt(o.maxAbsDelta)}`, o.agrees ? "good" : "bad"));
  } else if (d.logits) {
    cards.push(card(`agreement (${fmt(d.logits.samples)} samples)`, pct(d.logits.agreement), d.logits.agreement === 1 ? "good" : "bad"));
  }
  if (d.fit) cards.push(card(`cores on ${d.fit.target}`, `${fmt(d.fit.cores.length)} / ${fmt(d.fit.coresAvailable)}`, d.fit.fits ? "good" : "bad"));
  const lead = `${esc(basename(r.model))}: margin ζ = ${fmt(r.margin)}, calibrated on ${fmt(r.calibration.samples)} samples of ${esc(basename(r.calibration.file))}, input range [${fmt(r.calibration.inputRange.low)}, ${fmt(r.calibration.inputRange.high)}] (${esc(r.calibration.rangeRule)}).`;
  return panel("summary", "Summary", lead, `<div class="cards">${cards.join("")}</div>`);
}

export function renderReportHtml(d: ReportData): string {
  const parts: string[] = [summary(d)];
  const tEnd = Math.max(1, ...d.network.populations.map((p) => p.window.tMax));
  const kinds = new Map(d.network.populations.map((p) => [p.id, p.kind as string]));
  const delayed = d.network.edges.filter((e) => e.delay > 0).length;
  parts.push(
    panel(
      "diagram",
      "Network",
      `Each layer fires in its own window on one time axis (in input windows: the input fires in [0, 1]); a layer integrates while its source fires (pale bar) and fires next. ${delayed ? `Delayed projections (skip paths, ${delayed} here) are dashed and labeled with their delay.` : "No delayed projections (no skip paths)."}`,
      renderDiagram(d.network),
    ),
  );
  if (d.raster) {
    const r = d.raster;
    const cycle = d.cycle ? ` The <span style="color:${CYCLE_COLOR}">cycle simulator</span>'s spikes (${esc(d.cycle.target)}, one tick = ${fmt(d.cycle.tickWindows)} windows) are drawn over the exact ones.` : "";
    parts.push(
      panel(
        "raster",
        "Spikes of one input",
        `Sample ${r.sample} of ${esc(basename(r.source))}${r.label !== null ? ` (label ${r.label})` : ""}, predicted class ${r.predicted}. Each tick is one neuron's single spike: early means a large activation.${cycle}`,
        renderRaster(r, tEnd, kinds, d.cycle),
      ),
    );
  }
  if (d.histograms) {
    const h = d.histograms;
    parts.push(
      panel(
        "histograms",
        "Spike times per layer",
        `Over ${fmt(h.samples)} samples of ${esc(basename(h.source))}. The shaded band is the firing window [t_min, t_max]; spikes at t_max encode a zero activation (grey bar), red bars are spikes before the window.`,
        `<div class="small-multiples">${h.populations.map((p) => `<div>${renderHistogram(p, kinds.get(p.id) ?? "spiking")}</div>`).join("")}</div>`,
      ),
    );
  }
  if (d.logits) {
    const l = d.logits;
    const v = d.verification;
    const side = [
      `<p><b>${pct(l.agreement)}</b> of the plotted samples give the same class.</p>`,
      `<p>Largest |Δlogit|: <b>${fmt(l.maxAbsDelta)}</b>, ${fmt(l.maxAbsDelta / Math.max(l.maxAbsReference, 1e-300))} × the largest logit.</p>`,
      v ? `<p>Whole verify run (${fmt(v.samples)} inputs of ${esc(basename(v.source))}): agreement ${pct(v.agreement)}, max |Δ| ${fmt(v.maxAbsDelta)} ${v.matches ? tag("ok", "exact") : tag("bad", "not exact")}</p>` : "",
      v?.chip ? `<p>${chipLine(v.chip)}</p>` : "",
      v?.onnxruntime ? `<p>${"skipped" in v.onnxruntime ? `ANN vs onnxruntime: not compared (${esc(v.onnxruntime.skipped)})` : `ANN (float64) vs onnxruntime (${esc(v.onnxruntime.inputType)} input): agreement ${pct(v.onnxruntime.agreement)}, max |Δ| ${fmt(v.onnxruntime.maxAbsDelta)}`}</p>` : "",
      `<p class="lead">Dots on the dashed line: the SNN reproduces the ANN's logits. Red: a sample whose predicted class changed.</p>`,
    ];
    parts.push(panel("logits", "ANN vs SNN readout", `First ${fmt(l.samples)} samples of ${esc(basename(l.source))}.`, `<div class="pair"><div>${renderScatter(l)}</div><div class="side">${side.join("")}</div></div>`));
  }
  if (d.timeErrors) {
    parts.push(
      panel(
        "time-errors",
        "Spike-time error per layer",
        `Each spike time against t_max − x, x the activation of the rescaled ANN, over ${fmt(d.timeErrors.samples)} samples of ${esc(basename(d.timeErrors.source))}. “early” counts premature threshold crossings; “exact scan” counts neurons the simulator could not settle in closed form.`,
        timeErrorTable(d),
      ),
    );
  }
  if (d.quantization) {
    const q = d.quantization;
    const chart = renderBars({
      title: "Quantized vs exact spike times",
      rows: q.rows.map((r) => ({ label: r.population, values: [r.maxTicks, r.meanTicks] })),
      series: [
        { name: "max |Δt|", color: CYCLE_COLOR },
        { name: "mean |Δt|", color: KIND_COLOR.spiking! },
      ],
      axisLabel: "|t_cycle − t_exact| (ticks of each layer)",
      reference: { value: 0.5, label: "half a tick (rounding one time step)" },
    });
    parts.push(
      panel(
        "quantization",
        `Hardware arithmetic (${q.target})`,
        `Spike times of the cycle-accurate simulator against the exact one, over ${fmt(q.samples)} samples, in each layer's own ticks (its window divided by the ticks per window; the input's tick is ${fmt(q.tickWindows)} input windows). Readout agreement ${pct(q.agreement)}, max |Δlogit| ${fmt(q.maxAbsDelta)}.`,
        chart + quantizationTable(d),
      ),
    );
  }
  if (d.fit) {
    const f = d.fit;
    const peak = f.resources.map((r, k) => ({ label: r, values: [Math.max(0, ...f.cores.map((c) => c.used[k]! / Math.max(f.capacity[k]!, 1e-300)))] }));
    const bars = renderBars({
      title: "Fullest core per resource",
      rows: peak,
      series: [{ name: "fullest core (fraction of budget)", color: KIND_COLOR.spiking! }],
      axisLabel: "fraction of the core's budget",
      reference: { value: 1, label: "100 % of the budget" },
      highlight: [f.binding],
      max: Math.max(1, ...peak.map((p) => p.values[0]!)),
      format: pct,
    });
    parts.push(
      panel(
        "fit",
        `Cores (${f.target})`,
        `${fmt(f.cores.length)} of ${fmt(f.coresAvailable)} cores used; ${f.fits ? tag("ok", "fits") : tag("bad", "does not fit")}. The binding resource, <b>${esc(f.binding)}</b>, is highlighted.`,
        `<div class="pair"><div>${bars}</div></div>${renderHeatmap(f)}`,
      ),
    );
  }
  parts.push(panel("layers", "Layers", "What each population computes, its size, the calibrated maximum activation X_n (of the rescaled network: the model's activation times the layer's scale, docs/concepts.md) and its window.", layerTable(d)));
  const rewrites = rewritesTable(d);
  parts.push(panel("notes", "Approximations and adjustments", "Everything the compiler changed or approximated, and its measured effect.", notesTable(d) + (rewrites ? `<h2 style="margin-top:14px">Graph rewrites</h2>${rewrites}` : "")));
  const title = `spikec report: ${basename(d.report.model)}`;
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    `<header class="top"><h1>${esc(title)}</h1><div class="sub">exact single-spike (TTFS) SNN · ${d.report.neuronModel === "alpha" ? "α" : "B1"} neurons · ${fmt(d.report.layers.length)} populations</div></header>`,
    "<main>",
    ...parts,
    "</main>",
    `<footer>spikec report · ${esc(d.format)} v${d.version}</footer>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
