/**
 * The WebAssembly SIMD convolution and dense product (src/ann/kernels/simd.ts) are bit-identical to the JS kernels they
 * accelerate: the same operations in the same order per output element. Checked on shapes that hit every path:
 * padding, stride, dilation, groups, output channels per group ≡ 0, 1, 2, 3 (mod 4), pixel counts not a multiple of 4,
 * input channels split into several passes, operands larger than the first memory; for C += A·Bᵀ, rows and columns not multiples of 4 and depths over one pass.
 * And the embedded binary is the assembly of the WAT source.
 */
import { describe, expect, it } from "vitest";
import wabt from "wabt";
import type { Conv2dArgs } from "../../src/ann/kernels/conv2d.js";
import { bothPaths } from "../helpers/simd-paths.js";
import { CONV_SHAPES } from "../helpers/conv-shapes.js";

type Conv = (a: Conv2dArgs) => void;

type GemmABt = typeof import("../../src/ann/kernels/gemm.js").gemmABtAccumulate;

async function kernels(): Promise<{ simdOn: boolean; jsConv: Conv; simdConv: Conv; jsGemm: GemmABt; simdGemm: GemmABt }> {
  const load = async () => ({
    conv: (await import("../../src/ann/kernels/conv2d.js")).conv2dAccumulate,
    gemm: (await import("../../src/ann/kernels/gemm.js")).gemmABtAccumulate,
  });
  const { js, fast, simdOn } = await bothPaths(load);
  return { simdOn, jsConv: js.conv, simdConv: fast.conv, jsGemm: js.gemm, simdGemm: fast.gemm };
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const shapes = CONV_SHAPES;

describe("SIMD kernels", () => {
  it("conv: bit-identical to the JS kernels", async () => {
    const { simdOn, jsConv, simdConv } = await kernels();
    expect(simdOn).toBe(true); // Node ≥ 20 has WebAssembly SIMD
    for (const c of shapes) {
      const r = lcg(c.cin * 131 + c.cout);
      const batch = 3;
      const oh = Math.floor((c.h + 2 * c.p - c.d * (c.k - 1) - 1) / c.s) + 1;
      const ow = Math.floor((c.w + 2 * c.p - c.d * (c.k - 1) - 1) / c.s) + 1;
      const input = Float64Array.from({ length: batch * c.cin * c.h * c.w }, () => (r() < 0.3 ? 0 : r()));
      const weight = Float64Array.from({ length: c.cout * (c.cin / c.g) * c.k * c.k }, () => 2 * r() - 1);
      const start = Float64Array.from({ length: batch * c.cout * oh * ow }, () => r());
      const args = (output: Float64Array): Conv2dArgs => ({
        input, batch, inChannels: c.cin, inH: c.h, inW: c.w, weight, outChannels: c.cout, group: c.g, output, outH: oh, outW: ow,
        kernel: [c.k, c.k], stride: [c.s, c.s], pads: [c.p, c.p, c.p, c.p], dilation: [c.d, c.d],
      });
      const a = Float64Array.from(start);
      const b = Float64Array.from(start);
      jsConv(args(a));
      simdConv(args(b));
      let differ = 0;
      for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) differ++;
      expect({ shape: c.name, differ }).toEqual({ shape: c.name, differ: 0 });
      expect(a.some((v, i) => v !== start[i])).toBe(true);
    }
  });

  it("C += A·Bᵀ is bit-identical to the JS loops", async () => {
    const { jsGemm, simdGemm } = await kernels();
    for (const [m, n, k] of [[500, 120, 400], [7, 10, 3], [13, 5, 1100], [4, 1, 9], [3, 6, 5]] as const) {
      const r = lcg(m * 7 + n * 3 + k);
      const lda = k + 2;
      const ldc = n + 1;
      const a = Float64Array.from({ length: m * lda }, () => (r() < 0.3 ? 0 : r()));
      const b = Float64Array.from({ length: n * k }, () => 2 * r() - 1);
      const start = Float64Array.from({ length: m * ldc }, () => r());
      const x = Float64Array.from(start);
      const y = Float64Array.from(start);
      jsGemm(m, n, k, a, 2, lda, b, 0, k, x, 1, ldc);
      simdGemm(m, n, k, a, 2, lda, b, 0, k, y, 1, ldc);
      let differ = 0;
      for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) differ++;
      expect({ m, n, k, differ }).toEqual({ m, n, k, differ: 0 });
      expect(x.some((v, i) => v !== start[i])).toBe(true);
    }
  });

  it("the embedded binary is the WAT source assembled", async () => {
    const { WAT, WASM_BYTES } = await import("../../src/ann/kernels/simd.js");
    const module = (await wabt()).parseWat("simd.wat", WAT, { simd: true });
    const bytes = Buffer.from(module.toBinary({}).buffer);
    module.destroy();
    // On a change of WAT: paste this encoding into WASM_BASE64 (src/ann/kernels/simd.ts).
    expect(Buffer.from(WASM_BYTES).toString("base64")).toBe(bytes.toString("base64"));
  });
});
