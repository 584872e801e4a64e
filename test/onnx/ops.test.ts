/**
 * Generated models covering every supported op and attribute variant agree with onnxruntime:
 * max |executor − onnxruntime| ≤ 1e-5 · max |onnxruntime output|.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OnnxBuilder } from "../helpers/onnx-builder.js";
import { compareWithOrt } from "../helpers/onnx-agree.js";
import { canonicalize } from "../../src/ann/canonicalize.js";

const TOL = 1e-5;

async function expectAgree(b: OnnxBuilder, batch = 3) {
  const c = await compareWithOrt(b, { batch });
  expect(c.maxAbs).toBeGreaterThan(0);
  expect(c.relative).toBeLessThanOrEqual(TOL);
  return c;
}

/** conv → relu → flatten → gemm: a small classifier around the op under test. */
function head(b: OnnxBuilder, x: string, features: number) {
  const y = b.gemm(b.flatten(x), { b: b.randn([10, features]), c: b.randn([10]), transB: 1 });
  b.output(y);
}

describe.each([11, 13, 21])("opset %i", (opset) => {
  it("Conv variants: strides, pads, dilations, groups, depthwise, no bias, auto_pad", async () => {
    const b = new OnnxBuilder({ opset });
    const x = b.input("x", [4, 9, 9]);
    const c1 = b.relu(b.conv(x, { weight: b.randn([8, 4, 3, 3]), bias: b.randn([8]), strides: [2, 1], pads: [1, 0, 2, 1], dilations: [1, 2] }));
    const c2 = b.conv(c1, { weight: b.randn([8, 2, 3, 3]), group: 4, autoPad: "SAME_UPPER" });
    const c3 = b.conv(c2, { weight: b.randn([8, 1, 2, 2]), bias: b.randn([8]), group: 8, autoPad: "SAME_LOWER", strides: [2, 2] });
    const c4 = b.conv(c3, { weight: b.randn([6, 8, 1, 1]), autoPad: "VALID", kernelShape: [1, 1] });
    b.output(c4);
    const c = await expectAgree(b);
    expect(c.graph.nodes.filter((n) => n.kind === "conv")).toHaveLength(4);
  });

  it("Gemm transB/alpha/beta/C broadcast, MatMul + Add bias fusion, BatchNorm, Dropout, Identity, Softmax", async () => {
    const b = new OnnxBuilder({ opset });
    const x = b.input("x", [12]);
    let y = b.gemm(x, { b: b.randn([12, 16]), c: b.randn([1, 16]), alpha: 0.7, beta: -1.3 });
    y = b.relu(b.identity(y));
    y = b.gemm(y, { b: b.randn([10, 16]), c: { dims: [], data: [0.25] }, transB: 1 });
    y = b.batchNorm(y, { scale: b.randn([10]), bias: b.randn([10]), mean: b.randn([10]), variance: { dims: [10], data: b.randn([10]).data.map(Math.abs) as unknown as number[] }, epsilon: 1e-3 });
    y = b.dropout(b.relu(y))[0];
    y = b.add(b.matmul(y, b.randn([10, 7])), b.randn([7]));
    y = b.softmax(y);
    b.output(y);
    const c = await expectAgree(b);
    expect(c.graph.nodes.map((n) => n.kind)).toEqual(["input", "dense", "relu", "dense", "affine", "relu", "dense", "softmax"]);
    // One note, from the pass that drops it (the importer once added a second, overlapping one).
    expect(canonicalize(c.graph).graph.notes.filter((n) => /Softmax/.test(n))).toEqual([expect.stringMatching(/^final Softmax .*\(Softmax\) ignored: the readout gives its input, the logits/)]);
  });

  it("MaxPool and AveragePool: pads, strides, ceil_mode, count_include_pad, auto_pad; GlobalAveragePool", async () => {
    const b = new OnnxBuilder({ opset });
    const x = b.input("x", [3, 11, 10]);
    const p1 = b.maxPool(x, { kernel: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], ceilMode: true });
    const p2 = b.averagePool(p1, { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], countIncludePad: true, ceilMode: true });
    const p3 = b.averagePool(x, { kernel: [2, 3], strides: [3, 2], pads: [1, 1, 0, 1], countIncludePad: false });
    const p4 = b.maxPool(p3, { kernel: [2, 2], autoPad: "SAME_UPPER", strides: [2, 2] });
    const p5 = b.averagePool(p4, { kernel: [2, 2], autoPad: "SAME_LOWER", strides: [1, 1] });
    const g1 = b.globalAveragePool(p2);
    const g2 = b.globalAveragePool(p5);
    b.output(b.concat([g1, g2], 1));
    await expectAgree(b);
  });

  it("affine with constants: scalar / per-channel [C,1,1] and [1,C,1,1] / full shape; Sub both sides, Div; Add/Sub of activations; Concat", async () => {
    const b = new OnnxBuilder({ opset });
    const x = b.input("x", [3, 5, 5]);
    let y = b.sub(x, { dims: [1, 3, 1, 1], data: [0.1, 0.2, 0.3] });
    y = b.div(y, { dims: [3, 1, 1], data: [0.5, 2, -4] });
    y = b.mul(y, { dims: [], data: [1.5] });
    y = b.add(y, b.randn([3, 5, 5]));
    y = b.sub({ dims: [1], data: [0.75] }, y);
    y = b.mul(b.randn([1, 1, 5]), y);
    const a = b.relu(b.conv(y, { weight: b.randn([4, 3, 3, 3]), pads: [1, 1, 1, 1] }));
    const c = b.relu(b.conv(y, { weight: b.randn([4, 3, 1, 1]) }));
    const s = b.add(a, c);
    const d = b.sub(a, c);
    head(b, b.concat([s, d, y], 1), 11 * 25);
    const r = await expectAgree(b);
    const affines = r.graph.nodes.filter((n) => n.kind === "affine").map((n) => (n.kind === "affine" ? n.per : ""));
    expect(affines).toEqual(["channel", "channel", "scalar", "element", "scalar", "element", "scalar"]);
  });

  it("Flatten axes, Reshape (0, -1, explicit), Squeeze, Unsqueeze of constants, Constant nodes", async () => {
    const b = new OnnxBuilder({ opset });
    const x = b.input("x", [1, 4, 4]);
    let y = b.flatten(x, 2); // [N,1,4,4] at axis 2 → [N, 16]
    y = b.reshape(y, [0, -1]);
    y = b.gemm(y, { b: b.randn([16, 8]) });
    const w = b.constant({ dims: [8, 6], data: b.randn([8, 6]).data });
    y = b.matmul(b.relu(y), w);
    y = b.add(y, b.constant({ dims: [6], data: [1, 2, 3, 4, 5, 6] }, "value_floats"));
    y = b.mul(y, b.constant({ dims: [], data: [2] }, "value_float"));
    const conv = b.conv(b.reshape(x, [-1, 1, 4, 4]), { weight: b.randn([2, 1, 4, 4]) }); // → [N,2,1,1]
    const sq = b.squeeze(conv, [2, 3]);
    const bias = b.unsqueeze({ dims: [2], data: [0.5, -0.5] }, [0]);
    y = b.concat([y, b.add(sq, bias)], 1);
    b.output(b.reshape(y, [-1, 8]));
    await expectAgree(b);
  });
});

describe("initializer encodings", () => {
  it("float64 model (typed double_data and raw) agrees with onnxruntime in double", async () => {
    const b = new OnnxBuilder({ opset: 13, ioType: "float64" });
    const x = b.input("x", [6]);
    const w = { ...b.randn([6, 5]), dtype: "float64" as const, storage: "typed" as const };
    const y = b.relu(b.gemm(x, { b: w, c: { dims: [5], data: [0.1, 0.2, 0.3, 0.4, 0.5], dtype: "float64" } }));
    b.output(b.matmul(y, { ...b.randn([5, 3]), dtype: "float64" }));
    await expectAgree(b);
  });

  it("float16 and typed float32/int64 initializers decode to the same graph as their float32 values", async () => {
    const { importOnnxBytes } = await import("../../src/onnx/index.js");
    const { floatToHalf } = await import("../helpers/onnx-builder.js");
    const { halfToFloat } = await import("../../src/io/npy.js");
    const w = new OnnxBuilder().randn([4, 2, 3, 3]);
    const rounded = Array.from(w.data, (v) => halfToFloat(floatToHalf(v)));
    const build = (weight: { dims: number[]; data: ArrayLike<number>; dtype?: "float16" | "float32"; storage?: "raw" | "typed" }) => {
      const b = new OnnxBuilder({ opset: 13 });
      const x = b.input("x", [2, 5, 5]);
      b.output(b.reshape(b.conv(x, { weight }), [0, -1]));
      return importOnnxBytes(b.toBytes(), "m.onnx");
    };
    const conv = (g: ReturnType<typeof build>) => g.nodes.find((n) => n.kind === "conv")!;
    const reference = conv(build({ dims: w.dims, data: rounded }));
    for (const v of [build({ ...w, dtype: "float16" }), build({ ...w, dtype: "float16", storage: "typed" }), build({ dims: w.dims, data: rounded, storage: "typed" })]) {
      const c = conv(v);
      expect(c.kind === "conv" && reference.kind === "conv" && Array.from(c.weight)).toEqual(reference.kind === "conv" && Array.from(reference.weight));
    }
    expect(rounded.some((v, i) => v !== w.data[i])).toBe(true); // the float16 rounding did happen
  });

  it("external data (location/offset/length, several tensors in one file) agrees with onnxruntime", async () => {
    const b = new OnnxBuilder({ opset: 13 });
    const x = b.input("x", [2, 6, 6]);
    const w1 = b.externalInit(b.randn([4, 2, 3, 3]), "weights.bin", "w1");
    const w2 = b.externalInit(b.randn([4]), "weights.bin", "b1", { withLength: false, offset: 4096 });
    const y = b.relu(b.node("Conv", [x, w1, w2], { pads: [1, 1, 1, 1] })[0]);
    head(b, y, 4 * 36);
    const c = await expectAgree(b);
    expect(c.graph.nodes.some((n) => n.kind === "conv")).toBe(true);
  });
});

describe("random geometry (fast-check)", () => {
  it("random conv/pool attributes agree with onnxruntime", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          k: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
          s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
          d: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
          p: fc.tuple(fc.nat(1), fc.nat(1), fc.nat(1), fc.nat(1)),
          group: fc.constantFrom(1, 2),
          pk: fc.tuple(fc.integer({ min: 2, max: 3 }), fc.integer({ min: 1, max: 3 })),
          ceil: fc.boolean(),
          include: fc.boolean(),
          avg: fc.boolean(),
          opset: fc.constantFrom(11, 13, 21),
        }),
        async (r) => {
          // Only valid models: the pooling window must fit the conv's output (plus its padding).
          const out = (n: number, i: 0 | 1) => Math.floor((n + r.p[i]! + r.p[i + 2]! - r.d[i]! * (r.k[i]! - 1) - 1) / r.s[i]!) + 1;
          const pads = [0, 1, 0, 1].map((v, i) => Math.min(v, r.pk[i % 2]! - 1));
          fc.pre(out(10, 0) >= 1 && out(11, 1) >= 1 && out(10, 0) + 2 * pads[0]! >= r.pk[0]! && out(11, 1) + 2 * pads[1]! >= r.pk[1]!);
          const b = new OnnxBuilder({ opset: r.opset, seed: r.k[0] * 7 + r.s[1] });
          const x = b.input("x", [2, 10, 11]);
          const y = b.conv(x, { weight: b.randn([4, 2 / r.group, ...r.k]), bias: b.randn([4]), group: r.group, strides: r.s, dilations: r.d, pads: r.p });
          const common = { kernel: r.pk, strides: [2, 1], pads, ceilMode: r.ceil };
          const z = r.avg ? b.averagePool(b.relu(y), { ...common, countIncludePad: r.include }) : b.maxPool(y, common);
          b.output(z);
          const c = await compareWithOrt(b, { batch: 2 });
          expect(c.relative).toBeLessThanOrEqual(TOL);
        },
      ),
      { numRuns: 40, seed: 20261127 },
    );
  });
});
