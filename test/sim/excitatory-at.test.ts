/**
 * The pieces of the exact simulator's no-premature-crossing proof that replace a second full projection: the
 * per-neuron excitatory input (excitatory-at.ts) must equal the excitatory projection's, and the split of the sweep's
 * list by shared receptive fields (proof-sweep.ts) must count neurons per (sample, position).
 */
import { describe, expect, it } from "vitest";
import { product } from "../../src/ann/graph.js";
import { applyTerm, withWeights } from "../../src/ann/term.js";
import type { Projection, SpikingPopulation } from "../../src/snn/network.js";
import { excitatoryAt } from "../../src/sim/exact/excitatory-at.js";
import { splitByShare } from "../../src/sim/exact/proof-sweep.js";
import type { PreparedSpiking } from "../../src/sim/exact/prepare.js";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

interface Case {
  name: string;
  proj: Projection;
  src: number[];
  dst: number[];
}

function cases(r: () => number): Case[] {
  const w = (n: number) => Float64Array.from({ length: n }, () => (r() < 0.1 ? 0 : 2 * r() - 1));
  const win = (k: number, s: number, p: number) => ({ kernel: [k, k] as [number, number], stride: [s, s] as [number, number], pads: [p, p, p, p] as [number, number, number, number], dilation: [1, 1] as [number, number] });
  return [
    { name: "conv 5×5 same padding", proj: { kind: "conv", source: "a", group: 1, weight: w(6 * 3 * 25), ...win(5, 1, 2), delay: 0 }, src: [3, 9, 9], dst: [6, 9, 9] },
    { name: "conv 3×3 stride 2, 2 groups", proj: { kind: "conv", source: "a", group: 2, weight: w(4 * 2 * 9), ...win(3, 2, 1), delay: 0 }, src: [4, 8, 8], dst: [4, 4, 4] },
    { name: "dense 50 → 7", proj: { kind: "dense", source: "a", weight: w(7 * 50), delay: 0 }, src: [50], dst: [7] },
    { name: "identity", proj: { kind: "identity", source: "a", weight: w(3), delay: 0 }, src: [3, 4, 4], dst: [3, 4, 4] },
    { name: "avgpool 2×2", proj: { kind: "avgpool", source: "a", countIncludePad: false, ceilMode: false, weight: w(3), ...win(2, 2, 0), delay: 0 }, src: [3, 6, 6], dst: [3, 3, 3] },
  ];
}

const batch = 4;

describe("excitatoryAt", () => {
  for (const c of cases(lcg(3))) {
    it(`${c.name}: equals the excitatory projection at the listed neurons`, () => {
      const r = lcg(5);
      const x = Float64Array.from({ length: batch * product(c.src) }, () => (r() < 0.4 ? 0 : 3 * r()));
      const size = product(c.dst);
      const excitatory = withWeights(c.proj, Float64Array.from(c.proj.weight, (v) => (v > 0 ? v : 0)));
      const full = new Float64Array(batch * size);
      applyTerm(excitatory, x, c.src, c.dst, batch, full);
      const list = Int32Array.from({ length: batch * size }, (_, k) => k).filter(() => r() < 0.5);
      const got = excitatoryAt([excitatory], [c.src], c.dst, [x], list, list.length);
      let maxErr = 0;
      let scale = 0;
      list.forEach((k, q) => {
        maxErr = Math.max(maxErr, Math.abs(got[q]! - full[k]!));
        scale = Math.max(scale, Math.abs(full[k]!));
      });
      expect(list.length).toBeGreaterThan(0);
      expect(maxErr).toBeLessThanOrEqual(1e-12 * scale);
    });
  }
});

describe("splitByShare", () => {
  it("keeps the neurons whose (sample, position) has at least `min` listed neurons", () => {
    const pop = { shape: [3, 2, 2] } as unknown as SpikingPopulation;
    const prep = { pop } as PreparedSpiking;
    // size 12, area 4: sample 0 has position 1 in channels 0, 1, 2 and position 3 in channel 0; sample 1 position 0 twice.
    const list = [1, 3, 5, 9, 12, 16];
    expect(splitByShare(prep, list, 3)).toEqual({ shared: [1, 5, 9], alone: [3, 12, 16] });
    expect(splitByShare(prep, list, 2)).toEqual({ shared: [1, 5, 9, 12, 16], alone: [3] });
  });
});
