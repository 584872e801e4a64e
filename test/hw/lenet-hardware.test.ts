/**
 * Headline: lenet5_fmnist lowered to Loihi 2 and Loihi 1 at the tick budget the compiler picks on the calibration
 * data; the bit-accurate cycle simulation agrees with the ANN on ≥ 99 % of the 1000 fixture test images. Also: with
 * enough ticks, cycle and exact simulations agree on every mlp_digits test image.
 */
import { describe, expect, it } from "vitest";
import { compileGraph, loadSamples } from "../../src/compile.js";
import { execute } from "../../src/ann/execute.js";
import { readNpy } from "../../src/io/npy.js";
import { importOnnx } from "../../src/onnx/import.js";
import { evaluateCycle } from "../../src/hw/evaluate.js";
import { lowerToHw } from "../../src/hw/lower.js";
import { activationMeans } from "../../src/hw/calibration.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { hwIssues } from "../../src/hw/verify.js";
import { simulateExact } from "../../src/sim/exact/simulate.js";
import { accuracy, argmaxRows } from "../../src/verify/compare.js";

const FIX = "test/fixtures";

describe("lenet5_fmnist on chips", () => {
  const ann = importOnnx(`${FIX}/lenet5_fmnist.onnx`);
  const shape = ann.nodes[0]!.shape;
  const calib = loadSamples(`${FIX}/fmnist_calib_x.npy`, shape);
  const test = loadSamples(`${FIX}/fmnist_test_x.npy`, shape);
  const labels = readNpy(`${FIX}/fmnist_test_y.npy`).data;
  const annLogits = execute(ann, test.array.data, test.count).get(ann.output)!;

  it.each(["loihi2", "loihi1"])("%s: at least 99 percent cycle agreement with the ANN on 1000 test images at the chosen ticks", (id) => {
    const compiled = compileGraph(ann, calib.array, calib.count, "calib", { target: id });
    const hw = compiled.hw!;
    expect(hwIssues(hw.net, hw.target)).toEqual([]);
    const ev = evaluateCycle(compiled.net, hw.net, hw.target, test.array.data, test.count, { reference: annLogits });
    const h = compiled.report.hardware!;
    console.log(
      `lenet5_fmnist ${id}: ${h.ticksPerWindow} ticks per window (curve ${h.curve.map((p) => `${p.ticks}:${(100 * p.agreement).toFixed(1)}%${p.stopped ? "(stopped)" : ""}`).join(" ")}), ` +
        `latency ${h.latencyTicks} ticks, test agreement ${(100 * ev.agreement!).toFixed(2)} %, accuracy ANN ${(100 * accuracy(annLogits, labels, test.count)).toFixed(2)} % ` +
        `cycle ${(100 * accuracy(ev.logits, labels, test.count)).toFixed(2)} %, spikes/neuron ${ev.spikesPerNeuron}, ${(ev.ms / test.count).toFixed(1)} ms/sample`,
    );
    expect(h.reached).toBe(true);
    expect(ev.samples).toBe(1000);
    expect(ev.agreement!).toBeGreaterThanOrEqual(0.99);
    expect(ev.overflow).toEqual({ q: 0, u: 0, vmax: 0, vmin: 0 });
    // One spike per neuron, but for the rare neuron firing before t1 (activation above the calibrated window) whose
    // latch the late inputs can undo.
    expect(ev.spikesPerNeuron).toBeGreaterThanOrEqual(1);
    expect(ev.spikesPerNeuron).toBeLessThan(1 + 1e-5);
    expect(h.latencyTicks).toBe(5 * h.ticksPerWindow + 2); // 5 windows, plus one tick per max-pool gate
  }, 400_000);
});

describe("enough ticks: cycle = exact", () => {
  it("mlp_digits at 1024 ticks per window: the same class as the exact simulation on every test image but near-ties", () => {
    const ann = importOnnx(`${FIX}/mlp_digits.onnx`);
    const shape = ann.nodes[0]!.shape;
    const calib = loadSamples(`${FIX}/digits_calib_x.npy`, shape);
    const test = loadSamples(`${FIX}/digits_test_x.npy`, shape);
    const compiled = compileGraph(ann, calib.array, calib.count, "calib");
    const target = loadTarget("loihi2");
    const means = activationMeans(compiled.net, calib.array.data.subarray(0, 500 * 64), 500);
    const { hw } = lowerToHw(compiled.net, target, 1024, { activationMeans: means });
    const exact = simulateExact(compiled.net, test.array.data, test.count).logits;
    const ev = evaluateCycle(compiled.net, hw, target, test.array.data, test.count, { reference: exact });
    let maxDelta = 0;
    for (let i = 0; i < exact.length; i++) maxDelta = Math.max(maxDelta, Math.abs(exact[i]! - ev.logits[i]!));
    // The images whose class differs are near-ties of the exact logits: their top-2 gap is below the max |Δlogit|
    // that 8-bit weights leave (the time quantization is negligible at 1024 ticks).
    const a = argmaxRows(ev.logits, test.count);
    const b = argmaxRows(exact, test.count);
    const gaps: number[] = [];
    for (let s = 0; s < test.count; s++) {
      if (a[s] === b[s]) continue;
      const row = Array.from(exact.subarray(s * 10, s * 10 + 10)).sort((p, q) => q - p);
      gaps.push(row[0]! - row[1]!);
    }
    console.log(`mlp_digits 1024 ticks: ${test.count} images, agreement ${ev.agreement}, max |Δlogit| ${maxDelta.toFixed(4)}, top-2 gaps of the differing images ${gaps.map((g) => g.toExponential(2))}`);
    expect(maxDelta).toBeLessThan(0.1);
    expect(gaps.length).toBeLessThanOrEqual(2);
    for (const g of gaps) expect(g).toBeLessThan(2 * maxDelta);
  }, 200_000);
});
