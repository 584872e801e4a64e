/**
 * Weight fields of a target as (mantissa, exponent) pairs: contribution to u = mantissa · 2^(shift + exp)
 * (shared/spec/targets.md §1.3). Every contribution the lowering emits is an integer, so a mantissa's exponent is
 * never below −shift (−shift − 1 for the even mantissas of mixed-sign groups).
 */
import type { Target, WeightRange } from "../target/target.js";
import { SpikecError } from "../../util/errors.js";

export type SignModeUsed = "mixed" | "excitatory" | "inhibitory";

export interface WeightFormat {
  /** Bits of the stored weight field. */
  bits: number;
  shift: number;
  expMin: number;
  expMax: number;
  mixed: WeightRange;
  excitatory: WeightRange | null;
  inhibitory: WeightRange | null;
  /** Largest |contribution| of one synapse the chip keeps (null: no per-synapse clip). */
  clip: number | null;
}

export function weightFormat(t: Target): WeightFormat {
  const s = t.synapse;
  const e = s.weightExponent ?? { min: 0, max: 0 };
  const mixed = s.weightRanges.mixed ?? { min: -(2 ** (s.weightBits - 1)), max: 2 ** (s.weightBits - 1) - 1, step: 1 };
  return { bits: s.weightBits, shift: s.weightShift, expMin: e.min, expMax: e.max, mixed, excitatory: s.weightRanges.excitatory ?? null, inhibitory: s.weightRanges.inhibitory ?? null, clip: s.perSynapseClip };
}

export const rangeOf = (f: WeightFormat, mode: SignModeUsed): WeightRange =>
  mode === "excitatory" && f.excitatory ? f.excitatory : mode === "inhibitory" && f.inhibitory ? f.inhibitory : f.mixed;

/** The smallest exponent whose contributions stay integers for this range. */
function integralExpMin(f: WeightFormat, r: WeightRange): number {
  return Math.max(f.expMin, -f.shift - Math.log2(r.step & -r.step));
}

/** Largest |contribution| one synapse can hold in this range. */
export function maxContribution(f: WeightFormat, r: WeightRange): number {
  return Math.max(r.max, -r.min) * 2 ** (f.shift + f.expMax);
}

/**
 * The exponent that keeps the most precision for values up to maxAbs: the smallest one whose mantissas still hold
 * maxAbs. Returns expMax + 1 when even the largest cannot (the caller rescales).
 */
export function chooseExp(f: WeightFormat, r: WeightRange, maxAbs: number): number {
  const mant = r.min < 0 && r.max > 0 ? Math.min(r.max, -r.min) : Math.max(-r.min, r.max);
  const lo = integralExpMin(f, r);
  if (!(maxAbs > 0)) return lo;
  let e = Math.max(lo, Math.ceil(Math.log2(maxAbs / mant)) - f.shift);
  while (e > lo && maxAbs <= mant * 2 ** (f.shift + e - 1)) e--; // guard against log2 rounding
  while (e <= f.expMax && maxAbs > mant * 2 ** (f.shift + e)) e++;
  return e;
}

/** Nearest representable mantissa of `x` at exponent e (clipped to the range). */
export function quantizeMantissa(r: WeightRange, f: WeightFormat, x: number, e: number): number {
  const unit = 2 ** (f.shift + e);
  let m = Math.round((x / unit - r.min) / r.step) * r.step + r.min;
  if (m > r.max) m = r.max - ((r.max - r.min) % r.step);
  if (m < r.min) m = r.min;
  return m === 0 ? 0 : m; // no −0
}

export interface Term {
  mant: number;
  exp: number;
}

export const termValue = (f: WeightFormat, t: Term): number => t.mant * 2 ** (f.shift + t.exp);

/**
 * The exact ladder: the few mixed-sign exponents on which every integer is a short sum (splitExact). The finest
 * rung has unit 1 (exactness); each coarser one is as far up as a nearest-rounding residue of the rung above still
 * fits one mantissa of the rung below (Loihi: mantissas ±254 step 2, so 7 exponents apart: −7, 0, 7); the top rung
 * is the largest exponent. Every clock and latch synapse of every layer uses only these exponents, so they cost a
 * core the same few synapse-format entries whatever the values (a core's format table is small: 7 on Loihi 1).
 */
export function exactLadder(f: WeightFormat): number[] {
  const r = f.mixed;
  const fine = integralExpMin(f, r);
  const mant = Math.min(r.max - ((r.max - r.min) % r.step), -r.min);
  // Residues of a rung Δ above are ≤ step·2^(Δ−1) mantissas here: Δ = 1 + ⌊log2(mant/step)⌋.
  const gap = Math.max(1, 1 + Math.floor(Math.log2(mant / r.step)));
  // The top rung: the largest exponent whose full mantissa the chip's per-synapse clip keeps whole.
  let top = f.expMax;
  while (f.clip !== null && top > fine && mant * 2 ** (f.shift + top) > f.clip) top--;
  const rungs: number[] = [];
  for (let e = fine; e < top; e += gap) rungs.push(e);
  rungs.push(Math.max(fine, top));
  return rungs;
}

/**
 * Why the target cannot hold the clock and latch integers exactly, or null: the finest rung must have unit 1 (every
 * integer a sum of contributions), which needs an exponent down to −shift − log2(step) in the mixed range.
 */
export function exactLadderProblem(f: WeightFormat): string | null {
  const r = f.mixed;
  const fine = integralExpMin(f, r);
  const unit = (r.step & -r.step) * 2 ** (f.shift + fine);
  if (unit === 1) return null;
  return (
    `its smallest mixed-sign contribution is ${unit} (mantissa step ${r.step} at weight exponent ${fine}, weight shift ${f.shift}), ` +
    `so the clock and latch integers the single-spike design needs cannot be exact: it needs a weight exponent down to ${fine - Math.log2(unit)} ` +
    "(element <synapse/weightExponent>, or no exponent at all with a weight shift of 0)"
  );
}

/**
 * An integer x as a sum of mixed-sign (mantissa, exponent) terms on the exact ladder, exactly: nearest multiples of
 * each rung from the top down (a value beyond one synapse takes several of the largest symmetric weight first —
 * backends such as Lava keep |mantissa| ≤ 255). At most one term per lower rung. One clock or latch synapse per term.
 */
export function splitExact(f: WeightFormat, x: number): Term[] {
  if (!Number.isInteger(x)) throw new Error(`splitExact: ${x} is not an integer`);
  const r = f.mixed;
  const rungs = exactLadder(f);
  const top = Math.min(r.max - ((r.max - r.min) % r.step), -r.min);
  const terms: Term[] = [];
  let rest = x;
  for (let k = rungs.length - 1; k >= 0 && rest !== 0; k--) {
    const e = rungs[k]!;
    const unit = 2 ** (f.shift + e);
    if (k === rungs.length - 1)
      while (Math.abs(rest) > top * unit) {
        if (terms.length === 8) throw new SpikecError(`the integer ${x} needs more than 8 synapses of the largest weight this target keeps (clip ${f.clip ?? "none"})`, "use a target with a larger weight exponent range or per-synapse clip", 3);
        const big = { mant: rest > 0 ? top : -top, exp: e };
        terms.push(big);
        rest -= termValue(f, big);
      }
    // A rest the next rung holds in one synapse skips this rung (fewer synapses, same sum).
    if (k > 0 && Math.abs(rest) <= top * 2 ** (f.shift + rungs[k - 1]!)) continue;
    const m = Math.round(rest / unit / r.step) * r.step;
    if (m === 0) continue;
    if (Math.abs(m) > top) throw new Error(`splitExact: residue ${rest} does not fit exponent ${e}`);
    terms.push({ mant: m, exp: e });
    rest -= m * unit;
  }
  if (rest !== 0) throw new Error(`splitExact: ${x} is not a sum of the target's weights (residue ${rest})`);
  return terms;
}

/**
 * The smallest mixed-sign mantissa that needs the whole weight field (Loihi: 128, stored as 64 with a sign bit in 8
 * bits). A list of narrower weights is stored in a narrower field, which is another synapse-format entry of a core.
 */
export function fullWidthMantissa(f: WeightFormat): number {
  return f.mixed.step * 2 ** Math.max(0, f.bits - 2);
}

/**
 * The smallest x' ≥ x that splitExact writes without the finest rung of the ladder (one synapse fewer), for integers
 * that only need to be large enough (push, latch depth, firing gate).
 */
export function ladderCeil(f: WeightFormat, x: number): number {
  const rungs = exactLadder(f);
  if (rungs.length < 2 || x <= 0) return x;
  const unit = f.mixed.step * 2 ** (f.shift + rungs[1]!);
  return Math.ceil(x / unit) * unit;
}
