/**
 * Why a chip misses its agreement goal, and what to try. More ticks per window refine the time grid: suggested when
 * the budget was given (--ticks) or the tick search's agreement was still rising at its largest budget. Weights the
 * chip's formats round to 0 (one exponent per neuron's row: small weights beside its largest) are named as a possible
 * cause, with what fixes them in the model. An audit found the goal missed with only "(goal NOT reached)" at the end of
 * a long line, the cause in a table column (2,601 of 25,088 weights of one layer rounded to 0); a review, that naming
 * the rounding alone hid the cure where it was the ticks (mlp_digits on Loihi 1 at --ticks 4: 97.8 %, 99.5 % at 8).
 */
import type { HardwareReport } from "./report.js";
import { percent } from "../util/percent.js";

/** Layers with at least this share of their nonzero weights rounded to 0 are named. */
const LOSSY_SHARE = 0.01;

export interface GoalAdvice {
  /** One line per possible cause found (may be empty). */
  why: string[];
  /** What to do, starting with "try:". */
  hint: string;
}

type AdviceInput = Pick<HardwareReport, "layers" | "notes" | "target" | "ticksPerWindow" | "curve"> & { ticksGiven?: boolean };

export function goalAdvice(h: AdviceInput): GoalAdvice {
  const pct = (x: number) => percent(x, 1);
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

  const tries: string[] = [];
  const measured = h.curve.filter((p) => !p.error);
  const top = measured.reduce<(typeof measured)[number] | undefined>((a, p) => (!a || p.ticks > a.ticks ? p : a), undefined);
  const best = Math.max(...measured.map((p) => p.agreement));
  if (h.ticksGiven) tries.push(`more ticks per window than --ticks ${h.ticksPerWindow} (each doubling halves the time grid's step), or no --ticks: the search takes the fewest that reach the goal`);
  else if (top && top.agreement >= best && measured.length > 1) tries.push(`more ticks per window than the search's largest, ${top.ticks} (--ticks ${2 * top.ticks}): its agreement was still rising`);
  if (lossy.length) tries.push("a model whose weights into each neuron span less than the chip's mantissa range (fine-tuning with weight quantization, or L2 regularization)");
  tries.push("--margin if inputs exceed the calibration data", "a lower goal (--agreement)");
  return { why, hint: `try: ${tries.join("; ")}` };
}

/** The causes as an indented list, then the hint: the terminal lines compile and verify print under their own lead. */
export function adviceLines({ why, hint }: GoalAdvice): string {
  return why.map((w) => `  - ${w}\n`).join("") + `${hint}\n`;
}
