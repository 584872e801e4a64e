/**
 * The report's "Approximations and adjustments" rows beyond the mapping's own notes: what the lowering to a chip
 * rounds, and what was measured of it. The roundings of time, weights and thresholds act together on every spike,
 * so their effect is measured together: per layer against the exact simulation (the quantization section) and on the
 * argmax against the ANN (the tick search's cycle runs on the calibration data).
 */
import type { Compiled } from "../compile.js";
import type { Approximation, QuantizationSection } from "./data.js";
import { tickPointText } from "../hw/ticks.js";
import { percent as pct } from "../util/percent.js";

const fmt = (x: number): string => (Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(3) : x.toExponential(2)).replace(/\.?0+(e|$)/, "$1");

/** ", N clipped to their chip window (the others: at most X ticks)" when the largest error is a clip's. */
function clippedText(q: QuantizationSection): string {
  const clipped = q.rows.reduce((a, r) => a + (r.clipped ?? 0), 0);
  if (clipped === 0) return "";
  const others = Math.max(0, ...q.rows.map((r) => r.maxTicksInWindow ?? 0));
  return ` with ${clipped.toLocaleString("en-US")} spike${clipped === 1 ? "" : "s"} clipped to ${clipped === 1 ? "its" : "their"} chip window (activations above it), the others at most ${fmt(others)} ticks`;
}

export function hardwareApproximations(compiled: Compiled, quantization: QuantizationSection | undefined): Approximation[] {
  const h = compiled.report.hardware;
  if (!h) return [];
  const rows: Approximation[] = [];
  const cal = h.calibration;
  const curve = h.curve.map(tickPointText).join(", ");
  const together =
    `cycle simulation vs the ANN on ${cal.samples} calibration samples: argmax agreement ${pct(cal.agreement)} (the exact SNN: 100 %)` +
    (quantization
      ? `; against the exact simulation on ${quantization.samples} report samples: largest spike-time error ` +
        `${fmt(Math.max(0, ...quantization.rows.map((r) => r.maxTicks)))} ticks (of the layer's own)${clippedText(quantization)}, argmax agreement ${pct(quantization.agreement)}, max |Δlogit| ${fmt(quantization.maxAbsDelta)}`
      : "");
  rows.push({
    stage: "time",
    what: `spike times on a grid of ${h.ticksPerWindow} ticks per window (${h.target}; searched for ${pct(h.agreementGoal)} agreement: ${curve}${h.reached ? "" : ", goal not reached"})`,
    effect: together,
  });
  const events = cal.overflow.q + cal.overflow.u + cal.overflow.vmax + cal.overflow.vmin;
  rows.push({
    stage: "registers",
    what: `u, v and the per-tick input sum held in ${h.target}'s register widths (${h.boundsBasis})`,
    effect: events === 0 ? "no wrap or clip in the calibration run" : `${events} register events in the calibration run (q ${cal.overflow.q}, u ${cal.overflow.u}, v above ${cal.overflow.vmax}, v below ${cal.overflow.vmin})`,
  });
  // The lowering's own notes: the mechanisms it chose, and the roundings it made (whose effect is the time row's).
  for (const note of h.notes) rows.push({ stage: "hardware", what: note, effect: /^(quantize|time):/.test(note) ? "measured together with the tick grid: see the time row" : "" });
  return rows;
}
