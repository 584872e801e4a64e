/**
 * The one-pass convolution with its excitatory part (src/ann/kernels/conv2d-signed.ts): both paths (WebAssembly SIMD
 * and JS) give, bit for bit, the sums of a plain reference that adds each output's positive-weight taps first and its
 * negative ones after, in weight order; and the two outputs agree with two separate convolutions (W and max(W, 0)) to
 * rounding. Shapes cover padding, stride (the JS loops under SIMD too), dilation, groups, odd output widths (a pixel
 * without a pair), pair counts not a multiple of 4, zero weights, and operands past the kernels' first memory.
 */
import { describe, expect, it } from "vitest";
import type { Conv2dArgs } from "../../src/ann/kernels/conv2d.js";
import { conv2dAccumulate, conv2dOutputSize } from "../../src/ann/kernels/conv2d.js";
import { rng } from "../helpers/rng.js";
import { bothPaths } from "../helpers/simd-paths.js";
import { CONV_SHAPES, type ConvShape } from "../helpers/conv-shapes.js";

type Signed = (a: Conv2dArgs, excitatory: Float64Array) => void;

async function paths(): Promise<{ simdOn: boolean; js: Signed; fast: Signed }> {
  return bothPaths(async () => (await import("../../src/ann/kernels/conv2d-signed.js")).conv2dSignedAccumulate);
}

const shapes = CONV_SHAPES;

type Shape = ConvShape;

function problem(c: Shape, batch: number) {
  const r = rng(c.cin * 131 + c.cout * 7 + c.w);
  const oh = conv2dOutputSize(c.h, c.k, c.s, c.p, c.p, c.d);
  const ow = conv2dOutputSize(c.w, c.k, c.s, c.p, c.p, c.d);
  const input = Float64Array.from({ length: batch * c.cin * c.h * c.w }, () => (r() < 0.3 ? 0 : r()));
  // Some weights exactly 0: dropped from both lists.
  const weight = Float64Array.from({ length: c.cout * (c.cin / c.g) * c.k * c.k }, () => (r() < 0.1 ? 0 : 2 * r() - 1));
  const start = Float64Array.from({ length: batch * c.cout * oh * ow }, () => r());
  const args = (output: Float64Array, w = weight): Conv2dArgs => ({
    input, batch, inChannels: c.cin, inH: c.h, inW: c.w, weight: w, outChannels: c.cout, group: c.g, output, outH: oh, outW: ow,
    kernel: [c.k, c.k], stride: [c.s, c.s], pads: [c.p, c.p, c.p, c.p], dilation: [c.d, c.d],
  });
  return { oh, ow, input, weight, start, args };
}

/** The documented order, element by element: positive taps, then negative ones, each in (channel, ky, kx) order. */
function reference(c: Shape, batch: number, pr: ReturnType<typeof problem>, output: Float64Array, excitatory: Float64Array): void {
  const cg = c.cin / c.g;
  const og = c.cout / c.g;
  for (let b = 0; b < batch; b++)
    for (let o = 0; o < c.cout; o++)
      for (let oy = 0; oy < pr.oh; oy++)
        for (let ox = 0; ox < pr.ow; ox++) {
          let s = 0;
          for (const sign of [1, -1]) {
            for (let ci = 0; ci < cg; ci++)
              for (let ky = 0; ky < c.k; ky++)
                for (let kx = 0; kx < c.k; kx++) {
                  const w = pr.weight[((o * cg + ci) * c.k + ky) * c.k + kx]!;
                  if (sign * w <= 0) continue;
                  const y = oy * c.s - c.p + ky * c.d;
                  const x = ox * c.s - c.p + kx * c.d;
                  const v = y >= 0 && y < c.h && x >= 0 && x < c.w ? pr.input[((b * c.cin + Math.floor(o / og) * cg + ci) * c.h + y) * c.w + x]! : 0;
                  s += w * v;
                }
            const e = ((b * c.cout + o) * pr.oh + oy) * pr.ow + ox;
            if (sign > 0) excitatory[e]! += s;
            else output[e]! += s;
          }
        }
}

function differing(a: Float64Array, b: Float64Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

describe("conv2dSignedAccumulate", () => {
  it("both paths give the reference's sums bit for bit", async () => {
    const { simdOn, js, fast } = await paths();
    expect(simdOn).toBe(true); // Node ≥ 20 has WebAssembly SIMD
    for (const c of shapes) {
      const batch = c.h * c.w > 10_000 ? 1 : 3;
      const pr = problem(c, batch);
      const want = { out: Float64Array.from(pr.start), exc: Float64Array.from(pr.start) };
      reference(c, batch, pr, want.out, want.exc);
      for (const [path, run] of [["js", js], ["simd", fast]] as const) {
        const out = Float64Array.from(pr.start);
        const exc = Float64Array.from(pr.start);
        run(pr.args(out), exc);
        expect({ shape: c.name, path, output: differing(out, want.out), excitatory: differing(exc, want.exc) }).toEqual({ shape: c.name, path, output: 0, excitatory: 0 });
      }
    }
  });

  it("equals two convolutions (W and max(W, 0)) to rounding", async () => {
    const { fast } = await paths();
    for (const c of shapes.filter((c) => !c.large)) {
      const pr = problem(c, 2);
      const out = new Float64Array(pr.start.length);
      const exc = new Float64Array(pr.start.length);
      fast(pr.args(out), exc);
      const want = new Float64Array(pr.start.length);
      const wantExc = new Float64Array(pr.start.length);
      conv2dAccumulate(pr.args(want));
      conv2dAccumulate(pr.args(wantExc, pr.weight.map((w) => Math.max(w, 0))));
      const err = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
      const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(scale).toBeGreaterThan(0.1);
      expect(err(out, want)).toBeLessThan(1e-13 * scale);
      expect(err(exc, wantExc)).toBeLessThan(1e-13 * scale);
    }
  });
});
