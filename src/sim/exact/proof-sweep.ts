/**
 * An exact proof of "no premature crossing" for the alpha-model neurons of a conv layer that the cheap bounds of
 * population.ts could not clear, sharing the sort of each receptive field among all the output channels that read it.
 *
 * Every input arrives at t1 − x_j (x_j ≥ 0 its decoded activation; padded taps: x = 0). Before t1, with s = t1 − t
 * and while the ramp runs (s ≤ t1 − t0), the potential is exactly
 *   V(t1 − s) = V(t1) + Q(s) − σ·s,    Q(s) = Σ_j J_ij·relu(s − x_j),    σ = α + Σ_j J_ij (the closed form's slope),
 * with V(t1) = ϑ − m (m the closed form's margin). Q(s) − σ·s is piecewise linear with breaks at the x_j and slope −α
 * past the last one, so its largest value is at some x_j: Q(x_(k)) = x_(k)·Σ_{l<k} J_l − Σ_{l<k} J_l·x_l over the
 * inputs in ascending x. All output channels at one position (and sample) read the same receptive field, so it is
 * gathered and sorted once, and each channel's sweep is one multiply-add per input (sweepFour).
 * A neuron is proven when max_k (Q(x_(k)) − σ·x_(k)) < m; the others go to the sorted scan (which also sizes widening).
 * Inputs before t0 (a source that fired before its window), ϑ ≤ 0 or σ ≤ 0 also go to the scan.
 *
 * Supported: conv projections with one group (shared receptive fields) plus at most one identity projection (one
 * input per neuron, merged into the sweep). Other populations return their list unchanged.
 */
import type { Projection } from "../../snn/network.js";
import { decodeTimes } from "./encode.js";
import type { PreparedSpiking } from "./prepare.js";
import { scanBuffers, sortEvents } from "./scan.js";
import { sweepInParts } from "./sweep-threads.js";

type Times = (id: string) => Float64Array;
type ConvProjection = Extract<Projection, { kind: "conv" }>;

/** Whether the sweep handles this population: conv projections with one group, at most one identity, α ≥ 0. */
export function sweepApplies(prep: PreparedSpiking): boolean {
  const { pop } = prep;
  let convs = 0;
  let ids = 0;
  for (const p of pop.projections) {
    if (p.kind === "conv" && p.group === 1) convs++;
    else if (p.kind === "identity") ids++;
    else return false;
  }
  return pop.shape.length === 3 && convs > 0 && ids <= 1 && pop.alpha >= 0;
}

/**
 * The listed neurons (flat batch indices, ascending) whose receptive field is shared by at least `min` listed neurons
 * (same sample and position), and the others. The sweep sorts each field once for all the neurons that read it: for a
 * lone neuron the sorted scan's binned bound (no sort) is cheaper (lenet5's stem conv: ~4×).
 */
export function splitByShare(prep: PreparedSpiking, list: number[], min: number): { shared: number[]; alone: number[] } {
  const [cout, oh, ow] = prep.pop.shape as [number, number, number];
  const area = oh * ow;
  const size = cout * area;
  const count = new Int32Array(area);
  const shared: number[] = [];
  const alone: number[] = [];
  for (let q0 = 0; q0 < list.length; ) {
    const b = Math.floor(list[q0]! / size);
    let q1 = q0;
    while (q1 < list.length && list[q1]! < (b + 1) * size) count[list[q1++]! % area]!++;
    for (let q = q0; q < q1; q++) (count[list[q]! % area]! >= min ? shared : alone).push(list[q]!);
    for (let q = q0; q < q1; q++) count[list[q]! % area] = 0;
    q0 = q1;
  }
  return { shared, alone };
}

/**
 * Proves the listed neurons (flat batch indices) free of premature crossings, writing their closed-form times into
 * `out`; returns the neurons left for the sorted scan. `drive` = Σ J·x per neuron ([batch, size]).
 */
export function proveBySweep(
  prep: PreparedSpiking,
  times: Times,
  batch: number,
  list: number[],
  drive: Float64Array,
  out: Float64Array,
  /** The sources' decoded activations, if the caller has them. */
  decoded?: Float64Array[],
): number[] {
  if (list.length === 0 || !sweepApplies(prep)) return list;
  const job = sweepJob(prep, times, batch, list, drive, decoded);
  const parts = sweepInParts(job, list.length * job.width, sweepRange);
  const rest: number[] = [];
  for (const part of parts) {
    for (let q = 0; q < part.proven.length; q++) out[part.proven[q]!] = part.times[q]!;
    for (let q = 0; q < part.rest.length; q++) rest.push(part.rest[q]!);
  }
  return rest;
}

/** The sweep's inputs for the listed neurons (the population must pass sweepApplies). */
export function sweepJob(prep: PreparedSpiking, times: Times, batch: number, list: number[], drive: Float64Array, decoded?: Float64Array[]): SweepJob {
  const { pop, sources } = prep;
  const projs = pop.projections;
  const convs = projs.map((p, k) => k).filter((k) => projs[k]!.kind === "conv");
  const ids = projs.map((p, k) => k).filter((k) => projs[k]!.kind === "identity");
  const [cout, oh, ow] = pop.shape as [number, number, number];
  const area = oh * ow;
  const size = cout * area;
  const t0 = pop.inputWindow.tMin;
  const t1 = pop.window.tMin;
  const t2 = pop.window.tMax;
  const rampBefore = pop.alpha * (t1 - t0);
  const xs = decoded ?? sources.map((s) => decodeTimes(times(s.id), s.window.tMax));
  const top = new Float64Array(batch);
  xs.forEach((x) => {
    const n = x.length / batch;
    for (let b = 0; b < batch; b++) for (let j = b * n; j < (b + 1) * n; j++) if (x[j]! > top[b]!) top[b] = x[j]!;
  });

  // The receptive field of one output position: the conv projections' taps, concatenated. The weights are stored
  // transposed, [tap][channel], so that the sweep runs over the channels innermost (independent iterations).
  const fanIn = convs.map((k) => (sources[k]!.shape[0]! * (projs[k] as ConvProjection).kernel[0] * (projs[k] as ConvProjection).kernel[1]));
  const width = fanIn.reduce((a, b) => a + b, 0);
  const rowsT = new Float64Array(cout * width);
  const rowAbs = new Float64Array(cout);
  let offset = 0;
  convs.forEach((k, c) => {
    const w = projs[k]!.weight;
    const f = fanIn[c]!;
    for (let o = 0; o < cout; o++)
      for (let j = 0; j < f; j++) {
        rowsT[(offset + j) * cout + o] = w[o * f + j]!;
        rowAbs[o]! += Math.abs(w[o * f + j]!);
      }
    offset += f;
  });
  const idProj = ids.length ? projs[ids[0]!]! : undefined;
  const idX = ids.length ? xs[ids[0]!]! : undefined;
  const idInner = idProj ? size / idProj.weight.length : 1;

  // Neurons grouped by (sample, position), keys ascending: a counting sort on the sample, then one per sample on the
  // position (a scratch of one sample's positions: no array over the whole batch's keys).
  const bStart = new Int32Array(batch + 1);
  for (const f of list) bStart[Math.floor(f / size) + 1]!++;
  for (let b = 0; b < batch; b++) bStart[b + 1]! += bStart[b]!;
  const bySample = new Int32Array(list.length);
  const bFill = bStart.slice(0, batch);
  for (const f of list) bySample[bFill[Math.floor(f / size)]!++] = f;
  const posCount = new Int32Array(area + 1);
  const keyList: number[] = [];
  const start: number[] = [0];
  const byKey = new Int32Array(list.length);
  for (let b = 0; b < batch; b++) {
    const q0 = bStart[b]!;
    const q1 = bStart[b + 1]!;
    if (q0 === q1) continue;
    posCount.fill(0);
    for (let q = q0; q < q1; q++) posCount[(bySample[q]! % area) + 1]!++;
    for (let p = 0; p < area; p++) {
      const c = posCount[p + 1]!;
      posCount[p + 1] = posCount[p]! + c;
      if (c > 0) {
        keyList.push(b * area + p);
        start.push(q0 + posCount[p + 1]!);
      }
    }
    for (let q = q0; q < q1; q++) {
      const f = bySample[q]!;
      byKey[q0 + posCount[f % area]!++] = f;
    }
  }

  return {
    batch, cout, ow, area, size, width,
    t0, t1, t2, rampBefore,
    convs: convs.map((k) => {
      const proj = projs[k] as ConvProjection;
      const [cin, ih, iw] = sources[k]!.shape as [number, number, number];
      return { x: xs[k]!, cin, ih, iw, kernel: proj.kernel, stride: proj.stride, pads: proj.pads, dilation: proj.dilation };
    }),
    rowsT, rowAbs,
    threshold: pop.threshold, slope: prep.slope, offset: prep.offset,
    idWeight: idProj?.weight, idX, idInner,
    top, keys: Int32Array.from(keyList), start: Int32Array.from(start), byKey, drive,
  };
}

/** One receptive-field conv projection of a sweep: its decoded inputs and geometry. */
export interface SweepConv {
  x: Float64Array;
  cin: number;
  ih: number;
  iw: number;
  kernel: readonly number[];
  stride: readonly number[];
  pads: readonly number[];
  dilation: readonly number[];
}

/**
 * Everything the sweep over (sample, position) keys reads, as plain typed arrays: structured-cloneable, so that a
 * range of keys can run on a worker thread (sweep-threads.ts) with the same arithmetic as on the main thread.
 */
export interface SweepJob {
  batch: number;
  cout: number;
  ow: number;
  area: number;
  size: number;
  width: number;
  t0: number;
  t1: number;
  t2: number;
  rampBefore: number;
  convs: SweepConv[];
  rowsT: Float64Array;
  rowAbs: Float64Array;
  threshold: Float64Array;
  slope: Float64Array;
  offset: Float64Array;
  idWeight: Float64Array | undefined;
  idX: Float64Array | undefined;
  idInner: number;
  top: Float64Array;
  /** The (sample, position) keys b·area + position that have neurons, ascending. */
  keys: Int32Array;
  /** The neurons of keys[q]: byKey[start[q] .. start[q + 1]). */
  start: Int32Array;
  byKey: Int32Array;
  drive: Float64Array;
}

/** The outcome of the keys keys[k0 .. k1): the proven neurons with their times, and the neurons left for the scan, in key order. */
export interface SweepPart {
  proven: Int32Array;
  times: Float64Array;
  rest: Int32Array;
}

/** Runs the sweep for the keys keys[k0 .. k1). */
export function sweepRange(job: SweepJob, k0: number, k1: number): SweepPart {
  const { cout, ow, area, size, width, t0, t1, t2, rampBefore, convs, rowsT, rowAbs, threshold, slope, offset } = job;
  const { idWeight, idX, idInner, top, keys, start, byKey, drive } = job;
  const proven: number[] = [];
  const provenT: number[] = [];
  const buf = scanBuffers(width);
  const patch = buf.times;
  const sortedX = new Float64Array(width);
  // Per swept channel at one position: neuron, channel, σ, identity input (weight, x), the largest Q − σ·s.
  const neuron = new Int32Array(cout);
  const lanes: Lanes = { channel: new Int32Array(cout + 3), sigma: new Float64Array(cout + 3), wId: new Float64Array(cout + 3), xId: new Float64Array(cout + 3) };
  const { channel, sigma: sig, wId: wIdOf, xId: xIdOf } = lanes;
  const worst = new Float64Array(cout + 3);
  const taps: Taps = { x: sortedX, order: buf.order, rowsT, cout };
  const rest: number[] = [];
  for (let kq = k0; kq < k1; kq++) {
    const key = keys[kq]!;
    const b = Math.floor(key / area);
    const p = key % area;
    const oy = Math.floor(p / ow);
    const ox = p % ow;
    if (!(top[b]! <= t1 - t0)) {
      for (let q = start[kq]!; q < start[kq + 1]!; q++) rest.push(byKey[q]!);
      continue;
    }
    let n = 0;
    for (const conv of convs) {
      const { x, cin, ih, iw, stride, pads, dilation } = conv;
      const base = b * cin * ih * iw;
      const kh = conv.kernel[0]!;
      const kw = conv.kernel[1]!;
      const y0 = oy * stride[0]! - pads[0]!;
      const x0 = ox * stride[1]! - pads[1]!;
      for (let c = 0; c < cin; c++)
        for (let ky = 0; ky < kh; ky++) {
          const y = y0 + ky * dilation[0]!;
          const inside = y >= 0 && y < ih;
          for (let kx = 0; kx < kw; kx++) {
            const xx = x0 + kx * dilation[1]!;
            patch[n++] = inside && xx >= 0 && xx < iw ? x[base + (c * ih + y) * iw + xx]! : 0;
          }
        }
    }
    sortEvents(buf, n);
    const order = buf.order;
    for (let m = 0; m < n; m++) sortedX[m] = patch[order[m]!]!;

    // The channels to sweep at this position, with their per-neuron constants.
    let L = 0;
    let idNegative = false;
    for (let q = start[kq]!; q < start[kq + 1]!; q++) {
      const f = byKey[q]!;
      const i = f % size;
      const th = threshold[i]!;
      const margin = th - rampBefore - drive[f]!;
      const sigma = slope[i]!;
      // margin = σ·(t − t1) for the closed-form time t: it is after t1 only with σ > 0.
      if (!(th > 0) || !(margin > 0) || !(sigma > 0)) {
        rest.push(f);
        continue;
      }
      neuron[L] = f;
      channel[L] = Math.floor(i / area);
      sig[L] = sigma;
      if (idWeight && idX) {
        wIdOf[L] = idWeight[Math.floor(i / idInner)]!;
        xIdOf[L] = idX[b * size + i]!;
        if (!(xIdOf[L]! >= 0)) idNegative = true;
      } else {
        wIdOf[L] = 0;
        xIdOf[L] = Number.POSITIVE_INFINITY;
      }
      L++;
    }
    if (L === 0) continue;

    // Pad to a multiple of four lanes by repeating the last one (its results are not read).
    for (let l = L; l % 4 !== 0; l++) {
      channel[l] = channel[L - 1]!;
      sig[l] = sig[L - 1]!;
      wIdOf[l] = wIdOf[L - 1]!;
      xIdOf[l] = xIdOf[L - 1]!;
    }
    // The leading inputs with x = 0 (silent sources, padding) only add their weight to the slope: their breakpoints
    // give x·(a − σ) − s = 0 (s stays 0). Skipped as breakpoints unless an identity input comes before them.
    let zeros = 0;
    if (!idNegative) while (zeros < n && sortedX[zeros] === 0) zeros++;
    for (let l = 0; l < L; l += 4) sweepFour(taps, n, zeros, lanes, l, worst);
    const relTol = Math.max(1e-12, (4 * n + 16) * Number.EPSILON);
    for (let l = 0; l < L; l++) {
      const f = neuron[l]!;
      const i = f % size;
      const th = threshold[i]!;
      const margin = th - rampBefore - drive[f]!;
      // Rounding allowance: (4n + 16)·ε (at least 1e-12) of the magnitudes summed, Σ|w|·x bounded by Σ|w|·max x
      // (running sums of n terms err by at most n·ε of their magnitudes; the sweep has two, the drive one).
      const tol = relTol * (Math.abs(th) + rampBefore + Math.abs(drive[f]!) + (rowAbs[channel[l]!]! + Math.abs(sig[l]!)) * top[b]! + Math.abs(wIdOf[l]!) * top[b]!);
      if (worst[l]! + tol < margin) {
        const t = (offset[i]! - drive[f]!) / sig[l]!;
        proven.push(f);
        provenT.push(t < t2 ? t : t2);
      } else rest.push(f);
    }
  }
  return { proven: Int32Array.from(proven), times: Float64Array.from(provenT), rest: Int32Array.from(rest) };
}

/** One position's sorted receptive field: ascending x, the taps' indices, and the weights [tap][channel]. */
interface Taps {
  x: Float64Array;
  order: Int32Array;
  rowsT: Float64Array;
  cout: number;
}

/** The channels swept at one position: channel, σ, identity input weight and x (+∞ without one). */
interface Lanes {
  channel: Int32Array;
  sigma: Float64Array;
  wId: Float64Array;
  xId: Float64Array;
}

/**
 * The sweep for lanes l..l+3 together (four independent dependency chains, state in registers); writes
 * max_k (Q(x_(k)) − σ·x_(k)) per lane into worst. The first `zeros` inputs have x = 0 and only add to the slope.
 * The value at each break is carried from the previous one: v_k = v_(k−1) + (x_(k) − x_(k−1))·(a_k − σ), with a_k the
 * weights summed over the inputs before k (v = 0 at x = 0).
 */
function sweepFour(taps: Taps, n: number, zeros: number, lanes: Lanes, l: number, worst: Float64Array): void {
  const { x, order, rowsT, cout } = taps;
  const c0 = lanes.channel[l]!, c1 = lanes.channel[l + 1]!, c2 = lanes.channel[l + 2]!, c3 = lanes.channel[l + 3]!;
  const g0 = lanes.sigma[l]!, g1 = lanes.sigma[l + 1]!, g2 = lanes.sigma[l + 2]!, g3 = lanes.sigma[l + 3]!;
  let i0 = lanes.xId[l]!, i1 = lanes.xId[l + 1]!, i2 = lanes.xId[l + 2]!, i3 = lanes.xId[l + 3]!;
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  let v0 = 0, v1 = 0, v2 = 0, v3 = 0;
  let m0 = 0, m1 = 0, m2 = 0, m3 = 0;
  let m = 0;
  for (; m < zeros; m++) {
    const base = order[m]! * cout;
    a0 += rowsT[base + c0]!;
    a1 += rowsT[base + c1]!;
    a2 += rowsT[base + c2]!;
    a3 += rowsT[base + c3]!;
  }
  // The identity inputs are merged at their place in the ascending order (before the first larger x): the break at
  // x_id, then v moved back to x_prev on the new slope so that the common step lands on the next break.
  let iMin = Math.min(i0, i1, i2, i3);
  let xPrev = 0;
  for (; m < n; m++) {
    const xm = x[m]!;
    if (xm > iMin) {
      if (xm > i0) {
        v0 += (i0 - xPrev) * (a0 - g0);
        if (v0 > m0) m0 = v0;
        a0 += lanes.wId[l]!;
        v0 -= (i0 - xPrev) * (a0 - g0);
        i0 = Number.POSITIVE_INFINITY;
      }
      if (xm > i1) {
        v1 += (i1 - xPrev) * (a1 - g1);
        if (v1 > m1) m1 = v1;
        a1 += lanes.wId[l + 1]!;
        v1 -= (i1 - xPrev) * (a1 - g1);
        i1 = Number.POSITIVE_INFINITY;
      }
      if (xm > i2) {
        v2 += (i2 - xPrev) * (a2 - g2);
        if (v2 > m2) m2 = v2;
        a2 += lanes.wId[l + 2]!;
        v2 -= (i2 - xPrev) * (a2 - g2);
        i2 = Number.POSITIVE_INFINITY;
      }
      if (xm > i3) {
        v3 += (i3 - xPrev) * (a3 - g3);
        if (v3 > m3) m3 = v3;
        a3 += lanes.wId[l + 3]!;
        v3 -= (i3 - xPrev) * (a3 - g3);
        i3 = Number.POSITIVE_INFINITY;
      }
      iMin = Math.min(i0, i1, i2, i3);
    }
    const d = xm - xPrev;
    xPrev = xm;
    const base = order[m]! * cout;
    v0 += d * (a0 - g0);
    if (v0 > m0) m0 = v0;
    v1 += d * (a1 - g1);
    if (v1 > m1) m1 = v1;
    v2 += d * (a2 - g2);
    if (v2 > m2) m2 = v2;
    v3 += d * (a3 - g3);
    if (v3 > m3) m3 = v3;
    a0 += rowsT[base + c0]!;
    a1 += rowsT[base + c1]!;
    a2 += rowsT[base + c2]!;
    a3 += rowsT[base + c3]!;
  }
  // An identity input after every tap: its own break.
  if (i0 !== Number.POSITIVE_INFINITY && (v0 += (i0 - xPrev) * (a0 - g0)) > m0) m0 = v0;
  if (i1 !== Number.POSITIVE_INFINITY && (v1 += (i1 - xPrev) * (a1 - g1)) > m1) m1 = v1;
  if (i2 !== Number.POSITIVE_INFINITY && (v2 += (i2 - xPrev) * (a2 - g2)) > m2) m2 = v2;
  if (i3 !== Number.POSITIVE_INFINITY && (v3 += (i3 - xPrev) * (a3 - g3)) > m3) m3 = v3;
  worst[l] = m0;
  worst[l + 1] = m1;
  worst[l + 2] = m2;
  worst[l + 3] = m3;
}
