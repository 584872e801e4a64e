/**
 * A pre-activation ResNet end to end: its residual stream has no ReLU, so canonicalization materializes parts of it
 * as relu(x) − relu(−x) (split-signed). The compiled SNN must still agree with the ANN on every calibration input,
 * for both neuron models, and the ANN with onnxruntime.
 */
import { describe, expect, it } from "vitest";
import { compileGraph } from "../../src/compile.js";
import { importOnnxBytes } from "../../src/onnx/import.js";
import { runOnnxRuntime } from "../../src/reference/onnxruntime.js";
import { compareLogits } from "../../src/verify/compare.js";
import { verifyCompiled } from "../../src/verify/verify.js";
import { rng } from "../helpers/ann-builder.js";
import { preactResnetOnnx } from "../helpers/preact-resnet-onnx.js";

describe("pre-activation ResNet (one stage of 6 blocks, then a projection stage)", () => {
  const bytes = preactResnetOnnx({ stages: [[4, 1, 6], [6, 2, 2]], size: 8, inChannels: 2, classes: 5, seed: 3 });
  const inputShape = [2, 8, 8];
  const n = 16;
  const r = rng(5);
  const x = Float64Array.from({ length: n * 128 }, () => r() * 2 - 1);
  for (const model of ["alpha", "b1"] as const)
    it(`${model}: the SNN agrees with the ANN on every input, and the ANN with onnxruntime`, async () => {
      const ann = importOnnxBytes(bytes, "preact-resnet.onnx");
      const compiled = compileGraph(ann, { shape: [n, ...inputShape], dtype: "<f8", data: x }, n, "random", { model });
      expect(compiled.canonical.nodes.some((m) => m.id.includes("/+~"))).toBe(true); // the stream was split
      const v = verifyCompiled(compiled, x, n);
      expect(v.snnVsAnn.agreeing).toBe(n);
      expect(v.snnVsAnn.maxAbsDelta).toBeLessThanOrEqual(1e-9 * Math.max(v.snnVsAnn.maxAbsReference, 1e-12));
      for (const l of v.layers) expect(l.early).toBe(0);
      const ort = await runOnnxRuntime(bytes, x, n, inputShape);
      const vsOrt = compareLogits(ort.output, v.annLogits, n);
      expect(vsOrt.maxAbsDelta).toBeLessThanOrEqual(1e-4 * Math.max(vsOrt.maxAbsReference, 1));
    });
});
