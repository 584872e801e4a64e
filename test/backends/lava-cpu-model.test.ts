/**
 * spikec's model of what the emitted Lava program computes on the CPU (src/backends/lava/cpu-model.ts): a
 * hand-computed trace of the one rule where it differs from the chip (a process floors its summed input), and
 * agreement with the cycle simulator, bit for bit, wherever that rule cannot bite (every contribution a multiple of
 * 64: roundToLavaCpu) — two implementations of Lava's conventions written apart.
 */
import { describe, expect, it } from "vitest";
import { compile, loadSamples } from "../../src/compile.js";
import { lowerToHw } from "../../src/hw/lower.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { evaluateCycle } from "../../src/hw/evaluate.js";
import { planLava, type LavaPlan } from "../../src/backends/lava/plan.js";
import { roundToLavaCpu } from "../../src/backends/lava/resolution.js";
import { checkLavaCpu, runLavaCpu } from "../../src/backends/lava/cpu-model.js";
import { buildLavaProgram } from "../../src/backends/lava/emit.js";

/** Two inputs into one non-spiking LIF through one Dense process of weights [1, 1] at weight_exp −1. */
function twoInputs(weightExp: number): LavaPlan {
  return {
    target: "loihi2",
    ticks: 6,
    neurons: [
      { kind: "source", name: "src0", population: "in", role: "input", size: 2, shape: [2], schedule: null, encoding: { low: 0, high: 1, firstTick: 0, ticksPerWindow: 1, rounding: "nearest", silentAtLow: false } },
      { kind: "lif", name: "lif0", population: "out", shape: [1], size: 1, vth: 2 ** 16, du: -1, dv: 0, biasMant: new Int32Array(1), biasExp: new Int32Array(1), u: new Int32Array(1), v: new Int32Array(1) },
    ],
    connections: [
      {
        name: "syn0", group: "g", process: "Dense", source: "in", target: "out", sourceName: "src0", targetName: "lif0", nSource: 2, nTarget: 1,
        signMode: "EXCITATORY", weightExp, pre: Int32Array.of(0, 1), post: Int32Array.of(0, 0), weight: Int32Array.of(1, 1), delay: 0,
      },
    ],
    readouts: [{ population: "out", name: "lif0", tick: 4, scale: 1, offset: null, relu: false }],
    cpuInexact: [],
  };
}

describe("the flooring rule, by hand", () => {
  // Input x = 1 spikes at tick 0, x = 0 at tick 1 (one tick per window). The LIF never spikes (vth ≫ v).
  it("two spikes in one step: floor((1 + 1) / 2) = 1, u = 64 from tick 1, v = 64 · 4 at tick 4 (the chip: the same)", () => {
    expect(Array.from(runLavaCpu(twoInputs(-1), Float64Array.of(1, 1), 1).logits)).toEqual([256]);
  });

  it("the same two spikes one tick apart: floor(1 / 2) = 0 twice, v stays 0 (the chip: 32 then 64, v = 32 + 64 · 3 = 224)", () => {
    expect(Array.from(runLavaCpu(twoInputs(-1), Float64Array.of(1, 0), 1).logits)).toEqual([0]);
  });

  it("weight_exp ≥ 0 is a plain shift: [1, 1] at exponent 2 gives 4 · 64 per spike", () => {
    // tick 1: a = 1 << 2 = 4 → u = 256; tick 2: u = 512; v(4) = 256 + 512 · 3
    expect(Array.from(runLavaCpu(twoInputs(2), Float64Array.of(1, 0), 1).logits)).toEqual([256 + 512 * 3]);
  });
});

describe("against the cycle simulator", () => {
  const target = loadTarget("loihi2");
  const compiled = compile("test/fixtures/mlp_digits.onnx", "test/fixtures/digits_calib_x.npy");
  const { array } = loadSamples("test/fixtures/digits_test_x.npy", [64]);
  const n = 40;
  const x = array.data.subarray(0, n * 64);

  it("equals it logit for logit where every contribution is a multiple of 64 (roundToLavaCpu), 40 test images", () => {
    const rounded = roundToLavaCpu(lowerToHw(compiled.net, target, 16).hw);
    const chip = evaluateCycle(compiled.net, rounded, target, x, n);
    const cpu = runLavaCpu(planLava(rounded, target), x, n);
    expect(Array.from(cpu.logits)).toEqual(Array.from(chip.logits));
  });

  it("equals it logit for logit with mixed-sign lists too (--mixed-sign), 40 test images", () => {
    const rounded = roundToLavaCpu(lowerToHw(compiled.net, target, 16, { mixedSign: true }).hw);
    expect(rounded.synapses.some((g) => g.id.endsWith("/mixed"))).toBe(true);
    const chip = evaluateCycle(compiled.net, rounded, target, x, n);
    expect(Array.from(runLavaCpu(planLava(rounded, target), x, n).logits)).toEqual(Array.from(chip.logits));
  });

  it("measures the difference where processes floor: the check in the program's header and compile's warning", () => {
    const hw = lowerToHw(compiled.net, target, 16).hw;
    const chip = evaluateCycle(compiled.net, hw, target, x, n);
    const check = checkLavaCpu(planLava(hw, target), x, n, chip.logits);
    expect(check.samples).toBe(n);
    // Flooring moves logits (these 40 images: up to ~0.4 of logits up to ~15) without changing many classes.
    expect(check.maxAbsDelta).toBeGreaterThan(0);
    expect(check.maxAbsDelta).toBeLessThan(0.1 * check.maxAbsLogit);
    expect(check.agreeing).toBeGreaterThanOrEqual(n - 2);
    const built = buildLavaProgram(hw, target, "hw.json", { x, n, chipLogits: chip.logits });
    expect(built.cpuCheck!.samples).toBe(16); // at most CPU_CHECK_SAMPLES of the calibration data
    expect(built.program.text).toMatch(/^# Measured by spikec at compile time: on 16 calibration samples, a CPU run \(spikec's model of Lava's fixed-point arithmetic\) gives the chip's class for \d+ of 16, max \|Δlogit\| /m);
    expect(built.program.text).toMatch(/^CPU_CHECK = "on 16 calibration samples/m);
    // Without processes that floor there is nothing to measure.
    expect(buildLavaProgram(roundToLavaCpu(hw), target, "hw.json", { x, n, chipLogits: chip.logits }).cpuCheck).toBeNull();
  });
});
