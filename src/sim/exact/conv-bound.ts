/**
 * The binned bound of scan.ts (binnedBoundBelow) for many neurons of a population whose projections are all
 * convolutions, without gathering each neuron's events.
 *
 * The bound bins the events over [lo, t1), lo the earliest event. The bias event sits at t0, so when no input of a
 * sample arrives before t0, lo = t0 for every neuron of that sample, and so are the bins' width and each input's bin.
 * Each input's bin and arrival time are then computed once per sample, on a grid padded so that every window lies
 * inside it (padded taps, and inputs at or after t1, go to a 17th bin that is never read); a neuron's bins are a
 * branch-free pass over its taps. The events are added in gatherEvents' order (the bias, then each projection's taps
 * by input channel, row and column) and with the same arithmetic — zero weights add exact zeros — so every answer is
 * binnedBoundBelow's; a neuron it does not clear takes the sorted scan as before. On lenet5's stem conv (the ~2 % of
 * its neurons that need this bound: ~94 per sample) about half the time of gatherEvents + binnedBoundBelow.
 */
import type { Population, Projection } from "../../snn/network.js";
import { BOUND_BINS } from "./scan.js";

type ConvProjection = Extract<Projection, { kind: "conv" }>;

/** Bin of the inputs that never count (padding, arrivals at or after t1). */
const IGNORED = BOUND_BINS;

interface ConvGrid {
  weight: Float64Array;
  /** max(weight, 0), for the excitatory bin sums without a branch. */
  positive: Float64Array;
  delay: number;
  cin: number;
  ih: number;
  iw: number;
  /** The padded grid: ph × pw per input channel; source (y, x) at (y + top, x + left). */
  ph: number;
  pw: number;
  top: number;
  left: number;
  area: number;
  ow: number;
  cpg: number;
  opg: number;
  taps: number;
  stride: readonly [number, number];
  /** Offset of tap t in the padded grid from the window's corner (channel c0). */
  offset: Int32Array;
  /** Per padded grid cell of the current sample: the input's bin and arrival time. */
  bin: Int32Array;
  time: Float64Array;
}

export interface ConvBounds {
  grids: ConvGrid[];
  /** The sample whose bins the grids hold (−1: none). */
  sample: number;
  binS: Float64Array;
  binP: Float64Array;
  binPos: Float64Array;
}

/** The grids for a population whose projections are all convolutions, else undefined. */
export function convBounds(projections: readonly Projection[], sources: readonly Population[], dstShape: readonly number[]): ConvBounds | undefined {
  if (dstShape.length !== 3 || !projections.every((p) => p.kind === "conv")) return undefined;
  const [cout, oh, ow] = dstShape as [number, number, number];
  const grids = (projections as ConvProjection[]).map((proj, p): ConvGrid => {
    const [cin, ih, iw] = sources[p]!.shape as [number, number, number];
    const [kh, kw] = proj.kernel;
    const [sh, sw] = proj.stride;
    const [dh, dw] = proj.dilation;
    const top = proj.pads[0];
    const left = proj.pads[1];
    // Every window's taps lie in [0, ph) × [0, pw) of the padded grid.
    const ph = Math.max(top + ih, (oh - 1) * sh + (kh - 1) * dh + 1);
    const pw = Math.max(left + iw, (ow - 1) * sw + (kw - 1) * dw + 1);
    const cpg = cin / proj.group;
    const taps = cpg * kh * kw;
    const offset = new Int32Array(taps);
    for (let c = 0; c < cpg; c++)
      for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) offset[(c * kh + ky) * kw + kx] = (c * ph + ky * dh) * pw + kx * dw;
    return {
      weight: proj.weight, positive: proj.weight.map((w) => (w > 0 ? w : 0)), delay: proj.delay,
      cin, ih, iw, ph, pw, top, left, area: oh * ow, ow, cpg, opg: cout / proj.group, taps, stride: [sh, sw], offset,
      bin: new Int32Array(cin * ph * pw), time: new Float64Array(cin * ph * pw),
    };
  });
  const bins = () => new Float64Array(BOUND_BINS + 1);
  return { grids, sample: -1, binS: bins(), binP: bins(), binPos: bins() };
}

/**
 * Loads sample b's bins into the grids; false when some input of the sample arrives before t0 (then lo may differ
 * by neuron: the caller takes binnedBoundBelow). st[p] are projection p's source spike times, [batch, …srcShape].
 */
export function loadSample(cb: ConvBounds, st: Float64Array[], b: number, t0: number, t1: number): boolean {
  cb.sample = -1;
  if (!(t0 < t1)) return false;
  const width = (t1 - t0) / BOUND_BINS;
  for (let p = 0; p < cb.grids.length; p++) {
    const g = cb.grids[p]!;
    const { bin, time, ih, iw, ph, pw, top, left, delay } = g;
    const times = st[p]!;
    bin.fill(IGNORED);
    time.fill(0);
    for (let c = 0; c < g.cin; c++)
      for (let y = 0; y < ih; y++) {
        const from = ((b * g.cin + c) * ih + y) * iw;
        const to = (c * ph + y + top) * pw + left;
        for (let x = 0; x < iw; x++) {
          // As gatherEvents: the arrival is the spike time plus the delay (silent sources add no event).
          const t = times[from + x]! + delay;
          if (t < t0) return false;
          if (t < t1) {
            let k = Math.floor((t - t0) / width);
            if (k >= BOUND_BINS) k = BOUND_BINS - 1;
            bin[to + x] = k;
            time[to + x] = t;
          }
        }
      }
  }
  cb.sample = b;
  return true;
}

/**
 * binnedBoundBelow for neuron i of the loaded sample: its events are the bias (t0, α) and its taps, the bins those
 * of lo = t0.
 */
export function convBoundBelow(cb: ConvBounds, i: number, t0: number, alpha: number, t1: number, threshold: number): boolean {
  const { binS, binP, binPos } = cb;
  const width = (t1 - t0) / BOUND_BINS;
  for (let k = 0; k < BOUND_BINS; k++) {
    binS[k] = 0;
    binP[k] = 0;
    binPos[k] = 0;
  }
  // The bias event, first (its bin: floor(0 / width) = 0).
  binS[0]! += alpha;
  binP[0]! += alpha * t0;
  if (alpha > 0) binPos[0]! += alpha;
  for (let p = 0; p < cb.grids.length; p++) {
    const g = cb.grids[p]!;
    const { weight, positive, offset, bin, time, taps } = g;
    const o = Math.floor(i / g.area);
    const pos = i - o * g.area;
    const oy = Math.floor(pos / g.ow);
    const corner = (Math.floor(o / g.opg) * g.cpg * g.ph + oy * g.stride[0]) * g.pw + (pos - oy * g.ow) * g.stride[1];
    const wo = o * taps;
    for (let t = 0; t < taps; t++) {
      const j = corner + offset[t]!;
      const k = bin[j]!;
      const w = weight[wo + t]!;
      binS[k]! += w;
      binP[k]! += w * time[j]!;
      binPos[k]! += positive[wo + t]!;
    }
  }
  let s = 0;
  let q = 0;
  for (let k = 0; k < BOUND_BINS; k++) {
    const start = t0 + k * width;
    const vStart = s * start - q;
    const peak = vStart + Math.max(0, s + binPos[k]!) * width;
    if (peak >= threshold) return false;
    s += binS[k]!;
    q += binP[k]!;
  }
  return s * t1 - q < threshold;
}
