/**
 * The input events (arrival time, weight) of one neuron, written straight into the scan buffers: a loop per projection
 * kind without callbacks, since this is the simulator's per-neuron hot path. Padded taps arrive at t1 (they encode 0);
 * silent sources (no spike) and zero weights add no event. Same synapses as forEachSynapse (src/snn/synapses.ts).
 */
import type { Projection } from "../../snn/network.js";
import { forEachSynapse, VIRTUAL } from "../../snn/synapses.js";
import { NO_SPIKE } from "./encode.js";
import type { ScanBuffers } from "./scan.js";

/** Appends the events of projection `proj` onto neuron `dst`; `st` holds the source's spike times from `base`. Returns the new count. */
export function gatherEvents(
  proj: Projection,
  srcShape: readonly number[],
  dstShape: readonly number[],
  dst: number,
  st: Float64Array,
  base: number,
  t1: number,
  buf: ScanBuffers,
  count: number,
): number {
  const { times, weights } = buf;
  let n = count;
  const d = proj.delay;
  const w = proj.weight;
  if (proj.kind === "dense") {
    const size = w.length / (dstShape.reduce((a, b) => a * b, 1));
    const row = dst * size;
    for (let j = 0; j < size; j++) {
      const wj = w[row + j]!;
      const t = st[base + j]!;
      if (wj === 0 || t === NO_SPIKE) continue;
      times[n] = t + d;
      weights[n++] = wj;
    }
    return n;
  }
  if (proj.kind === "conv") {
    const ih = srcShape[1]!;
    const iw = srcShape[2]!;
    const cout = dstShape[0]!;
    const oh = dstShape[1]!;
    const ow = dstShape[2]!;
    const [kh, kw] = proj.kernel;
    const [sh, sw] = proj.stride;
    const [dh, dw] = proj.dilation;
    const o = Math.floor(dst / (oh * ow));
    const oy = Math.floor((dst % (oh * ow)) / ow);
    const ox = dst % ow;
    const cpg = srcShape[0]! / proj.group;
    const c0 = Math.floor(o / (cout / proj.group)) * cpg;
    const y0 = oy * sh - proj.pads[0];
    const x0 = ox * sw - proj.pads[1];
    for (let c = 0; c < cpg; c++) {
      const wBase = (o * cpg + c) * kh * kw;
      const sBase = base + (c0 + c) * ih * iw;
      for (let ky = 0; ky < kh; ky++) {
        const y = y0 + ky * dh;
        const rowInside = y >= 0 && y < ih;
        for (let kx = 0; kx < kw; kx++) {
          const wk = w[wBase + ky * kw + kx]!;
          if (wk === 0) continue;
          const x = x0 + kx * dw;
          if (rowInside && x >= 0 && x < iw) {
            const t = st[sBase + y * iw + x]!;
            if (t === NO_SPIKE) continue;
            times[n] = t + d;
          } else times[n] = t1;
          weights[n++] = wk;
        }
      }
    }
    return n;
  }
  forEachSynapse(proj, srcShape, dstShape, dst, (j, wj) => {
    const t = j === VIRTUAL ? t1 : st[base + j]! + d;
    if (wj === 0 || t === NO_SPIKE) return;
    times[n] = t;
    weights[n++] = wj;
  });
  return n;
}
