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
 * gathered and sorted once, and each channel's sweep is two multiply-adds per input over its weight row.
 * A neuron is proven when max_k (Q(x_(k)) − σ·x_(k)) < m; the others go to the sorted scan (which also sizes widening).
 * Inputs before t0 (a source that fired before its window), ϑ ≤ 0 or σ ≤ 0 also go to the scan.
 *
 * Supported: conv projections with one group (shared receptive fields) plus at most one identity projection (one
 * input per neuron, merged into the sweep). Other populations return their list unchanged.
 */
import { product } from "../../ann/graph.js";
import type { Projection } from "../../snn/network.js";
import { decodeTimes } from "./encode.js";
import type { PreparedSpiking } from "./prepare.js";
import { scanBuffers, sortEvents } from "./scan.js";

type Times = (id: string) => Float64Array;
type ConvProjection = Extract<Projection, { kind: "conv" }>;

/**
 * Proves the listed neurons (flat batch indices) free of premature crossings, writing their closed-form times into
 * `out`; returns the neurons left for the sorted scan. `drive` = Σ J·x per neuron ([batch, size]).
 */
export function proveBySweep(prep: PreparedSpiking, times: Times, batch: number, list: number[], drive: Float64Array, out: Float64Array): number[] {
  const { pop, sources } = prep;
  const projs = pop.projections;
  const convs = projs.map((p, k) => k).filter((k) => projs[k]!.kind === "conv" && (projs[k] as ConvProjection).group === 1);
  const ids = projs.map((p, k) => k).filter((k) => projs[k]!.kind === "identity");
  if (list.length === 0 || pop.shape.length !== 3 || convs.length === 0 || convs.length + ids.length !== projs.length || ids.length > 1) return list;
  if (!(pop.alpha >= 0)) return list;
  const [cout, oh, ow] = pop.shape as [number, number, number];
  const area = oh * ow;
  const size = cout * area;
  const t0 = pop.inputWindow.tMin;
  const t1 = pop.window.tMin;
  const t2 = pop.window.tMax;
  const rampBefore = pop.alpha * (t1 - t0);
  const xs = sources.map((s) => decodeTimes(times(s.id), s.window.tMax));
  const top = new Float64Array(batch);
  xs.forEach((x) => {
    const n = x.length / batch;
    for (let b = 0; b < batch; b++) for (let j = b * n; j < (b + 1) * n; j++) if (x[j]! > top[b]!) top[b] = x[j]!;
  });

  // The receptive field of one output position: the conv projections' taps, concatenated; weights likewise per channel.
  const fanIn = convs.map((k) => (sources[k]!.shape[0]! * (projs[k] as ConvProjection).kernel[0] * (projs[k] as ConvProjection).kernel[1]));
  const width = fanIn.reduce((a, b) => a + b, 0);
  const rows = new Float64Array(cout * width);
  let offset = 0;
  convs.forEach((k, c) => {
    const w = projs[k]!.weight;
    const f = fanIn[c]!;
    for (let o = 0; o < cout; o++) rows.set(w.subarray(o * f, (o + 1) * f), o * width + offset);
    offset += f;
  });
  const idProj = ids.length ? projs[ids[0]!]! : undefined;
  const idX = ids.length ? xs[ids[0]!]! : undefined;
  const idInner = idProj ? size / idProj.weight.length : 1;

  // Neurons grouped by (sample, position): a counting sort on the key b·area + position.
  const keys = batch * area;
  const start = new Int32Array(keys + 1);
  for (const f of list) start[Math.floor(f / size) * area + (f % area) + 1]!++;
  for (let q = 0; q < keys; q++) start[q + 1]! += start[q]!;
  const byKey = new Int32Array(list.length);
  const fill = start.slice(0, keys);
  for (const f of list) byKey[fill[Math.floor(f / size) * area + (f % area)]!++] = f;

  const buf = scanBuffers(width);
  const patch = buf.times;
  const sortedX = new Float64Array(width);
  const rest: number[] = [];
  for (let key = 0; key < keys; key++) {
    if (start[key] === start[key + 1]) continue;
    const b = Math.floor(key / area);
    const p = key % area;
    const oy = Math.floor(p / ow);
    const ox = p % ow;
    if (!(top[b]! <= t1 - t0)) {
      for (let q = start[key]!; q < start[key + 1]!; q++) rest.push(byKey[q]!);
      continue;
    }
    let n = 0;
    convs.forEach((k) => {
      const proj = projs[k] as ConvProjection;
      const [cin, ih, iw] = sources[k]!.shape as [number, number, number];
      const x = xs[k]!;
      const base = b * cin * ih * iw;
      const [kh, kw] = proj.kernel;
      const y0 = oy * proj.stride[0] - proj.pads[0];
      const x0 = ox * proj.stride[1] - proj.pads[1];
      for (let c = 0; c < cin; c++)
        for (let ky = 0; ky < kh; ky++) {
          const y = y0 + ky * proj.dilation[0];
          const inside = y >= 0 && y < ih;
          for (let kx = 0; kx < kw; kx++) {
            const xx = x0 + kx * proj.dilation[1];
            patch[n++] = inside && xx >= 0 && xx < iw ? x[base + (c * ih + y) * iw + xx]! : 0;
          }
        }
    });
    sortEvents(buf, n);
    const order = buf.order;
    for (let m = 0; m < n; m++) sortedX[m] = patch[order[m]!]!;
    for (let q = start[key]!; q < start[key + 1]!; q++) {
      const f = byKey[q]!;
      const i = f % size;
      const o = Math.floor(i / area);
      const th = pop.threshold[i]!;
      const margin = th - rampBefore - drive[f]!;
      const sigma = prep.slope[i]!;
      // margin = σ·(t − t1) for the closed-form time t: it is after t1 only with σ > 0.
      if (!(th > 0) || !(margin > 0) || !(sigma > 0)) {
        rest.push(f);
        continue;
      }
      const row = o * width;
      // The identity input, merged at its place in the ascending order.
      let xId = Number.POSITIVE_INFINITY;
      let wId = 0;
      if (idProj && idX) {
        wId = idProj.weight[Math.floor(i / idInner)]!;
        xId = idX[b * size + i]!;
      }
      let a = 0;
      let s = 0;
      let worst = 0;
      let scale = 0;
      for (let m = 0; m < n; m++) {
        const xm = sortedX[m]!;
        if (xm > xId) {
          const v = xId * (a - sigma) - s;
          if (v > worst) worst = v;
          a += wId;
          s += wId * xId;
          xId = Number.POSITIVE_INFINITY;
        }
        const v = xm * (a - sigma) - s;
        if (v > worst) worst = v;
        const w = rows[row + order[m]!]!;
        a += w;
        s += w * xm;
        scale += Math.abs(w) * xm;
      }
      if (xId !== Number.POSITIVE_INFINITY) {
        const v = xId * (a - sigma) - s;
        if (v > worst) worst = v;
      }
      // Rounding allowance: relative 1e-12 of the magnitudes summed.
      const tol = 1e-12 * (Math.abs(th) + rampBefore + Math.abs(drive[f]!) + scale + Math.abs(sigma) * top[b]! + Math.abs(wId) * top[b]!);
      if (worst + tol < margin) {
        const t = (prep.offset[i]! - drive[f]!) / sigma;
        out[f] = t < t2 ? t : t2;
      } else rest.push(f);
    }
  }
  return rest;
}
