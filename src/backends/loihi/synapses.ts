/**
 * Every synapse of a HW IR group as (source neuron, target neuron, weight mantissa, exponent, delay), in the
 * group's own integers (not contributions): what a core's synapse lists store. Zero weights are no synapses (the
 * cycle engine skips them too); padded conv taps are none.
 */
import type { HwPopulation, HwSynapseGroup } from "../../hw/network.js";

export type SynapseVisitor = (pre: number, post: number, weight: number, exp: number, delay: number) => void;

const at = (x: number | Int8Array | Uint8Array, i: number): number => (typeof x === "number" ? x : x[i]!);

export function forEachSynapse(g: HwSynapseGroup, source: HwPopulation, target: HwPopulation, visit: SynapseVisitor): void {
  switch (g.kind) {
    case "dense": {
      const nIn = source.shape.reduce((a, b) => a * b, 1);
      const nOut = target.shape.reduce((a, b) => a * b, 1);
      for (let i = 0; i < nOut; i++)
        for (let j = 0; j < nIn; j++) {
          const w = g.weight[i * nIn + j]!;
          if (w !== 0) visit(j, i, w, at(g.weightExp, i), at(g.delay, i));
        }
      return;
    }
    case "sparse":
      for (let k = 0; k < g.pre.length; k++) if (g.weight[k] !== 0) visit(g.pre[k]!, g.post[k]!, g.weight[k]!, at(g.weightExp, k), at(g.delay, k));
      return;
    case "conv": {
      const [C, H, W] = source.shape as [number, number, number];
      const [Co, Ho, Wo] = target.shape as [number, number, number];
      const [kh, kw] = g.kernel;
      const cinG = C / g.group;
      const coutG = Co / g.group;
      for (let co = 0; co < Co; co++) {
        const exp = at(g.weightExp, co);
        const c0 = Math.floor(co / coutG) * cinG;
        for (let cl = 0; cl < cinG; cl++)
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++) {
              const w = g.weight[((co * cinG + cl) * kh + i) * kw + j]!;
              if (w === 0) continue;
              for (let oy = 0; oy < Ho; oy++) {
                const iy = oy * g.stride[0] - g.pads[0] + i * g.dilation[0];
                if (iy < 0 || iy >= H) continue;
                for (let ox = 0; ox < Wo; ox++) {
                  const ix = ox * g.stride[1] - g.pads[1] + j * g.dilation[1];
                  if (ix < 0 || ix >= W) continue;
                  visit(((c0 + cl) * H + iy) * W + ix, (co * Ho + oy) * Wo + ox, w, exp, g.delay);
                }
              }
            }
      }
      return;
    }
  }
}
