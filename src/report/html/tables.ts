/** HTML tables of the report: layers, per-layer time errors, quantization errors, notes and approximations. */
import type { ReportData, TimeErrorRow } from "../data.js";
import { el, esc, fmt } from "./svg.js";

export interface Column<R> {
  head: string;
  cell: (r: R) => string;
  /** Right-aligned numbers. */
  numeric?: boolean;
  /** The cell is markup, not text. */
  html?: boolean;
}

export function table<R>(rows: R[], columns: Column<R>[], cls = ""): string {
  const head = el("tr", {}, ...columns.map((c) => el("th", { class: c.numeric ? "n" : null }, esc(c.head))));
  const body = rows.map((r) => el("tr", {}, ...columns.map((c) => el("td", { class: c.numeric ? "n" : null }, c.html ? c.cell(r) : esc(c.cell(r))))));
  return el("table", { class: cls || null }, el("thead", {}, head), el("tbody", {}, ...body));
}

export const tag = (kind: "ok" | "bad" | "info", s: string): string => el("span", { class: `tag ${kind}` }, esc(s));

export function layerTable(data: ReportData): string {
  return table(data.report.layers, [
    { head: "population", cell: (r) => r.population },
    { head: "kind", cell: (r) => r.kind },
    { head: "ONNX nodes", cell: (r) => r.onnxNodes.join(", ") },
    { head: "shape", cell: (r) => r.shape.join("×"), numeric: true },
    { head: "neurons", cell: (r) => fmt(r.neurons), numeric: true },
    { head: "synapses", cell: (r) => fmt(r.synapses), numeric: true },
    { head: "X_n", cell: (r) => fmt(r.maxActivation), numeric: true },
    { head: "window", cell: (r) => (r.kind === "readout" ? `read at ${fmt(r.window.tMin)}` : `[${fmt(r.window.tMin)}, ${fmt(r.window.tMax)}]`), numeric: true },
    { head: "delays", cell: (r) => (r.delays.some((d) => d > 0) ? r.delays.map(fmt).join(", ") : "–"), numeric: true },
    { head: "widened", cell: (r) => (r.widenedFrom !== null ? `from ${fmt(r.widenedFrom)}` : "–"), numeric: true },
  ]);
}

/** Time errors within this fraction of the window count as exact (float64 rounding). */
const EXACT = 1e-9;

export function timeErrorTable(data: ReportData): string {
  const windows = new Map(data.report.layers.map((l) => [l.population, l.window.tMax - l.window.tMin]));
  return table(data.timeErrors!.rows, [
    { head: "population", cell: (r) => r.population },
    { head: "kind", cell: (r) => r.kind },
    { head: "neurons", cell: (r) => fmt(r.neurons), numeric: true },
    { head: "spikes / neuron", cell: (r) => fmt(r.spikesPerNeuron), numeric: true },
    { head: "max |t − (t_max − x)|", cell: (r) => fmt(r.maxTimeError), numeric: true },
    { head: "early", cell: (r) => fmt(r.early), numeric: true },
    { head: "exact scan", cell: (r) => fmt(r.scanned), numeric: true },
    // With a target: activations above the chip's window (clipped there); absent in reports written before it.
    ...(data.timeErrors!.rows.some((r) => (r.aboveChipWindow ?? null) !== null)
      ? [{ head: "above chip window", cell: (r: TimeErrorRow) => (r.aboveChipWindow ?? null) === null ? "–" : fmt(r.aboveChipWindow!), numeric: true }]
      : []),
    {
      head: "",
      html: true,
      cell: (r) => (r.early === 0 && r.maxTimeError <= EXACT * Math.max(1, windows.get(r.population) ?? 1) ? tag("ok", "exact") : tag("bad", "off")),
    },
  ]);
}

export function quantizationTable(data: ReportData): string {
  const q = data.quantization!;
  return table(q.rows, [
    { head: "population", cell: (r) => r.population },
    { head: "spikes compared", cell: (r) => fmt(r.spikes), numeric: true },
    { head: "max |Δt| (windows)", cell: (r) => fmt(r.maxError), numeric: true },
    { head: "mean |Δt| (windows)", cell: (r) => fmt(r.meanError), numeric: true },
    { head: "max |Δt| (own ticks)", cell: (r) => fmt(r.maxTicks), numeric: true },
    { head: "mean |Δt| (own ticks)", cell: (r) => fmt(r.meanTicks), numeric: true },
    { head: "missing", cell: (r) => fmt(r.missing), numeric: true },
    { head: "extra", cell: (r) => fmt(r.extra), numeric: true },
    { head: "clipped to the chip window", cell: (r) => (r.clipped === undefined ? "–" : fmt(r.clipped)), numeric: true },
    { head: "max |Δt| of the others (own ticks)", cell: (r) => (r.maxTicksInWindow === undefined ? "–" : fmt(r.maxTicksInWindow)), numeric: true },
  ]);
}

export function notesTable(data: ReportData): string {
  const rows = [
    ...data.report.notes.map((n) => ({ stage: "mapping", what: n, effect: "" })),
    ...(data.approximations ?? []),
  ];
  if (rows.length === 0) return el("p", { class: "lead" }, "No approximations or adjustments were needed.");
  return table(rows, [
    { head: "stage", cell: (r) => r.stage },
    { head: "what", cell: (r) => r.what },
    { head: "measured effect", cell: (r) => r.effect || "–" },
  ]);
}

export function rewritesTable(data: ReportData): string {
  const rows = data.report.passes.flatMap((p) => p.rewrites.map((change) => ({ pass: p.pass, change })));
  if (rows.length === 0) return "";
  return table(rows, [
    { head: "pass", cell: (r) => r.pass },
    { head: "rewrite", cell: (r) => r.change },
  ]);
}
