/** The compile report as the terminal shows it: a per-layer table, totals and notes. */
import { counted } from "../util/plural.js";
import type { CompileReport } from "../report/report.js";
import { formatNumber, table } from "./table.js";

export function printCompileReport(r: CompileReport, out: (s: string) => void = (s) => process.stdout.write(s)): void {
  out(`${r.model}: ${r.neuronModel} neurons, margin ζ = ${r.margin}, calibrated on ${counted(r.calibration.samples, "sample")} of ${r.calibration.file}\n`);
  out(`input range [${r.calibration.inputRange.low}, ${r.calibration.inputRange.high}] (${r.calibration.rangeRule})\n\n`);
  const rows = r.layers.map((l) => [
    l.population,
    l.kind,
    l.onnxNodes.join(", ") || "–",
    l.shape.join("×"),
    l.neurons,
    l.synapses,
    l.maxActivation,
    l.kind === "readout" ? `read at ${formatNumber(l.window.tMin)}` : `[${formatNumber(l.window.tMin)}, ${formatNumber(l.window.tMax)}]`,
  ]);
  out(table(["population", "kind", "ONNX nodes", "shape", "neurons", "synapses", "X_n", "window"], rows) + "\n\n");
  const t = r.totals;
  out(
    `totals: ${t.neurons.toLocaleString("en-US")} spiking neurons (+ ${t.inputNeurons.toLocaleString("en-US")} input, ${t.readoutNeurons} readout), ` +
      `${t.synapses.toLocaleString("en-US")} synapses, latency ${formatNumber(t.latency)} input windows\n`,
  );
  const rewrites = r.passes.flatMap((p) => p.rewrites.map((w) => `${p.pass}: ${w}`));
  if (rewrites.length) out(`\ngraph rewrites:\n${rewrites.map((w) => `  - ${w}`).join("\n")}\n`);
  if (r.notes.length) out(`\nnotes:\n${r.notes.map((n) => `  - ${n}`).join("\n")}\n`);
}
