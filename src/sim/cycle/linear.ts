/**
 * Closed forms for a compartment whose v moves by a constant step s per tick, clipped to [vmin, vmax]:
 * v_k = clip(v_{k−1} + s). That is a non-leaky cuba-lif neuron between inputs (u is constant, s = u + bias with
 * the bias entering v), and a two-phase b1 neuron in either phase (s = u, then s = ramp). The engine lets such
 * neurons sleep between events and jumps over the ticks in between with these; results are bit-identical to
 * stepping tick by tick (the clipping is sticky because the sequence is monotone).
 * All values are integers below 2^53 (24-bit states times at most 2^31 ticks), so float64 is exact, and
 * floor/ceil of an exact integer quotient are exact too.
 */

/** v after k ticks from v ∈ [vmin, vmax], and how many of those ticks clipped at vmax / vmin. */
export interface RampResult {
  v: number;
  clipsHigh: number;
  clipsLow: number;
}

/** Advances v_k = clip(v + s) by k ≥ 0 ticks (v must lie in [vmin, vmax]). */
export function rampClip(v: number, s: number, k: number, vmin: number, vmax: number, out: RampResult): RampResult {
  out.clipsHigh = 0;
  out.clipsLow = 0;
  if (k <= 0 || s === 0) {
    out.v = v;
    return out;
  }
  if (s > 0) {
    // first tick whose unclipped value exceeds vmax: k1 = floor((vmax − v)/s) + 1; it and every later tick clip
    const k1 = Math.floor((vmax - v) / s) + 1;
    if (k >= k1) {
      out.v = vmax;
      out.clipsHigh = k - k1 + 1;
    } else out.v = v + k * s;
  } else {
    const k1 = Math.floor((v - vmin) / -s) + 1;
    if (k >= k1) {
      out.v = vmin;
      out.clipsLow = k - k1 + 1;
    } else out.v = v + k * s;
  }
  return out;
}

/**
 * The first k ≥ 1 at which clip(v + k·s) passes the threshold (v > vth, or v ≥ vth with `ge`), or −1 if never.
 * v must lie in [vmin, vmax]; it may already be above vth (b1 phase 1 has no threshold check).
 */
export function firstCrossing(v: number, s: number, vth: number, vmin: number, vmax: number, ge: boolean): number {
  let v1 = v + s;
  v1 = v1 > vmax ? vmax : v1 < vmin ? vmin : v1;
  if (ge ? v1 >= vth : v1 > vth) return 1;
  // Not at k = 1: a non-increasing sequence never passes; an increasing one passes once it exceeds vth, if vmax does.
  if (s <= 0 || (ge ? vmax < vth : vmax <= vth)) return -1;
  return ge ? Math.ceil((vth - v) / s) : Math.floor((vth - v) / s) + 1;
}
