/**
 * Our float64 ANN against onnxruntime: agreement up to the model's own precision, else verify exits 1 (audit
 * 2026-11-27: a training-mode BatchNormalization, read as inference mode, gave "the SNN matches the ANN" and exit 0
 * next to "ANN vs onnxruntime: agreement 71 %"). The rule on synthetic logits, and verify's exit on the fixture.
 */
import { describe, expect, it } from "vitest";
import { compareLogits, withinPrecision } from "../../src/verify/compare.js";
import { runCli } from "../helpers/cli.js";

describe("ANN vs onnxruntime within the model's precision", () => {
  const reference = Float64Array.of(10, -2, 3, 0.5, 7, -1);
  const shifted = (eps: number) => reference.map((x, i) => x + (i === 4 ? eps * 10 : 0));

  it("float32: up to 1e-4 × max |logit| agrees, beyond does not; float64 and float16 have their own", () => {
    expect(withinPrecision(compareLogits(reference, shifted(0.9e-4), 2), "float32")).toEqual({ tolerance: 1e-4, agrees: true });
    expect(withinPrecision(compareLogits(reference, shifted(1.1e-4), 2), "float32").agrees).toBe(false);
    expect(withinPrecision(compareLogits(reference, shifted(1e-6), 2), "float64").agrees).toBe(false);
    expect(withinPrecision(compareLogits(reference, shifted(5e-3), 2), "float16").agrees).toBe(true);
    // A wrong class is far beyond any precision.
    expect(withinPrecision(compareLogits(reference, reference.map((x) => -x), 2), "float32").agrees).toBe(false);
  });

  it("verify on lenet5_fmnist: within float32 precision, reported in the JSON, exit 0", async () => {
    const F = "test/fixtures";
    const r = await runCli(["verify", `${F}/lenet5_fmnist.onnx`, "--calib", `${F}/fmnist_calib_x.npy`, "--input", `${F}/fmnist_test_x.npy`, "--limit", "50", "--json"]);
    const doc = JSON.parse(r.stdout);
    expect(doc.annVsOnnxruntime.tolerance).toBe(1e-4);
    expect(doc.annVsOnnxruntime.agrees).toBe(true);
    expect(doc.annVsOnnxruntime.maxAbsDelta).toBeLessThanOrEqual(1e-5 * doc.annVsOnnxruntime.maxAbsReference);
    expect(r.code).toBe(0);
  });
});
