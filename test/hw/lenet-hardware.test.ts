/**
 * Headline: lenet5_fmnist lowered to Loihi 2 and Loihi 1 at the tick budget the compiler picks on the calibration
 * data; the bit-accurate cycle simulation agrees with the ANN on ≥ 99 % of the 1000 fixture test images. Also: with
 * enough ticks, cycle and exact simulations agree on every test image of both fixtures.
 */
import { describe, expect, it } from "vitest";
import { compileGraph, loadSamples } from "../../src/compile.js";
import { execute } from "../../src/ann/execute.js";
import { readNpy } from "../../src/io/npy.js";
import { importOnnx } from "../../src/onnx/import.js";
import { evaluateCycle } from "../../src/hw/evaluate.js";
import { hwIssues } from "../../src/hw/verify.js";
import { simulateExact } from "../../src/sim/exact/simulate.js";
import { accuracy } from "../../src/verify/compare.js";

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
    // Exactly one spike per neuron (the firing gate: no neuron fires before its inputs have all arrived, so the latch holds).
    expect(ev.spikesPerNeuron).toBe(1);
    expect(h.latencyTicks).toBe(5 * h.ticksPerWindow + 2); // 5 windows, plus one tick per max-pool gate
  }, 400_000);
});

describe("enough ticks: cycle = exact on every test image", () => {
  // The SNN's own windows (nothing clipped that the exact simulation keeps) and two synapses per weight (~15 bits).
  it.each([
    ["lenet5_fmnist", "lenet5_fmnist.onnx", "fmnist", 512],
    ["mlp_digits", "mlp_digits.onnx", "digits", 1024],
  ] as const)("%s (%s, %s data) at %i ticks per window on loihi2: the class of the exact simulation on every test image", (name, model, data, ticks) => {
    const ann = importOnnx(`${FIX}/${model}`);
    const shape = ann.nodes[0]!.shape;
    const calib = loadSamples(`${FIX}/${data}_calib_x.npy`, shape);
    const test = loadSamples(`${FIX}/${data}_test_x.npy`, shape);
    const compiled = compileGraph(ann, calib.array, calib.count, "calib", { target: "loihi2", ticks, weightTerms: 2, windowMargin: null });
    const { net: hw, target } = compiled.hw!;
    expect(hwIssues(hw, target)).toEqual([]);
    const exact = simulateExact(compiled.net, test.array.data, test.count).logits;
    const ev = evaluateCycle(compiled.net, hw, target, test.array.data, test.count, { reference: exact });
    let maxDelta = 0;
    for (let i = 0; i < exact.length; i++) maxDelta = Math.max(maxDelta, Math.abs(exact[i]! - ev.logits[i]!));
    const classes = exact.length / test.count;
    const gaps: number[] = [];
    for (let s = 0; s < test.count; s++) {
      const row = Array.from(exact.subarray(s * classes, (s + 1) * classes)).sort((p, q) => q - p);
      gaps.push(row[0]! - row[1]!);
    }
    gaps.sort((a, b) => a - b);
    console.log(
      `${name} ${ticks} ticks (2 weight terms, SNN windows): ${ev.samples} images, cycle = exact class on ${ev.samples - ev.disagreeing}, ` +
        `max |Δlogit| ${maxDelta.toFixed(4)}, smallest exact top-2 gaps ${gaps.slice(0, 3).map((g) => g.toExponential(2)).join(" ")}, latency ${hw.readouts[0]!.tick} ticks`,
    );
    expect(ev.samples).toBe(test.count);
    expect(ev.disagreeing).toBe(0);
    expect(ev.overflow).toEqual({ q: 0, u: 0, vmax: 0, vmin: 0 });
    expect(ev.spikesPerNeuron).toBe(1);
    expect(maxDelta).toBeLessThan(name === "lenet5_fmnist" ? 0.2 : 0.05);
  }, 300_000);
});
