/**
 * The reference solver of the exact-mapping paper for one alpha-model neuron (shared/spec/ttfs-mapping.md §6):
 * sort the input events, sweep the piecewise-linear potential and return the first threshold crossing.
 *
 * Events are (time, weight) pairs; the integration bias is the event (t0, α). With prefix sums S_k = Σ w and
 * P_k = ϑ + Σ w·t over the first k events, the potential on [t_k, t_(k+1)) is V(t) = S_k·t − (P_k − ϑ), which reaches
 * ϑ at τ_k = P_k / S_k. The crossing is the first k with S_k > 0 and τ_k < t_(k+1). Unlike the published code, a
 * neuron that never crosses is forced at tMax (not assigned the first candidate), and ties in time are handled by the
 * strict comparison: a candidate inside a group of equal times is rejected until the whole group is included.
 */

/** Sorts events by time in place (parallel arrays of length n). */
function sortEvents(times: Float64Array, weights: Float64Array, n: number, order: Int32Array): void {
  for (let i = 0; i < n; i++) order[i] = i;
  const o = order.subarray(0, n);
  o.sort((a, b) => times[a]! - times[b]!);
}

export interface ScanBuffers {
  times: Float64Array;
  weights: Float64Array;
  order: Int32Array;
}

export function scanBuffers(capacity: number): ScanBuffers {
  return { times: new Float64Array(capacity), weights: new Float64Array(capacity), order: new Int32Array(capacity) };
}

/**
 * First crossing time of ϑ by V(t) = Σ_k w_k·[t − t_k]_+, clipped at tMax; also the largest value V takes at an event
 * time before `before` or just before it (used to size windows so that no crossing happens before the firing window).
 */
export function firstCrossing(
  buf: ScanBuffers,
  n: number,
  threshold: number,
  tMax: number,
  before: number,
): { time: number; maxBefore: number } {
  const { times, weights, order } = buf;
  sortEvents(times, weights, n, order);
  let s = 0;
  let p = threshold;
  let v = 0; // V at the current event time
  let prevT = Number.NEGATIVE_INFINITY;
  let maxBefore = Number.NEGATIVE_INFINITY;
  let crossing = Number.POSITIVE_INFINITY;
  let vBefore = 0; // V just before `before`
  for (let k = 0; k < n; k++) {
    const idx = order[k]!;
    const t = times[idx]!;
    if (k > 0) v += s * (t - prevT);
    if (t < before) {
      if (v > maxBefore) maxBefore = v;
      vBefore += weights[idx]! * (before - t);
    }
    s += weights[idx]!;
    p += weights[idx]! * t;
    prevT = t;
    if (crossing === Number.POSITIVE_INFINITY && s > 0) {
      const next = k + 1 < n ? times[order[k + 1]!]! : Number.POSITIVE_INFINITY;
      const tau = p / s;
      if (tau < next) crossing = tau;
    }
  }
  return { time: crossing < tMax ? crossing : tMax, maxBefore: Math.max(maxBefore, vBefore) };
}
