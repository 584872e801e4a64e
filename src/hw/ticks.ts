/**
 * Choosing the tick budget: the smallest ticks per window (4, 8, 16, 32, …) whose bit-accurate cycle simulation
 * agrees with the reference (the ANN) on at least `agreement` of the calibration samples — judged by a half-sigma
 * lower confidence bound (Wilson) of the measured agreement, so that a budget that only just reaches the goal on
 * the calibration samples is not taken (measured on lenet5_fmnist: 99.0 % on calibration became 98.5 % on test). A budget is abandoned as
 * soon as its disagreements exceed what the goal allows, so failing budgets cost little; all samples agreeing also
 * counts as reached (the bound never gets to 1). If no budget reaches the goal, the one that came closest is taken
 * and measured on every calibration sample. The searched curve is returned for the report. `ticks` fixes the budget
 * instead (the curve then has that one point).
 */
import type { SnnNetwork } from "../snn/network.js";
import { SpikecError } from "../util/errors.js";
import { evaluateCycle, type CycleEvaluation } from "./evaluate.js";
import { lowerToHw, type LowerOptions, type Lowered } from "./lower.js";
import type { Target } from "./target/target.js";
import { percent as pct } from "../util/percent.js";

/** Wilson score lower bound of a proportion at z standard deviations. */
export function agreementLowerBound(agreeing: number, n: number, z = 0.5): number {
  if (n === 0) return 0;
  const p = agreeing / n;
  const z2 = (z * z) / n;
  return (p + z2 / 2 - z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n))) / (1 + z2);
}

/**
 * The agreement that k of n agreeing samples show with 95 % confidence (one-sided): 0.05^(1/n) when none disagrees
 * (the exact binomial bound), else the Wilson bound at z = 1.645.
 */
export function confidentAgreement(agreeing: number, n: number): number {
  if (n === 0) return 0;
  return agreeing === n ? 0.05 ** (1 / n) : agreementLowerBound(agreeing, n, 1.645);
}

/** Samples that must all agree to show `goal` with 95 % confidence (the inverse of confidentAgreement at k = n). */
export const samplesToShow = (goal: number): number => (goal >= 1 ? Infinity : Math.ceil(Math.log(0.05) / Math.log(goal)));

/**
 * A note when the search reached its goal on too few samples to show it: the half-sigma bound the search uses is
 * met by 25 samples all agreeing, which shows 99 % with no real confidence. Null when the samples suffice.
 */
export function tickSearchSampleNote(choice: Pick<TickChoice, "evaluation" | "goal" | "reached" | "ticks">): string | null {
  const n = choice.evaluation.samples;
  const agreeing = n - choice.evaluation.disagreeing;
  const shown = confidentAgreement(agreeing, n);
  if (!choice.reached || shown >= choice.goal) return null;
  return (
    `tick search: ${agreeing} of ${n} calibration samples agree at ${choice.ticks} ticks per window, which shows the agreement above ${(100 * shown).toFixed(1)} % only ` +
    `(95 % confidence), not the goal's ${pct(choice.goal)}: other inputs may agree less at this budget; calibrate with more samples ` +
    `(${samplesToShow(choice.goal)} all agreeing show ${pct(choice.goal)}), or pass --ticks`
  );
}

export const TICK_CANDIDATES = [4, 8, 16, 32, 64, 128, 256, 512] as const;

export interface TickPoint {
  ticks: number;
  /**
   * Agreement over the samples run. When `stopped`, those are the first samples, up to the one whose disagreement
   * exceeded what the goal allows: neither bound of the agreement over all of them (which is below the goal).
   */
  agreement: number;
  /** Its half-sigma lower confidence bound (what the search compares with the goal). */
  lowerBound: number;
  samples: number;
  stopped: boolean;
  /** Why this budget could not be lowered, if it could not. */
  error?: string;
}

export interface TickChoice {
  /** The smallest budget that reached the goal; if none did, the one that came closest. */
  ticks: number;
  lowered: Lowered;
  /** The evaluation at the chosen budget, on the calibration samples used. */
  evaluation: CycleEvaluation;
  curve: TickPoint[];
  goal: number;
  reached: boolean;
}

export interface TickOptions extends LowerOptions {
  /** Fixed ticks per window (no search). */
  ticks?: number;
  /** Goal for the search (default 0.99). */
  agreement?: number;
  candidates?: readonly number[];
  onProgress?: (stage: string, done: number, total: number) => void;
}

/**
 * Channel windows make the weights from small channels larger (w ∝ δ_src/δ_n): at large budgets a layer may then not
 * fit the target's registers (measured: lenet5_fmnist on Loihi 1 at 128 ticks) where layer windows fit. That budget
 * then uses layer windows, and the notes say so.
 */
function lowerWithChannelFallback(snn: SnnNetwork, target: Target, ticks: number, options: LowerOptions): Lowered {
  try {
    return lowerToHw(snn, target, ticks, options);
  } catch (e) {
    if (!(e instanceof SpikecError) || !options.channelWindows) throw e;
    const lowered = lowerToHw(snn, target, ticks, { ...options, channelWindows: null });
    const note = `time: channel windows do not fit ${target.name} at ${ticks} ticks (${e.message}): one window per layer instead`;
    lowered.hw.notes.push(note);
    if (lowered.lowering.notes !== lowered.hw.notes) lowered.lowering.notes.push(note);
    return lowered;
  }
}

/** One point of the searched curve in words: "16 → 97.90 %", or for an abandoned budget "4 → stopped: 0 of 4 agree". */
export function tickPointText(p: Pick<TickPoint, "ticks" | "agreement" | "samples" | "stopped" | "error">): string {
  if (p.error) return `${p.ticks} → does not fit`;
  if (p.stopped) return `${p.ticks} → stopped: ${Math.round(p.agreement * p.samples)} of ${p.samples} agree`;
  return `${p.ticks} → ${pct(p.agreement)}`;
}

/**
 * "(goal NOT reached…)" for the end of a tick line, or "" when reached. The search judges a budget by a lower bound on its
 * agreement, so a budget whose measured agreement meets the goal can still miss it: then say by how much (an audit
 * read "99.00 % … goal 99.00 % … NOT reached" as a contradiction).
 */
export function goalText(h: { reached: boolean; agreementGoal: number; ticksPerWindow: number; curve: Pick<TickPoint, "ticks" | "agreement" | "lowerBound" | "samples" | "stopped">[] }): string {
  if (h.reached) return "";
  const p = h.curve.find((q) => q.ticks === h.ticksPerWindow && !q.stopped);
  if (!p || p.agreement < h.agreementGoal) return "(goal NOT reached)";
  return `(goal NOT reached: ${pct(p.agreement)} on ${p.samples} samples leaves a lower bound of ${pct(p.lowerBound)}, half a standard deviation below, under the goal)`;
}

export function chooseTicks(snn: SnnNetwork, target: Target, x: Float64Array, n: number, reference: Float64Array, options: TickOptions = {}): TickChoice {
  const goal = options.agreement ?? 0.99;
  if (!(goal > 0 && goal <= 1)) throw new SpikecError(`--agreement ${goal} must be in (0, 1]`, "e.g. --agreement 0.99");
  const fixed = options.ticks !== undefined;
  const candidates = fixed ? [options.ticks!] : (options.candidates ?? TICK_CANDIDATES);
  const evaluate = (lowered: Lowered, ticks: number, early: boolean): CycleEvaluation =>
    evaluateCycle(snn, lowered.hw, target, x, n, {
      reference,
      maxDisagreements: early ? Math.floor((1 - goal) * n) : undefined,
      onProgress: (d, t) => options.onProgress?.(`cycle ${ticks} ticks`, d, t),
    });
  const curve: TickPoint[] = [];
  /** The budget that came closest so far (highest measured agreement, then fewest ticks): the answer if none reaches the goal. */
  let best: { ticks: number; lowered: Lowered; evaluation: CycleEvaluation } | null = null;
  for (const ticks of candidates) {
    let lowered: Lowered;
    try {
      lowered = lowerWithChannelFallback(snn, target, ticks, options);
    } catch (e) {
      if (fixed || !(e instanceof SpikecError) || curve.length === 0) throw e;
      curve.push({ ticks, agreement: 0, lowerBound: 0, samples: 0, stopped: true, error: e.message });
      break;
    }
    const evaluation = evaluate(lowered, ticks, !fixed);
    const agreeing = evaluation.samples - evaluation.disagreeing;
    const lowerBound = agreementLowerBound(agreeing, evaluation.samples);
    curve.push({ ticks, agreement: evaluation.agreement!, lowerBound, samples: evaluation.samples, stopped: evaluation.stopped });
    // Every sample agreeing is as far as the measurement goes (the bound stays below 1 however many samples agree).
    const reached = !evaluation.stopped && (lowerBound >= goal || evaluation.disagreeing === 0);
    if (reached || fixed) return { ticks, lowered, evaluation, curve, goal, reached };
    if (best === null || evaluation.agreement! > best.evaluation.agreement!) best = { ticks, lowered, evaluation };
  }
  if (!best) throw new SpikecError(`no tick budget could be lowered for ${target.name}`, "try --ticks N");
  // Not reached: the closest budget, measured on every calibration sample (the search stopped it early).
  const evaluation = best.evaluation.stopped ? evaluate(best.lowered, best.ticks, false) : best.evaluation;
  return { ticks: best.ticks, lowered: best.lowered, evaluation, curve, goal, reached: false };
}
