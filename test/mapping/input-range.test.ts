/**
 * The default input range (src/compile.ts inputRangeFor): images in [0, 1] or [0, 255], else the calibration data's
 * [min, max], widened down to 0 only when 0 is near the data. Data far from 0 (a sensor reading around 1e7 that the
 * model's own Sub/Div normalizes) read as [0, max] squeezed every input into the window's last millionth: the folded
 * first layer then cancelled large terms and the α logits missed exactness (1e-8 relative, found by a random-model
 * audit); with [min, max] they are exact again.
 */
import { describe, expect, it } from "vitest";
import { compileGraph, inputRangeFor } from "../../src/compile.js";
import { InputError } from "../../src/util/errors.js";
import type { NpyArray } from "../../src/io/npy.js";
import { importOnnxBytes } from "../../src/onnx/index.js";
import { verifyCompiled } from "../../src/verify/verify.js";
import { OnnxBuilder } from "../helpers/onnx-builder.js";
import { rng } from "../helpers/rng.js";

const samples = (values: number[], shape = [values.length]): NpyArray => ({ dtype: "<f8", shape, data: Float64Array.from(values), fortranOrder: false }) as NpyArray;

describe("inputRangeFor", () => {
  it.each([
    [[0, 0.5, 1], 0, 1],
    [[0.2, 0.7], 0, 1],
    [[3, 200], 0, 255],
    // Not whole numbers: not 8-bit pixels (audit: [0, 1] data with one 1.2 read as [0, 255] broke the chip's ticks).
    [[0.5, 1.2], 0, 1.2],
    [[0.01, 3.95], 0, 3.95],
    [[3.5, 200], 0, 200],
    [[-2, 5], -2, 5],
    [[10, 300], 0, 300], // 0 within the span below the data: kept in range
    [[1e7, 1e7 + 16], 1e7, 1e7 + 16], // far from 0: not widened
    [[0.9, 0.95], 0.9, 0.95],
    [[-1e7 - 16, -1e7], -1e7 - 16, -1e7],
    [[4, 4], 4, 5], // constant data: its value and one unit above
    [[1e6, 1e6], 1e6, 1e6 + 1],
  ])("%j → [%d, %d]", (values, low, high) => {
    const r = inputRangeFor(samples(values));
    expect([r.low, r.high]).toEqual([low, high]);
  });
});

describe("calibration data without spread", () => {
  const b = new OnnxBuilder({ seed: 2 });
  const x = b.input("x", [4]);
  b.output(b.gemm(b.relu(b.gemm(x, { b: b.randn([5, 4]), c: b.randn([5], 0.1), transB: 1 })), { b: b.randn([3, 5]), c: b.randn([3], 0.1), transB: 1 }));
  const ann = importOnnxBytes(b.toBytes(), "tiny.onnx");
  it.each([0, 0.5])("every value %d: refused, naming the file and the value (was: accepted, 15 %% agreement on real inputs)", (v) => {
    const calib = samples(Array.from({ length: 40 }, () => v), [10, 4]);
    expect(() => compileGraph(ann, calib, 10, "calib.npy")).toThrow(InputError);
    expect(() => compileGraph(ann, calib, 10, "calib.npy")).toThrow(new RegExp(`calib\\.npy: every calibration value is ${v} \\(40 values\\)`));
  });
  it("one differing value is spread enough", () => {
    const calib = samples([...Array.from({ length: 39 }, () => 0.5), 0.25], [10, 4]);
    expect(compileGraph(ann, calib, 10, "calib.npy").report.calibration.inputRange).toEqual({ low: 0, high: 1 });
  });
  it("the range rule of constant data says so (library callers of inputRangeFor)", () => {
    expect(inputRangeFor(samples([0.5, 0.5])).rule).toMatch(/one value, 0.5, and one unit above \(the data has no spread\)/);
  });
});

describe("a model normalizing a large offset itself (Sub, Div, padded convs), calibration data around 1e7", () => {
  const off = 1e7;
  const sc = 8;
  const b = new OnnxBuilder({ seed: 7 });
  let x = b.input("x", [3, 8, 8]);
  x = b.div(b.sub(x, { dims: [], data: [off + sc] }), { dims: [], data: [sc] });
  x = b.relu(b.conv(x, { weight: b.randn([6, 3, 3, 3]), bias: b.randn([6], 0.1), pads: [1, 1, 1, 1] }));
  x = b.relu(b.conv(x, { weight: b.randn([6, 6, 3, 3]), bias: b.randn([6], 0.1), pads: [1, 1, 1, 1] }));
  b.output(b.gemm(b.flatten(x), { b: b.randn([4, 384]), c: b.randn([4], 0.1), transB: 1 }));
  const ann = importOnnxBytes(b.toBytes(), "offset.onnx");
  const n = 200;
  const r = rng(3);
  const calib = samples(
    Array.from({ length: n * 192 }, () => Math.fround(off + 2 * sc * r())),
    [n, 3, 8, 8],
  );

  it.each(["alpha", "b1"] as const)("%s: every argmax agrees, max |Δlogit| ≤ 1e-12 × max |logit|", (model) => {
    const compiled = compileGraph(ann, calib, n, "calib", { model });
    expect(compiled.report.calibration.inputRange).toMatchObject({ low: calib.data.reduce((a, v) => Math.min(a, v), Infinity) });
    const res = verifyCompiled(compiled, calib.data.subarray(0, 64 * 192), 64);
    const ratio = res.snnVsAnn.maxAbsDelta / res.snnVsAnn.maxAbsReference;
    console.log(`offset 1e7 / 8, ${model}: max |Δlogit| ${ratio.toExponential(2)} × max |logit| (was 1.3e-8 for alpha with the range widened to 0)`);
    expect(res.snnVsAnn.agreeing).toBe(64);
    expect(ratio).toBeLessThanOrEqual(1e-12);
    expect(res.matches).toBe(true);
  });
});
