/**
 * A spiking conv population (3×3, same padding) with an identity skip input, random spike times (a third of the
 * activations 0, as after a ReLU) and thresholds spread around V(t1) so that some neurons cross before t1: the case
 * the exact simulator's premature-crossing proofs (proof-sweep.ts, threads) must get right.
 */
import type { InputPopulation, Population, SpikingPopulation } from "../../src/snn/network.js";
import { decodeTimes } from "../../src/sim/exact/encode.js";
import { applyTerm } from "../../src/ann/term.js";

/** A 32-bit LCG (the cases these tests were written against). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export interface SkipConvCase {
  pop: SpikingPopulation;
  byId: Map<string, Population>;
  srcs: InputPopulation[];
  batch: number;
  size: number;
  /** Σ J·x per neuron, [batch, size]. */
  drive: Float64Array;
  times: (id: string) => Float64Array;
}

export function skipConvCase(
  seed: number,
  dims: { cin: number; h: number; w: number; cout: number; batch: number },
  options: { convWeight: number; thresholdSpread: number },
): SkipConvCase {
  const r = lcg(seed);
  const { cin, h, w, cout, batch } = dims;
  const src = (id: string, shape: number[]): InputPopulation => ({ kind: "input", id, shape, origin: [], window: { tMin: 0, tMax: 1 }, range: { low: 0, high: 1 } });
  const a = src("a", [cin, h, w]);
  const skip = src("skip", [cout, h, w]);
  const times = (n: number) => Float64Array.from({ length: n }, () => (r() < 0.33 ? 1 : r()));
  const ta = times(batch * cin * h * w);
  const ts = times(batch * cout * h * w);
  const shape = [cout, h, w];
  const size = cout * h * w;
  const pop: SpikingPopulation = {
    kind: "spiking",
    id: "s",
    shape,
    origin: [],
    window: { tMin: 1, tMax: 3 },
    inputWindow: { tMin: 0, tMax: 1 },
    alpha: 1,
    threshold: new Float64Array(size),
    maxActivation: 1,
    scale: new Float64Array(size).fill(1),
    projections: [
      { kind: "conv", source: "a", delay: 0, group: 1, kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1], weight: Float64Array.from({ length: cout * cin * 9 }, () => (r() - 0.5) * options.convWeight) },
      { kind: "identity", source: "skip", delay: 0, weight: Float64Array.from({ length: cout }, () => (r() - 0.5) * 3) },
    ],
  };
  const drive = new Float64Array(batch * size);
  const xs = [decodeTimes(ta, 1), decodeTimes(ts, 1)];
  pop.projections.forEach((p, k) => applyTerm(p, xs[k]!, k === 0 ? a.shape : skip.shape, shape, batch, drive));
  for (let i = 0; i < size; i++) pop.threshold[i] = 1 + drive[i]! + (r() - 0.3) * options.thresholdSpread;
  const byId = new Map<string, Population>([["a", a], ["skip", skip]]);
  const all = new Map([["a", ta], ["skip", ts]]);
  return { pop, byId, srcs: [a, skip], batch, size, drive, times: (id: string) => all.get(id)! };
}
