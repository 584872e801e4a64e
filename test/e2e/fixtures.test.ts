/**
 * The exact core on the real trained fixtures, on all their test images, for both neuron models: the SNN agrees with
 * onnxruntime's argmax on every image and reproduces the logits of our float64 executor to 1e-9 (relative).
 */
import { describe, expect, it } from "vitest";
import { compileGraph, loadSamples } from "../../src/compile.js";
import { readNpy } from "../../src/io/npy.js";
import { importOnnx } from "../../src/onnx/import.js";
import { runOnnxRuntime } from "../../src/reference/onnxruntime.js";
import { argmaxRows, compareLogits } from "../../src/verify/compare.js";
import { verifyCompiled } from "../../src/verify/verify.js";

const FIX = "test/fixtures";
const cases = [
  { name: "lenet5_fmnist", model: `${FIX}/lenet5_fmnist.onnx`, calib: `${FIX}/fmnist_calib_x.npy`, x: `${FIX}/fmnist_test_x.npy`, y: `${FIX}/fmnist_test_y.npy` },
  { name: "mlp_digits", model: `${FIX}/mlp_digits.onnx`, calib: `${FIX}/digits_calib_x.npy`, x: `${FIX}/digits_test_x.npy`, y: `${FIX}/digits_test_y.npy` },
];

describe.each(cases)("$name", (c) => {
  const ann = importOnnx(c.model);
  const shape = ann.nodes[0]!.shape;
  const calib = loadSamples(c.calib, shape);
  const test = loadSamples(c.x, shape);
  const labels = readNpy(c.y).data;
  const ortPromise = runOnnxRuntime(c.model, test.array.data, test.count, shape);

  it.each(["alpha", "b1"] as const)("%s: every argmax agrees with onnxruntime, logits exact to the float64 ANN", async (model) => {
    const compiled = compileGraph(ann, calib.array, calib.count, c.calib, { model });
    const n = test.count;
    const r = verifyCompiled(compiled, test.array.data, n, labels);
    const ort = (await ortPromise).output;
    // SNN vs onnxruntime (the independent reference): same class on every test image.
    const snnVsOrt = compareLogits(ort, r.snnLogits, n);
    expect(snnVsOrt.agreeing).toBe(n);
    expect(snnVsOrt.maxAbsDelta).toBeLessThanOrEqual(1e-5 * snnVsOrt.maxAbsReference);
    // SNN vs our float64 executor: exact to rounding.
    expect(r.snnVsAnn.agreeing).toBe(n);
    expect(r.snnVsAnn.maxAbsDelta).toBeLessThanOrEqual(1e-9 * r.snnVsAnn.maxAbsReference);
    expect(r.matches).toBe(true);
    // Same accuracy as the ANN, image for image.
    expect(r.snnAccuracy).toBe(r.annAccuracy);
    expect(Array.from(argmaxRows(r.snnLogits, n))).toEqual(Array.from(argmaxRows(ort, n)));
    // Spike times: t = t_max − x for every neuron, to float64 rounding.
    for (const layer of r.layers) expect(layer.maxTimeError).toBeLessThan(1e-9);
    for (const layer of r.layers) expect(layer.early).toBe(0);
    if (model === "alpha") expect(r.spikesPerNeuron).toBe(1);
    else {
      expect(r.spikesPerNeuron).toBeLessThan(1);
      expect(r.spikesPerNeuron).toBeGreaterThan(0);
    }
    console.log(`${c.name} ${model}: accuracy ${(100 * r.snnAccuracy!).toFixed(2)} %, spikes/neuron ${r.spikesPerNeuron.toFixed(4)}, ` +
      `max |Δlogit| ${r.snnVsAnn.maxAbsDelta.toExponential(2)} (vs ANN), ${snnVsOrt.maxAbsDelta.toExponential(2)} (vs onnxruntime), latency ${r.latency.toFixed(3)}`);
  });
});
