/**
 * Every synapse of an HW IR group as (pre, post, weight mantissa, exponent, delay), whatever its kind: dense rows,
 * conv windows expanded over the output map (ONNX geometry, padded taps dropped), sparse lists — in the group's own
 * integers (not contributions). Zero weights are no synapses. The backends store these entries (a core's synapse
 * lists; Lava's Sparse matrices, since Lava's Conv has no bit-accurate model); the cycle engine builds its own CSR
 * (src/sim/cycle/synapses.ts), so the backends' outputs are checked against an independent expansion.
 */
import { InputError } from "../util/errors.js";
import type { HwConvSynapses, HwPopulation, HwSynapseGroup } from "./network.js";
import { populationSize } from "./network.js";

export type SynapseVisitor = (pre: number, post: number, weight: number, exp: number, delay: number) => void;

const at = (x: number | Int8Array | Uint8Array, i: number): number => (typeof x === "number" ? x : x[i]!);

function bad(g: HwSynapseGroup, what: string): never {
  throw new InputError(`HW IR synapse group '${g.id}' (${g.kind}, ${g.source} → ${g.target}): ${what}`, "re-run the lowering (spikec compile … --target ID)");
}

function convSynapses(g: HwConvSynapses, src: HwPopulation, dst: HwPopulation, visit: SynapseVisitor): void {
  if (src.shape.length !== 3 || dst.shape.length !== 3) bad(g, `conv needs [C, H, W] shapes, got [${src.shape}] → [${dst.shape}]`);
  const [C, H, W] = src.shape as [number, number, number];
  const [Co, Ho, Wo] = dst.shape as [number, number, number];
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [pt, pl] = g.pads;
  const [dh, dw] = g.dilation;
  const cinG = C / g.group;
  const coutG = Co / g.group;
  if (!Number.isInteger(cinG) || !Number.isInteger(coutG)) bad(g, `group ${g.group} does not divide channels ${C} → ${Co}`);
  for (let co = 0; co < Co; co++) {
    const exp = at(g.weightExp, co);
    const c0 = Math.floor(co / coutG) * cinG;
    for (let cl = 0; cl < cinG; cl++)
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++) {
          const w = g.weight[((co * cinG + cl) * kh + ky) * kw + kx]!;
          if (w === 0) continue;
          for (let oy = 0; oy < Ho; oy++) {
            const iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= H) continue;
            for (let ox = 0; ox < Wo; ox++) {
              const ix = ox * sw - pl + kx * dw;
              if (ix < 0 || ix >= W) continue;
              visit(((c0 + cl) * H + iy) * W + ix, (co * Ho + oy) * Wo + ox, w, exp, g.delay);
            }
          }
        }
  }
}

/** Calls `visit` for every non-zero synapse of `g` (source population `src`, target `dst`). */
export function forEachSynapse(g: HwSynapseGroup, src: HwPopulation, dst: HwPopulation, visit: SynapseVisitor): void {
  const nS = populationSize(src);
  const nT = populationSize(dst);
  if (g.kind === "dense") {
    if (g.weight.length !== nS * nT) bad(g, `weight has ${g.weight.length} entries, expected ${nT} × ${nS}`);
    for (let i = 0; i < nT; i++) {
      const e = at(g.weightExp, i);
      const d = at(g.delay, i);
      for (let j = 0; j < nS; j++) {
        const w = g.weight[i * nS + j]!;
        if (w !== 0) visit(j, i, w, e, d);
      }
    }
  } else if (g.kind === "conv") {
    convSynapses(g, src, dst, visit);
  } else {
    for (let k = 0; k < g.pre.length; k++) {
      const w = g.weight[k]!;
      if (w !== 0) visit(g.pre[k]!, g.post[k]!, w, at(g.weightExp, k), at(g.delay, k));
    }
  }
}
