/**
 * Weight fields of a target as (mantissa, exponent) pairs: contribution to u = mantissa · 2^(shift + exp)
 * (shared/spec/targets.md §1.3). Every contribution the lowering emits is an integer, so a mantissa's exponent is
 * never below −shift (−shift − 1 for the even mantissas of mixed-sign groups).
 */
import type { Target, WeightRange } from "../target/target.js";

export type SignModeUsed = "mixed" | "excitatory" | "inhibitory";

export interface WeightFormat {
  shift: number;
  expMin: number;
  expMax: number;
  mixed: WeightRange;
  excitatory: WeightRange | null;
  inhibitory: WeightRange | null;
}

export function weightFormat(t: Target): WeightFormat {
  const s = t.synapse;
  const e = s.weightExponent ?? { min: 0, max: 0 };
  const mixed = s.weightRanges.mixed ?? { min: -(2 ** (s.weightBits - 1)), max: 2 ** (s.weightBits - 1) - 1, step: 1 };
  return { shift: s.weightShift, expMin: e.min, expMax: e.max, mixed, excitatory: s.weightRanges.excitatory ?? null, inhibitory: s.weightRanges.inhibitory ?? null };
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
 * An integer x as a sum of mixed-sign (mantissa, exponent) terms, exactly: coarse first, then the residue at finer
 * exponents (values beyond one synapse take several of the largest weight first; ≤ 8 terms). One clock or latch
 * synapse per term.
 */
export function splitExact(f: WeightFormat, x: number): Term[] {
  if (!Number.isInteger(x)) throw new Error(`splitExact: ${x} is not an integer`);
  const r = f.mixed;
  const terms: Term[] = [];
  let rest = x;
  while (rest !== 0) {
    if (terms.length === 8) throw new Error(`splitExact: ${x} needs more than 8 terms`);
    const e = chooseExp(f, r, Math.abs(rest));
    if (e > f.expMax) {
      // Beyond one synapse: the largest weight (symmetric: backends such as Lava keep |mantissa| ≤ 255), then the rest.
      const top = Math.min(r.max - ((r.max - r.min) % r.step), -r.min);
      const big = { mant: rest > 0 ? top : -top, exp: f.expMax };
      terms.push(big);
      rest -= termValue(f, big);
      continue;
    }
    const m = quantizeMantissa(r, f, rest, e);
    const term = m !== 0 ? { mant: m, exp: e } : { mant: Math.sign(rest) * r.step, exp: e };
    terms.push(term);
    rest -= termValue(f, term);
  }
  return terms;
}

/** The smallest single mixed-sign term ≥ x > 0 (for currents that only need to be large enough). */
export function roundUpTerm(f: WeightFormat, x: number): Term {
  const r = f.mixed;
  let e = chooseExp(f, r, Math.max(x, 1));
  for (; e <= f.expMax; e++) {
    const unit = 2 ** (f.shift + e);
    const m = Math.ceil(x / unit / r.step) * r.step;
    if (m <= r.max) return { mant: Math.max(m, r.step), exp: e };
  }
  throw new Error(`roundUpTerm: ${x} exceeds the largest weight`);
}
