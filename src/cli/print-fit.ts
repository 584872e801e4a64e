/** Terminal view of the fit report (spikec fit, spikec compile --target). */
import { counted } from "../util/plural.js";
import type { FitReport } from "../place/fit-report.js";
import { formatNumber, table } from "./table.js";

/** At most this many per-core rows are printed (the JSON has them all). */
const CORE_ROWS = 40;

export function printFit(r: FitReport): void {
  const out = (s: string) => process.stdout.write(s);
  out(`\nfit on ${r.targetName} (target ${r.target})\n\n`);
  out(table(["layer", "ONNX node", "neurons", "synapses", "cores", "naive", "binding"], r.layers.map((l) => [l.population, l.onnxNodes.join(", "), l.neurons, l.synapses, l.cores, l.naiveCores, l.binding])) + "\n");
  // Output axons binding a layer surprise: say why (its spikes fan out to many cores, one slot per core reached).
  const slots = r.resources.find((x) => x.name === "output axons")?.capacity;
  for (const l of r.layers)
    if (l.binding === "output axons" && l.destinationCores !== undefined && slots)
      out(`output axons bind ${l.population}: each neuron's spike goes to ${Number(l.destinationCores.toFixed(1))} cores on average (one output axon slot per core reached; a core has ${formatNumber(slots)})\n`);
  out("\n");
  const short = (name: string) => name.replace("compartment profiles", "cx prof").replace("synapse memory", "syn mem").replace("synapse formats", "syn fmt").replace("input axons", "in ax").replace("output axons", "out ax").replace("neuron groups", "groups");
  const headers = ["core", "chip", ...r.resources.map((x) => `${short(x.name)}${x.capacity === null ? "" : ` /${formatNumber(x.capacity)}`}`), "max %", "layers"];
  const rows = r.cores.slice(0, CORE_ROWS).map((c) => {
    const worst = Math.max(0, ...c.utilization.map((u) => u ?? 0));
    return [c.core, c.chip, ...c.used.map((u) => Math.round(u * 100) / 100), `${(100 * worst).toFixed(1)}`, c.populations.join(" ")];
  });
  out(table(headers, rows) + "\n");
  if (r.cores.length > CORE_ROWS) out(`… ${r.cores.length - CORE_ROWS} more cores (all in --json)\n`);
  const t = r.totals;
  const e = t.energy;
  out(
    `\ncores ${t.cores} (naive rule: ${t.naiveCores}), chips ${t.chips} (${t.usableCoresPerChip} cores each), ${formatNumber(t.neurons)} neurons, ${formatNumber(t.synapses)} synapses\n` +
      (t.placements && t.placements > 1 ? `placed ${t.placements} times: the first left cores over their output axon slots, so layers were split by their measured slots\n` : "") +
      `per inference (${t.activity.basis === "measured" ? `measured on ${counted(t.activity.samples, "sample")}${t.activity.clippedInputs ? `, whose ${formatNumber(t.activity.clippedInputs)} input values outside the input range were clipped` : ""}` : "bound: one spike per neuron"}): ${formatNumber(t.spikesPerInference)} spikes (the input's and the clocks' included), ${formatNumber(t.synapticEventsPerInference)} synaptic events; latency ${t.latencyTicks} ticks${t.ticksPerWindow ? ` (${t.ticksPerWindow} ticks per window)` : ""}${t.samplePeriodTicks ? `, one sample every ${t.samplePeriodTicks} ticks` : ""}\n` +
      `energy (estimate): ${e.nanojoules === null ? "no per-operation coefficient in the target file" : `${formatNumber(e.nanojoules)} nJ per inference`}${e.terms.length ? ` (${e.terms.map((x) => `${x.coefficient} ${x.value} ${x.unit}`).join(", ")})` : ""}\n`,
  );
  if (r.assumptions.length) out(`assumptions:\n${r.assumptions.map((a) => `  - ${a}\n`).join("")}`);
  for (const p of r.problems) out(`problem: ${p.message}\n`);
  out(`verdict: ${r.verdict}\n`);
}
