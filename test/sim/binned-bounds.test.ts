/** The per-sample bins (binned-bounds.ts) of conv and dense projections against gatherEvents + binnedBoundBelow, neuron by neuron. */
import { describe, expect, it } from "vitest";
import type { Population, Projection } from "../../src/snn/network.js";
import { boundBelow, loadSample, sampleBounds } from "../../src/sim/exact/binned-bounds.js";
import { gatherEvents } from "../../src/sim/exact/gather.js";
import { binnedBoundBelow, scanBuffers } from "../../src/sim/exact/scan.js";
import { NO_SPIKE } from "../../src/sim/exact/encode.js";

let seed = 11;
const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;

type Conv = Extract<Projection, { kind: "conv" }>;

function conv(source: string, cin: number, cout: number, k: number, stride: number, pad: number, dilation: number, group: number, delay: number): Conv {
  // Some zero weights: gatherEvents skips them, the bins add exact zeros.
  const weight = Float64Array.from({ length: cout * (cin / group) * k * k }, () => (random() < 0.1 ? 0 : random() - 0.45));
  return { kind: "conv", source, weight, delay, kernel: [k, k], stride: [stride, stride], pads: [pad, pad, pad, pad], dilation: [dilation, dilation], group };
}

/**
 * Every neuron of every sample, at each threshold: boundBelow from the per-sample bins against gatherEvents +
 * binnedBoundBelow. Returns which samples loaded and how many answers agree and clear.
 */
function compare(projections: Projection[], sources: Population[], dst: number[], times: Float64Array[], batch: number, thresholds: number[], t0: number, t1: number) {
  const cb = sampleBounds(projections, sources, dst)!;
  const sizes = sources.map((s) => s.shape.reduce((a, b) => a * b, 1));
  const neurons = dst.reduce((a, b) => a * b, 1);
  const buf = scanBuffers(1 + projections.reduce((a, p, q) => a + (p.kind === "dense" ? sizes[q]! : p.weight.length / dst[0]!), 0));
  const r = { loaded: [] as boolean[], agree: 0, cleared: 0, total: 0 };
  for (let b = 0; b < batch; b++) {
    r.loaded.push(loadSample(cb, times, b, t0, t1));
    if (!r.loaded[b]) continue;
    for (let i = 0; i < neurons; i++)
      for (const threshold of thresholds) {
        let n = 0;
        buf.times[n] = t0;
        buf.weights[n++] = 0.7;
        projections.forEach((p, q) => {
          n = gatherEvents(p, sources[q]!.shape, dst, i, times[q]!, b * sizes[q]!, t1, buf, n);
        });
        const want = binnedBoundBelow(buf, n, threshold, t1);
        const got = boundBelow(cb, i, t0, 0.7, t1, threshold);
        r.total++;
        if (got === want) r.agree++;
        if (got) r.cleared++;
      }
  }
  return r;
}

describe("bounds from per-sample bins", () => {
  const t0 = 0;
  const t1 = 1;
  for (const [name, cin, cout, k, stride, pad, dilation, group, two] of [
    ["5×5 padded, one input channel (lenet5's stem)", 1, 6, 5, 1, 2, 1, 1, false],
    ["3×3 stride 2, dilation 2, two groups, with a second conv", 4, 6, 3, 2, 2, 2, 2, true],
  ] as const) {
    it(`${name}: the same answer as the gathered events' binned bound for every neuron`, () => {
      const ih = 9;
      const iw = 8;
      const oh = Math.floor((ih + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
      const ow = Math.floor((iw + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
      const projections: Conv[] = [conv("a", cin, cout, k, stride, pad, dilation, group, 0)];
      if (two) projections.push(conv("b", cin, cout, k, stride, pad, dilation, group, 0.125));
      const sources = projections.map((p) => ({ id: p.source, shape: [cin, ih, iw] }) as unknown as Population);
      const dst = [cout, oh, ow];
      const batch = 3;
      // Sample 0: arrivals in [t0, t1] and after (silent, late); sample 1 the same; sample 2 has one before t0.
      const times = projections.map(() =>
        Float64Array.from({ length: batch * cin * ih * iw }, () => (random() < 0.1 ? NO_SPIKE : random() < 0.3 ? t1 : random() < 0.05 ? 1.2 : random())),
      );
      times[0]![2 * cin * ih * iw + 5] = -0.5;
      const { loaded, agree, cleared, total } = compare(projections, sources, dst, times, batch, [0.3, 1, 3], t0, t1);
      expect(loaded).toEqual([true, true, false]);
      expect(agree).toBe(total);
      // Both answers occur.
      expect(cleared).toBeGreaterThan(0.05 * total);
      expect(cleared).toBeLessThan(0.95 * total);
    });
  }

  it("dense projections (two sources, one delayed; zero weights, silent, late and early inputs): the same answer for every neuron", () => {
    const sizes = [37, 300];
    const out = 23;
    const projections: Projection[] = sizes.map((m, q) => ({
      kind: "dense",
      source: `s${q}`,
      weight: Float64Array.from({ length: out * m }, () => (random() < 0.1 ? 0 : random() - 0.45)),
      delay: q === 1 ? 0.125 : 0,
    }));
    const sources = sizes.map((m, q) => ({ id: `s${q}`, shape: [m] }) as unknown as Population);
    const batch = 4;
    const times = sizes.map((m) => Float64Array.from({ length: batch * m }, () => (random() < 0.1 ? NO_SPIKE : random() < 0.2 ? t1 : random() < 0.05 ? 1.2 : random())));
    times[1]![3 * sizes[1]! + 7] = -0.2; // arrives at −0.075 (delay 0.125): before t0
    const { loaded, agree, cleared, total } = compare(projections, sources, [out], times, batch, [-0.5, 0.5, 1.5, 4], t0, t1);
    expect(loaded).toEqual([true, true, true, false]);
    expect(agree).toBe(total);
    expect(cleared).toBeGreaterThan(0.05 * total);
    expect(cleared).toBeLessThan(0.95 * total);
  });
});
