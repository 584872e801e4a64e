/** Max-pool gates of the exact simulator: the first (or last) spike per window, against a direct evaluation. */
import { describe, expect, it } from "vitest";
import type { GatePopulation, Population } from "../../src/snn/network.js";
import { simulateGate } from "../../src/sim/exact/population.js";
import { NO_SPIKE } from "../../src/sim/exact/encode.js";

/** A gate over a [c, ih, iw] source, 2×2 windows at stride 2 unless given. */
function gate(c: number, ih: number, iw: number, oh: number, ow: number, signs: number[], delay: number, kernel = 2, pads = 0): { pop: GatePopulation; src: Population } {
  const window = { tMin: 1, tMax: 2 };
  const src = { kind: "gate", id: "src", shape: [c, ih, iw], origin: [], window } as unknown as Population;
  const pop: GatePopulation = {
    kind: "gate", id: "g", shape: [c, oh, ow], origin: [], window, channelSign: Int8Array.from(signs), scale: new Float64Array(c * oh * ow).fill(1),
    projection: { kind: "pool", source: "src", delay, ceilMode: false, kernel: [kernel, kernel], stride: [2, 2], pads: [pads, pads, pads, pads], dilation: [1, 1] },
  };
  return { pop, src };
}

/** The first (sign +1) or last (−1) time in each window, padding skipped, plus the delay. */
function direct(times: Float64Array, batch: number, c: number, ih: number, iw: number, oh: number, ow: number, signs: number[], delay: number, kernel: number, pads: number): Float64Array {
  const out = new Float64Array(batch * c * oh * ow);
  let k = 0;
  for (let b = 0; b < batch; b++)
    for (let ch = 0; ch < c; ch++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let best = signs[ch]! > 0 ? Infinity : -Infinity;
          for (let ky = 0; ky < kernel; ky++)
            for (let kx = 0; kx < kernel; kx++) {
              const y = 2 * oy - pads + ky;
              const x = 2 * ox - pads + kx;
              if (y < 0 || y >= ih || x < 0 || x >= iw) continue;
              const t = times[((b * c + ch) * ih + y) * iw + x]!;
              best = signs[ch]! > 0 ? Math.min(best, t) : Math.max(best, t);
            }
          out[k++] = delay !== 0 ? best + delay : best;
        }
  return out;
}

describe("max-pool gate", () => {
  // Times on a coarse grid (many ties, as when neurons are clamped at t2), some silent.
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const times = (n: number) => Float64Array.from({ length: n }, () => (random() < 0.1 ? NO_SPIKE : 1 + Math.floor(random() * 4) / 4));

  for (const [name, ih, iw, oh, ow, kernel, pads] of [
    ["2×2 stride 2 (the fast path), odd input", 7, 9, 3, 4, 2, 0],
    ["3×3 stride 2 padded (the general kernel)", 7, 7, 4, 4, 3, 1],
  ] as const) {
    it(`${name}: equals the first or last spike per window, both signs, with a delay`, () => {
      const batch = 3;
      const c = 4;
      const signs = [1, -1, 1, -1];
      for (const delay of [0, 0.25]) {
        const { pop, src } = gate(c, ih, iw, oh, ow, signs, delay, kernel, pads);
        const t = times(batch * c * ih * iw);
        const got = simulateGate(pop, src, t, batch);
        const want = direct(t, batch, c, ih, iw, oh, ow, signs, delay, kernel, pads);
        let mismatches = 0;
        for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) mismatches++;
        expect(mismatches).toBe(0);
        expect(got.length).toBe(batch * c * oh * ow);
      }
    });
  }
});
