/**
 * verify on models that end in a Softmax: the compile drops it (the readout gives logits), so the ANN side and
 * onnxruntime must be read at the Softmax's input too — logits against logits, exact to float64 rounding (ANN) and
 * to float32 rounding (onnxruntime). Before the fix, verify compared the SNN's logits with softmax probabilities
 * (max |Δlogit| ≈ 1.07 × max |logit|, exit 1).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, loadSamples } from "../../src/compile.js";
import { runOnnxRuntime } from "../../src/reference/onnxruntime.js";
import { verifyCompiled } from "../../src/verify/verify.js";
import { runCli } from "../helpers/cli.js";
import { scratchDir } from "../helpers/scratch.js";
import { CLASSES, FEATURES, writeInputs, writeModel, type MlpOptions } from "./models.js";

interface VerifyDoc {
  snnVsAnn: { samples: number; agreeing: number; agreement: number; maxAbsDelta: number; maxAbsReference: number };
  annVsOnnxruntime: { agreement: number; maxAbsDelta: number; maxAbsReference: number } | null;
  matches: boolean;
  compared: string;
}

const dir = scratchDir("spikec-softmax-");
const x = writeInputs(dir, 200);

const CASES: [string, MlpOptions][] = [
  ["Gemm → Relu → Gemm → Softmax (opset 13)", { tail: ["Softmax"] }],
  ["… → Identity → Dropout → Softmax (opset 11, axis 1)", { opset: 11, tail: ["Identity", "Dropout", "Softmax"] }],
  ["… → Softmax → Identity (opset 13)", { tail: ["Softmax", "Identity"] }],
  ["… → Softmax → Flatten → Dropout (opset 13)", { tail: ["Softmax", "Flatten", "Dropout"] }],
  ["… → Softmax with external weights (onnxruntime loads the rewritten model from bytes)", { tail: ["Softmax"], external: "weights.bin" }],
];

describe("verify on a model ending in a Softmax", () => {
  CASES.forEach(([name, options], k) => {
    it(`${name}: exit 0, agreement 100 %, |Δlogit| ≤ 1e-9 × max |logit| vs the ANN and ≤ 1e-5 × vs onnxruntime`, async () => {
      const sub = join(dir, `m${k}`);
      mkdirSync(sub);
      const model = writeModel(sub, "model.onnx", options);
      const r = await runCli(["verify", model, "--calib", x, "--input", x, "--json"]);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as VerifyDoc;
      const a = doc.snnVsAnn;
      expect(a.samples).toBe(200);
      expect(a.agreeing).toBe(200);
      expect(doc.matches).toBe(true);
      expect(a.maxAbsDelta).toBeLessThanOrEqual(1e-9 * a.maxAbsReference);
      // Logits, not probabilities (which are ≤ 1): the largest |logit| of this model is about 2.
      expect(a.maxAbsReference).toBeGreaterThan(1);
      const o = doc.annVsOnnxruntime!;
      expect(o.agreement).toBe(1);
      expect(o.maxAbsDelta).toBeLessThanOrEqual(1e-5 * o.maxAbsReference);
      expect(Math.abs(o.maxAbsReference - a.maxAbsReference)).toBeLessThanOrEqual(1e-5 * a.maxAbsReference);
      expect(doc.compared).toMatch(/^logits: the input of the final Softmax /);
      console.log(`softmax verify ${name}: SNN vs ANN ${a.maxAbsDelta / a.maxAbsReference} × max |logit|, ANN vs onnxruntime ${o.maxAbsDelta / o.maxAbsReference} × max |logit|`);
    });
  });

  it("the logits read are the Softmax's input: softmax(ANN logits) = the model's own output in onnxruntime (≤ 1e-6)", async () => {
    const model = writeModel(dir, "plain-softmax.onnx", { tail: ["Softmax"] });
    const compiled = compile(model, x);
    const { array, count } = loadSamples(x, [FEATURES]);
    const r = verifyCompiled(compiled, array.data, count);
    expect(r.compared).toMatch(/Softmax/);
    // Negative logits exist: these are not probabilities.
    expect(Math.min(...r.annLogits)).toBeLessThan(-0.1);
    const probs = await runOnnxRuntime(model, array.data, count, [FEATURES], { output: "model" });
    const logits = await runOnnxRuntime(model, array.data, count, [FEATURES]);
    expect(probs.read).toMatch(/^the model output /);
    expect(logits.read).toMatch(/the input of the final Softmax/);
    expect(logits.outputSize).toBe(CLASSES);
    let maxProbErr = 0;
    let maxLogitErr = 0;
    let maxRowSum = 0;
    for (let s = 0; s < count; s++) {
      const row = r.annLogits.subarray(s * CLASSES, (s + 1) * CLASSES);
      const m = Math.max(...row);
      const e = Array.from(row, (v) => Math.exp(v - m));
      const z = e.reduce((p, q) => p + q, 0);
      let sum = 0;
      for (let c = 0; c < CLASSES; c++) {
        maxProbErr = Math.max(maxProbErr, Math.abs(e[c]! / z - probs.output[s * CLASSES + c]!));
        maxLogitErr = Math.max(maxLogitErr, Math.abs(row[c]! - logits.output[s * CLASSES + c]!));
        sum += probs.output[s * CLASSES + c]!;
      }
      maxRowSum = Math.max(maxRowSum, Math.abs(sum - 1));
    }
    expect(maxRowSum).toBeLessThan(1e-6);
    expect(maxProbErr).toBeLessThan(1e-6);
    expect(maxLogitErr).toBeLessThan(1e-5 * Math.max(...r.annLogits.map(Math.abs)));
  });
});
