/**
 * Integer arithmetic of a Loihi compartment, on plain JS numbers. Every value is an integer far below 2^53
 * (24-bit state times a 13-bit decay factor < 2^37), so float64 computes it exactly; no BigInt.
 */

/**
 * x · (unity − d) / unity with the magnitude truncated (rounding toward zero), as Loihi and Lava do:
 * sign(x) · ((|x| · (unity − d)) >> log2(unity)). d is the effective decay, 0 ≤ d ≤ unity.
 */
export function decayTowardZero(x: number, d: number, unity: number): number {
  if (d === 0 || x === 0) return x;
  const p = x * (unity - d);
  if (p === 0) return 0; // also for x < 0 with d = unity (x · 0 is −0)
  return p > 0 ? Math.floor(p / unity) : 0 - Math.floor(-p / unity); // 0 − …: no −0
}

/** The same with floor rounding (for targets that shift arithmetically instead). */
export function decayFloor(x: number, d: number, unity: number): number {
  if (d === 0) return x;
  return Math.floor((x * (unity - d)) / unity);
}

/** Two's-complement wrap of an integer into `bits` bits: [−2^(bits−1), 2^(bits−1) − 1]. */
export function wrapSigned(x: number, bits: number): number {
  const half = 2 ** (bits - 1);
  if (x >= -half && x < half) return x;
  const m = 2 * half;
  return x - Math.floor((x + half) / m) * m;
}

/** Saturation into `bits` bits. */
export function saturateSigned(x: number, bits: number): number {
  const half = 2 ** (bits - 1);
  return x < -half ? -half : x > half - 1 ? half - 1 : x;
}

export const clip = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/** A weight mantissa's contribution to u: w · 2^(shift + exp); must be an integer (odd w with shift + exp < 0 is not). */
export function weightContribution(w: number, shift: number, exp: number): number {
  return w * 2 ** (shift + exp);
}
