/**
 * The reference solver of the exact-mapping paper for one alpha-model neuron (shared/spec/ttfs-mapping.md §6):
 * sort the input events, sweep the piecewise-linear potential and return the first threshold crossing.
 *
 * Events are (time, weight) pairs; the integration bias is the event (t0, α). With prefix sums S_k = Σ w and
 * P_k = ϑ + Σ w·t over the first k events, the potential on [t_k, t_(k+1)) is V(t) = S_k·t − (P_k − ϑ), which reaches
 * ϑ at τ_k = P_k / S_k. The crossing is the first k with S_k > 0 and τ_k < t_(k+1). Unlike the published code, a
 * neuron that never crosses is forced at tMax (not assigned the first candidate), and ties in time are handled by the
 * strict comparison: a candidate inside a group of equal times is rejected until the whole group is included.
 *
 * Speed: events are ordered by a bucket sort (linear on average, no comparator calls); and before any sorting, a binned
 * bound (binnedBoundBelow) can prove that V stays below ϑ before `before`, in which case the closed form is the answer.
 */

export interface ScanBuffers {
  times: Float64Array;
  weights: Float64Array;
  /** Scratch for the bucket sort and the bins. */
  order: Int32Array;
  bucketOf: Int32Array;
  counts: Int32Array;
  binS: Float64Array;
  binP: Float64Array;
  binPos: Float64Array;
}

export const BOUND_BINS = 16;

export function scanBuffers(capacity: number): ScanBuffers {
  return {
    times: new Float64Array(capacity),
    weights: new Float64Array(capacity),
    order: new Int32Array(capacity),
    bucketOf: new Int32Array(capacity),
    counts: new Int32Array(capacity + 1),
    binS: new Float64Array(BOUND_BINS),
    binP: new Float64Array(BOUND_BINS),
    binPos: new Float64Array(BOUND_BINS),
  };
}

/**
 * Fills buf.order[0..n) with the events' indices in ascending time (stable for equal times): n buckets over
 * [min, max], a counting pass, then insertion sort inside each bucket.
 */
export function sortEvents(buf: ScanBuffers, n: number): void {
  const { times, order, bucketOf, counts } = buf;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = times[i]!;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const span = hi - lo;
  if (!(span > 0)) {
    for (let i = 0; i < n; i++) order[i] = i;
    return;
  }
  const scale = (n - 1) / span;
  counts.fill(0, 0, n + 1);
  for (let i = 0; i < n; i++) {
    const b = Math.floor((times[i]! - lo) * scale);
    bucketOf[i] = b;
    counts[b + 1]!++;
  }
  for (let b = 0; b < n; b++) counts[b + 1]! += counts[b]!;
  for (let i = 0; i < n; i++) order[counts[bucketOf[i]!]!++] = i;
  // counts[b] now holds the end of bucket b; insertion sort over the whole array is linear when buckets are small.
  for (let k = 1; k < n; k++) {
    const idx = order[k]!;
    const t = times[idx]!;
    let j = k - 1;
    while (j >= 0 && times[order[j]!]! > t) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = idx;
  }
}

/**
 * True when V(t) = Σ_k w_k·[t − t_k]_+ provably stays below `threshold` for every t < before, from a binned bound:
 * V is exact at the bin edges (prefix sums), and inside a bin it grows at most at the slope reached at the bin's start
 * plus the excitatory weights arriving inside it.
 */
export function binnedBoundBelow(buf: ScanBuffers, n: number, threshold: number, before: number): boolean {
  const { times, weights, binS, binP, binPos } = buf;
  let lo = Infinity;
  for (let i = 0; i < n; i++) if (times[i]! < lo) lo = times[i]!;
  if (!(lo < before)) return true;
  const width = (before - lo) / BOUND_BINS;
  for (let b = 0; b < BOUND_BINS; b++) {
    // A loop, not three fill() calls: this runs once per scanned neuron on 16 entries.
    binS[b] = 0;
    binP[b] = 0;
    binPos[b] = 0;
  }
  for (let i = 0; i < n; i++) {
    const t = times[i]!;
    if (t >= before) continue;
    let b = Math.floor((t - lo) / width);
    if (b >= BOUND_BINS) b = BOUND_BINS - 1;
    const w = weights[i]!;
    binS[b]! += w;
    binP[b]! += w * t;
    if (w > 0) binPos[b]! += w;
  }
  return binsBelow(binS, binP, binPos, lo, width, before, threshold);
}

/**
 * The bound from the bins of [lo, before): V is exact at each bin's start (the prefix sums of Σ w and Σ w·t) and
 * grows inside the bin at most at the slope reached at its start plus the excitatory weight arriving in it.
 */
export function binsBelow(binS: Float64Array, binP: Float64Array, binPos: Float64Array, lo: number, width: number, before: number, threshold: number): boolean {
  let s = 0;
  let p = 0;
  for (let b = 0; b < BOUND_BINS; b++) {
    const start = lo + b * width;
    const vStart = s * start - p; // exact: every earlier event is before `start`
    const peak = vStart + Math.max(0, s + binPos[b]!) * width;
    if (peak >= threshold) return false;
    s += binS[b]!;
    p += binP[b]!;
  }
  return s * before - p < threshold;
}

/**
 * First crossing time of ϑ by V(t) = Σ_k w_k·[t − t_k]_+, clipped at tMax; also the largest value V takes before
 * `before` (at an event time or just before `before`), used to size windows so that no crossing happens early.
 */
export function firstCrossing(
  buf: ScanBuffers,
  n: number,
  threshold: number,
  tMax: number,
  before: number,
): { time: number; maxBefore: number } {
  const { times, weights, order } = buf;
  sortEvents(buf, n);
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
