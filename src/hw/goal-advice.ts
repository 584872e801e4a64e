/**
 * Why a chip misses its agreement goal, and what to try: the layers whose weights the chip's formats round to 0 (one
 * exponent per neuron's row: small weights beside its largest), which more ticks never bring back, else the time grid,
 * which more ticks refine. An audit found the goal missed with only "(goal NOT reached)" at the end of a long line,
 * the cause in a table column (2,601 of 25,088 weights of one layer rounded to 0).
 */
import type { HardwareReport } from "./report.js";

/** Layers with at least this share of their nonzero weights rounded to 0 are named. */
const LOSSY_SHARE = 0.01;

export interface GoalAdvice {
  /** One line per cause found (may be empty). */
  why: string[];
  /** What to do, starting with "try:". */
  hint: string;
}

export function goalAdvice(h: Pick<HardwareReport, "layers" | "notes" | "target">): GoalAdvice {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const lossy = h.layers
    .filter((l) => l.zeroedWeights && l.zeroedWeights.nonzero > 0 && l.zeroedWeights.zeroed / l.zeroedWeights.nonzero >= LOSSY_SHARE)
    .map((l) => ({ id: l.population, ...l.zeroedWeights! }))
    .sort((a, b) => b.zeroed / b.nonzero - a.zeroed / a.nonzero || a.id.localeCompare(b.id));
  const why: string[] = [];
  for (const l of lossy.slice(0, 3))
    why.push(
      `${l.id}: ${l.zeroed.toLocaleString("en-US")} of ${l.nonzero.toLocaleString("en-US")} weights (${pct(l.zeroed / l.nonzero)}) round to 0 on ${h.target}` +
        (l.neuronsLost ? `, ${l.neuronsLost.toLocaleString("en-US")} neurons left with no input weight` : "") +
        ` (one exponent per neuron or output channel: weights under half its mantissa step)`,
    );
  if (lossy.length > 3) why.push(`and ${lossy.length - 3} more layers with ≥ ${100 * LOSSY_SHARE} % of their weights rounded to 0 (the hardware table, "weights → 0")`);
  const widened = h.notes.some((n) => /^quantize: wider windows/.test(n) || /^quantize: synapse formats/.test(n));
  if (widened) why.push("some layers run on coarser grids than their ticks (widened windows or coarsened weight rows: see the notes)");
  const hint = lossy.length
    ? `try: a model whose weights into each neuron span less than the chip's mantissa range (fine-tuning with weight quantization, or L2 regularization), or a lower goal (--agreement)`
    : `try: more ticks per window (--ticks N; each doubling halves the time grid's step), --margin if inputs exceed the calibration data, or a lower goal (--agreement)`;
  return { why, hint };
}
