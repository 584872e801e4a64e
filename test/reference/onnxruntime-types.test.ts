/**
 * onnxruntime is fed the input in the element type the model declares (float32, float64, float16) and its outputs
 * are read back as float64. Before the fix every input went in as float32, and verify crashed (exit 70, "Unexpected
 * input data type") on float64 and float16 models.
 */
import { describe, expect, it } from "vitest";
import { halfToFloat } from "../../src/io/npy.js";
import { float64ToHalfBits, OnnxruntimeCannotRun, onnxRuntimeRunner, runOnnxRuntime } from "../../src/reference/onnxruntime.js";
import { execute } from "../../src/ann/execute.js";
import { importOnnxBytes } from "../../src/onnx/import.js";
import { InputError } from "../../src/util/errors.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeNpy } from "../../src/io/npy.js";
import { OnnxBuilder } from "../helpers/onnx-builder.js";
import { runCli } from "../helpers/cli.js";
import { scratchDir } from "../helpers/scratch.js";
import { FEATURES, inputs, mlp, writeInputs, writeModel } from "../verify/models.js";

interface VerifyDoc {
  snnVsAnn: { agreeing: number; agreement: number; maxAbsDelta: number; maxAbsReference: number };
  annVsOnnxruntime: { agreement: number; maxAbsDelta: number; maxAbsReference: number } | null;
  matches: boolean;
}

const dir = scratchDir("spikec-ort-types-");
const x = writeInputs(dir, 200);

describe("verify with the onnxruntime comparison on float64 and float16 models", () => {
  // float64: onnxruntime computes in float64 too, so it agrees to float64 rounding; float16: to half precision.
  const cases = [
    { dtype: "float64" as const, ortTolerance: 1e-12 },
    { dtype: "float16" as const, ortTolerance: 2e-3 },
  ];
  for (const { dtype, ortTolerance } of cases) {
    it(`${dtype} input and initializers: exit 0, agreement 100 % (SNN vs ANN and ANN vs onnxruntime), |Δ| vs onnxruntime ≤ ${ortTolerance} × max |logit|`, async () => {
      const model = writeModel(dir, `${dtype}.onnx`, { dtype });
      const r = await runCli(["verify", model, "--calib", x, "--input", x, "--json"]);
      expect(r.stderr).not.toMatch(/internal error|Unexpected input data type/);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as VerifyDoc;
      expect(doc.snnVsAnn.agreeing).toBe(200);
      expect(doc.matches).toBe(true);
      expect(doc.snnVsAnn.maxAbsDelta).toBeLessThanOrEqual(1e-9 * doc.snnVsAnn.maxAbsReference);
      const o = doc.annVsOnnxruntime!;
      expect(o).not.toBeNull();
      expect(o.agreement).toBe(1);
      expect(o.maxAbsDelta).toBeLessThanOrEqual(ortTolerance * o.maxAbsReference);
      console.log(`onnxruntime ${dtype}: ANN vs onnxruntime max |Δ| ${o.maxAbsDelta} (${o.maxAbsDelta / o.maxAbsReference} × max |logit|)`);
    });
  }

  it("a float64 conv (no onnxruntime kernel): verify still checks the SNN, says the comparison was not made and why", async () => {
    const b = new OnnxBuilder({ opset: 13, seed: 5, ioType: "float64" });
    const f64 = (t: ReturnType<typeof b.randn>) => ({ ...t, dtype: "float64" as const });
    const xin = b.input("x", [1, 4, 4]);
    const h = b.flatten(b.relu(b.conv(xin, { weight: f64(b.randn([2, 1, 3, 3])), bias: f64(b.randn([2])), pads: [1, 1, 1, 1] })), 1);
    b.output(b.gemm(h, { b: f64(b.randn([32, 3])), transB: 0 }));
    const model = join(dir, "conv64.onnx");
    writeFileSync(model, b.toBytes());
    const xs = join(dir, "x144.npy");
    writeFileSync(xs, encodeNpy([50, 1, 4, 4], Float64Array.from({ length: 800 }, (_, i) => ((i * 37) % 101) / 100)));
    const r = await runCli(["verify", model, "--calib", xs, "--input", xs]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ANN vs onnxruntime: not compared, onnxruntime cannot run this model \(.*Conv.*\)/);
    const doc = JSON.parse((await runCli(["verify", model, "--calib", xs, "--input", xs, "--json"])).stdout) as VerifyDoc & { onnxruntimeSkipped: string | null };
    expect(doc.annVsOnnxruntime).toBeNull();
    expect(doc.onnxruntimeSkipped).toMatch(/Conv/);
    expect(doc.matches).toBe(true);
  });

  it("a graph onnxruntime's optimizer refuses runs unoptimized; one it has no kernel for is OnnxruntimeCannotRun", async () => {
    const xs = Float64Array.from({ length: 20 * 64 }, (_, i) => ((i * 37) % 101) / 100);
    // Pad before a count_include_pad AveragePool: onnxruntime fuses them and then refuses the fused pads.
    const b = new OnnxBuilder({ opset: 13, seed: 9 });
    const xin = b.input("x", [1, 8, 8]);
    const h = b.relu(b.conv(xin, { weight: b.randn([2, 1, 3, 3]), pads: [1, 1, 1, 1] }));
    const padded = b.node("Pad", [h, { dims: [8], data: [0, 0, 1, 0, 0, 0, 0, 2], dtype: "int64" }])[0]!;
    const pooled = b.averagePool(padded, { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], countIncludePad: true });
    b.output(b.gemm(b.flatten(pooled, 1), { b: b.randn([2 * 5 * 5, 3]) }));
    const bytes = b.toBytes();
    await expect(onnxRuntimeRunner(bytes, xs, 20, [1, 8, 8]).then((x) => x.run())).rejects.toThrow(/Pad should be smaller than kernel/);
    const r = await runOnnxRuntime(bytes, xs, 20, [1, 8, 8]);
    const ann = execute(importOnnxBytes(bytes, "pad-pool.onnx"), xs, 20);
    const ours = ann.get(importOnnxBytes(bytes, "pad-pool.onnx").output)!;
    expect(r.output.length).toBe(ours.length);
    for (let i = 0; i < ours.length; i++) expect(Math.abs(r.output[i]! - ours[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ours[i]!)));
    // A dilated conv with SAME padding: onnxruntime's CPU Conv has no such kernel, optimized or not.
    const c = new OnnxBuilder({ opset: 13, seed: 9 });
    const y = c.relu(c.conv(c.input("x", [1, 8, 8]), { weight: c.randn([2, 1, 2, 2]), dilations: [2, 2], autoPad: "SAME_UPPER" }));
    c.output(c.gemm(c.flatten(y, 1), { b: c.randn([128, 3]) }));
    await expect(runOnnxRuntime(c.toBytes(), xs, 20, [1, 8, 8])).rejects.toThrow(OnnxruntimeCannotRun);
  });

  it("feeds each model in its declared type", async () => {
    const xs = inputs(4);
    for (const dtype of ["float32", "float64", "float16"] as const) {
      const runner = await onnxRuntimeRunner(mlp({ dtype }).bytes, xs, 4, [FEATURES]);
      try {
        expect(runner.inputType).toBe(dtype);
        const r = await runner.run();
        expect(r.inputType).toBe(dtype);
        expect(r.output).toBeInstanceOf(Float64Array);
        expect(r.output.length).toBe(16);
        expect(r.output.every(Number.isFinite)).toBe(true);
      } finally {
        await runner.release();
      }
    }
  });

  it("refuses any other input element type with an InputError naming it (library and CLI)", async () => {
    const bytes = mlp({ dtype: "int32" }).bytes;
    let error: unknown;
    try {
      await runOnnxRuntime(bytes, inputs(2), 2, [FEATURES]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/input 'x' has element type int32; .*float32, float64 or float16/);
    const model = writeModel(dir, "int32.onnx", { dtype: "int32" });
    const r = await runCli(["verify", model, "--calib", x, "--input", x]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.stderr).toMatch(/int32\.onnx.*input 'x'/);
  });
});

describe("float64ToHalfBits (float16 inputs: round to nearest, ties to even)", () => {
  const finite = (h: number) => (h & 0x7c00) !== 0x7c00;

  it("maps every finite half (and ±Infinity) to its own bits, and NaN to the quiet NaN", () => {
    let checked = 0;
    for (let h = 0; h < 0x10000; h++) {
      if (!finite(h) && (h & 0x3ff) !== 0) continue; // NaNs
      expect(float64ToHalfBits(halfToFloat(h))).toBe(h);
      checked++;
    }
    expect(checked).toBe(65536 - 2 * 1023);
    expect(float64ToHalfBits(NaN)).toBe(0x7e00);
    expect(float64ToHalfBits(-0)).toBe(0x8000);
  });

  it("rounds midpoints to the even neighbour and anything off the midpoint to the nearest, subnormals included", () => {
    let ties = 0;
    for (let h = 0; h < 0x7bff; h++) {
      const lo = halfToFloat(h);
      const hi = halfToFloat(h + 1);
      const mid = (lo + hi) / 2; // exact in float64
      const even = h % 2 === 0 ? h : h + 1;
      for (const sign of [1, -1]) {
        const s = sign < 0 ? 0x8000 : 0;
        expect(float64ToHalfBits(sign * mid)).toBe(s | even);
        // Just off the midpoint (in float64, never in float32: no double rounding through float32).
        const ulp = (hi - lo) * 2 ** -30;
        expect(float64ToHalfBits(sign * (mid - ulp))).toBe(s | h);
        expect(float64ToHalfBits(sign * (mid + ulp))).toBe(s | (h + 1));
      }
      ties++;
    }
    expect(ties).toBe(0x7bff);
    // Overflow: 65504 is the largest half; from the midpoint 65520 up, Infinity.
    expect(float64ToHalfBits(65519.99)).toBe(0x7bff);
    expect(float64ToHalfBits(65520)).toBe(0x7c00);
    expect(float64ToHalfBits(-1e9)).toBe(0xfc00);
    // Below half the smallest subnormal (2^−25, a tie with 0 → 0); just above it → the smallest subnormal.
    expect(float64ToHalfBits(2 ** -25)).toBe(0);
    expect(float64ToHalfBits(2 ** -25 * (1 + 2 ** -20))).toBe(1);
    expect(float64ToHalfBits(1e-10)).toBe(0);
  });
});
