/** Terminal view of report.json's `hardware` section (compile --target). */
import type { HardwareReport } from "../hw/report.js";
import { formatNumber, table } from "./table.js";
import { goalText, tickPointText } from "../hw/ticks.js";
import { adviceLines, goalAdvice } from "../hw/goal-advice.js";
import { percent as pct } from "../util/percent.js";

/**
 * Notes of approximations that change results and that the user chose nothing to cause: channels finer than a tick,
 * channel windows given up, weight rows coarsened for the format table, layers on widened windows, a tick search
 * that could not tell budgets apart.
 */
const ATTENTION = [/below one tick/, /do not fit .* one window per layer/, /^quantize: synapse formats/, /^quantize: wider windows/, /^tick search: the ANN predicts/, /^tick search: .* calibration samples agree at/];

/** `msPerSample`: the calibration run's time, printed only (report.json stays deterministic). */
export function printHardware(h: HardwareReport, msPerSample?: number): void {
  const out = (s: string) => process.stdout.write(s);
  out(`\nhardware: ${h.target}, ${h.ticksPerWindow} ticks per window, readout at tick ${h.latencyTicks} (${h.ticks} ticks per sample)\n`);
  if (h.ticksGiven) out(`ticks per window: ${h.ticksPerWindow} (--ticks), judged by the goal ${pct(h.agreementGoal)} on the calibration data${h.reached ? "" : ` ${goalText(h)}`}\n`);
  else out(`tick search (goal ${pct(h.agreementGoal)} on the calibration data): ` + h.curve.map(tickPointText).join(", ") + (h.reached ? "" : `  ${goalText(h)}`) + "\n");
  out(
    `cycle simulation on ${h.calibration.samples} calibration samples: agreement with the ANN ${pct(h.calibration.agreement)}, ${h.calibration.spikesPerNeuron.toFixed(3)} spikes per neuron` +
      (msPerSample !== undefined ? `, ${formatNumber(msPerSample)} ms per sample` : "") +
      "\n",
  );
  const t = h.totals;
  out(t.clockNeurons + t.relayNeurons + t.extraSynapses > 0 ? `extra: ${t.clockNeurons} clock neurons, ${t.relayNeurons} relay neurons, ${t.extraSynapses} clock/latch synapses\n\n` : "extra: none (no clock, relay or latch)\n\n");
  out(
    table(
      ["population", "ticks", "window", "weights (mode exp)", "weights → 0", "slope", "vth mant", "u bound", "v bound", "extra syn"],
      h.layers.map((l) => [
        l.population,
        l.ticks,
        `${l.window[0]}..${l.window[1]}`,
        l.weights.map((w) => `${w.mode[0]} ${w.exponents[0]}..${w.exponents[1]}`).join(", "),
        // older report.json files have no zeroedWeights
        l.zeroedWeights ? `${l.zeroedWeights.zeroed}/${l.zeroedWeights.nonzero}${l.zeroedWeights.neuronsLost ? ` (${l.zeroedWeights.neuronsLost} neuron${l.zeroedWeights.neuronsLost === 1 ? "" : "s"} lost all)` : ""}` : "",
        l.slope === null ? "" : formatNumber(l.slope),
        l.thresholdMantissa ?? "",
        l.bounds ? `${l.bounds.u[0]}..${l.bounds.u[1]}` : "",
        l.bounds ? `${l.bounds.v[0]}..${l.bounds.v[1]}` : "",
        l.extraSynapses,
      ]),
    ) + "\n",
  );
  // The approximations a user must not miss (every note is in report.json and report.html).
  for (const note of h.notes) if (ATTENTION.some((re) => re.test(note))) out(`note: ${note}\n`);
  if (!h.reached) {
    const advice = goalAdvice(h);
    out(`\nthe agreement goal ${pct(h.agreementGoal)} is not reached at ${h.ticksPerWindow} ticks per window${advice.why.length ? "; possible causes:" : ""}\n${adviceLines(advice)}`);
  }
}
