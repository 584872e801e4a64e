/**
 * Property: on random ONNX networks mixing every supported op — strided/dilated/grouped convs, BN before and after ReLU
 * (negative scales included), max and average pooling, residual blocks, channel concatenation, input normalization —
 * the compiled SNN agrees with the ANN on every input whenever the calibration set covers the inputs (here: the inputs
 * are the calibration set), for both neuron models.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGraph } from "../../src/compile.js";
import { importOnnxBytes } from "../../src/onnx/import.js";
import { runOnnxRuntime } from "../../src/reference/onnxruntime.js";
import { compareLogits } from "../../src/verify/compare.js";
import { verifyCompiled } from "../../src/verify/verify.js";
import { OnnxBuilder, type Tensor } from "../helpers/onnx-builder.js";

type Block = "conv" | "convStride" | "dilated" | "depthwise" | "bnAfterRelu" | "bnNegBeforePool" | "maxpool" | "avgpool" | "residual" | "concat";
const BLOCKS: Block[] = ["conv", "convStride", "dilated", "depthwise", "bnAfterRelu", "bnNegBeforePool", "maxpool", "avgpool", "residual", "concat"];

interface Spec {
  seed: number;
  channels: number;
  size: number;
  normalize: boolean;
  blocks: Block[];
  head: "gap" | "flatten";
  classes: number;
}

/** Builds the ONNX model of a spec; tracks [C, H, W] so every block keeps a valid shape. */
function buildModel(spec: Spec): { bytes: Uint8Array; inputShape: number[] } {
  const b = new OnnxBuilder({ opset: 13, seed: spec.seed });
  let c = spec.channels;
  let h = spec.size;
  let x = b.input("x", [c, h, h]);
  const vec = (n: number, scale: number, shift = 0): Tensor => {
    const t = b.randn([n], scale);
    return { dims: [n], data: Array.from(t.data, (v) => v + shift) };
  };
  const bn = (v: string, n: number, negative = false) =>
    b.batchNorm(v, { scale: vec(n, 0.5, negative ? -1 : 1), bias: vec(n, 0.3), mean: vec(n, 0.2), variance: vec(n, 0.2, 1) });
  const conv = (v: string, cin: number, cout: number, k: number, o: { stride?: number; dil?: number; group?: number; pad?: number } = {}) =>
    b.conv(v, {
      weight: b.randn([cout, cin / (o.group ?? 1), k, k], 1.2 / Math.sqrt((cin / (o.group ?? 1)) * k * k)),
      bias: vec(cout, 0.1),
      strides: [o.stride ?? 1, o.stride ?? 1],
      pads: [o.pad ?? 0, o.pad ?? 0, o.pad ?? 0, o.pad ?? 0],
      dilations: [o.dil ?? 1, o.dil ?? 1],
      group: o.group,
    });
  if (spec.normalize) x = b.div(b.sub(x, { dims: [1, c, 1, 1], data: Array.from({ length: c }, (_, i) => 0.4 + 0.05 * i) }), { dims: [], data: [0.25] });
  for (const block of spec.blocks) {
    const out = c + 1 + (spec.seed % 3);
    switch (block) {
      case "conv":
        x = b.relu(bn(conv(x, c, out, 3, { pad: 1 }), out));
        c = out;
        break;
      case "convStride":
        if (h < 3) break;
        x = b.relu(conv(x, c, out, 3, { stride: 2, pad: 1 }));
        h = Math.floor((h + 2 - 3) / 2) + 1;
        c = out;
        break;
      case "dilated":
        if (h < 5) break;
        x = b.relu(conv(x, c, out, 3, { dil: 2, pad: 1 }));
        h = h + 2 - 5 + 1;
        c = out;
        break;
      case "depthwise":
        x = b.relu(conv(x, c, c, 3, { group: c, pad: 1 }));
        break;
      case "bnAfterRelu":
        // conv → relu → BN (folded forward into the next layer, with the zero-padding border correction)
        x = bn(b.relu(conv(x, c, out, 3, { pad: 1 })), out);
        x = b.relu(conv(x, out, out, 3, { pad: 1 }));
        c = out;
        break;
      case "bnNegBeforePool":
        // relu → BN with negative scales → maxpool: the pool becomes a max-min pool
        if (h < 2) break;
        x = bn(b.relu(conv(x, c, out, 1)), out, true);
        x = b.maxPool(x, { kernel: [2, 2], strides: [2, 2] });
        h = Math.floor(h / 2);
        x = b.relu(conv(x, out, out, 1));
        c = out;
        break;
      case "maxpool":
        if (h < 2) break;
        x = b.maxPool(x, { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
        h = Math.floor((h + 2 - 3) / 2) + 1;
        break;
      case "avgpool":
        if (h < 2) break;
        x = b.averagePool(x, { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], countIncludePad: spec.seed % 2 === 0 });
        h = Math.floor((h + 2 - 3) / 2) + 1;
        break;
      case "residual": {
        // y = relu(bn(conv(relu(bn(conv(x))))) + x)
        const y = b.relu(bn(conv(x, c, c, 3, { pad: 1 }), c));
        x = b.relu(b.add(bn(conv(y, c, c, 3, { pad: 1 }), c), x));
        break;
      }
      case "concat": {
        const l = b.relu(conv(x, c, 2, 1));
        const r = b.relu(conv(x, c, 3, 3, { pad: 1 }));
        x = b.concat([l, r], 1);
        c = 5;
        break;
      }
    }
  }
  let flat: string;
  let features: number;
  if (spec.head === "gap") {
    flat = b.flatten(b.globalAveragePool(x));
    features = c;
  } else {
    flat = b.flatten(x);
    features = c * h * h;
  }
  const hidden = b.relu(b.gemm(flat, { b: b.randn([12, features], 1.5 / Math.sqrt(features)), c: vec(12, 0.1), transB: 1 }));
  b.output(b.gemm(hidden, { b: b.randn([spec.classes, 12], 0.5), c: vec(spec.classes, 0.1), transB: 1 }));
  return { bytes: b.toBytes(), inputShape: [spec.channels, spec.size, spec.size] };
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  channels: fc.integer({ min: 1, max: 3 }),
  size: fc.integer({ min: 5, max: 9 }),
  normalize: fc.boolean(),
  blocks: fc.array(fc.constantFrom(...BLOCKS), { minLength: 1, maxLength: 4 }),
  head: fc.constantFrom("gap" as const, "flatten" as const),
  classes: fc.integer({ min: 2, max: 6 }),
});

function randomInputs(n: number, size: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n * size }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  });
}

describe("random networks (fast-check)", () => {
  for (const model of ["alpha", "b1"] as const) {
    it(`${model}: the SNN agrees with the ANN on every calibration input, and the ANN with onnxruntime`, async () => {
      await fc.assert(
        fc.asyncProperty(specArb, async (spec) => {
          const { bytes, inputShape } = buildModel(spec);
          const ann = importOnnxBytes(bytes, `random-${spec.seed}.onnx`);
          const size = inputShape.reduce((a, v) => a * v, 1);
          const n = 24;
          const x = randomInputs(n, size, spec.seed);
          const compiled = compileGraph(ann, { shape: [n, ...inputShape], dtype: "<f8", data: x }, n, "random", { model });
          const r = verifyCompiled(compiled, x, n);
          expect(r.snnVsAnn.agreeing).toBe(n);
          expect(r.snnVsAnn.maxAbsDelta).toBeLessThanOrEqual(1e-9 * Math.max(r.snnVsAnn.maxAbsReference, 1e-12));
          for (const l of r.layers) expect(l.early).toBe(0);
          const ort = await runOnnxRuntime(bytes, x, n, inputShape);
          const vsOrt = compareLogits(ort.output, r.annLogits, n);
          expect(vsOrt.maxAbsDelta).toBeLessThanOrEqual(1e-4 * Math.max(vsOrt.maxAbsReference, 1));
        }),
        { numRuns: 150, seed: model === "alpha" ? 7 : 8 },
      );
    });
  }
});
