/**
 * `spikec verify --target` on inputs unlike the calibration data (audit 2026-11-27): the chip's windows come from the
 * calibration data, so larger hidden activations are clipped to them on the chip. verify counts those activations
 * per layer (checked here against the count from the float ANN and the windows the lowering chose), reports the
 * cycle simulation's max |Δlogit|, and exits 1 when the cycle agreement misses the goal, although the exact SNN
 * still matches the ANN.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeNpy } from "../../src/io/npy.js";
import { compile } from "../../src/compile.js";
import { compileCycle, runCycle } from "../../src/sim/cycle/engine.js";
import { encodeInputTicks } from "../../src/hw/io.js";
import { deltaAt } from "../../src/hw/passes/lowering.js";
import { verifyCompiled } from "../../src/verify/verify.js";
import { OnnxBuilder } from "../helpers/onnx-builder.js";
import { runCli } from "../helpers/cli.js";
import { scratchDir } from "../helpers/scratch.js";
import { rng } from "../helpers/rng.js";
import { execute } from "../../src/ann/execute.js";
import { normalizeInput } from "../../src/mapping/map.js";
import { inputOf } from "../../src/snn/network.js";

const IN = 16;
const HIDDEN = 8;

describe("verify --target with inputs beyond the calibration data", () => {
  let dir = "";
  let model = "";
  let calib = "";
  let test = "";
  let testX: Float64Array;
  beforeAll(() => {
    dir = scratchDir("verify-target-");
    const r = rng(5);
    // Calibration: one feature at a time; test: two features at 0.6. Every hidden activation stays inside the SNN's
    // window ((1 + ζ)·the layer's largest), so the exact SNN matches, but many exceed their channel's largest on the
    // calibration data, the chip's window. The readout compares Σ h with the median of the test inputs' Σ h, so
    // clipping flips samples.
    const w0 = Float32Array.from({ length: HIDDEN * IN }, () => 0.1 + 0.4 * r());
    const nt = 50;
    testX = new Float64Array(nt * IN);
    for (let s = 0; s < nt; s++) {
      const a = Math.floor(r() * IN);
      const b = (a + 1 + Math.floor(r() * (IN - 1))) % IN;
      testX[s * IN + a] = testX[s * IN + b] = 0.6;
    }
    const sums = Array.from({ length: nt }, (_, s) => {
      let total = 0;
      for (let i = 0; i < HIDDEN; i++) for (let j = 0; j < IN; j++) total += w0[i * IN + j]! * Math.fround(testX[s * IN + j]!);
      return total;
    }).sort((p, q) => p - q);
    const threshold = (sums[nt / 2 - 1]! + sums[nt / 2]!) / 2;
    const b = new OnnxBuilder({ opset: 13 });
    const x = b.input("x", [IN]);
    const h = b.relu(b.gemm(x, { b: { dims: [HIDDEN, IN], data: w0, dtype: "float32" }, c: { dims: [HIDDEN], data: new Float32Array(HIDDEN), dtype: "float32" }, transB: 1 }));
    const w1 = Float32Array.from({ length: 2 * HIDDEN }, (_, k) => (k < HIDDEN ? 1 : 0));
    b.output(b.gemm(h, { b: { dims: [2, HIDDEN], data: w1, dtype: "float32" }, c: { dims: [2], data: Float32Array.of(0, threshold), dtype: "float32" }, transB: 1 }));
    model = join(dir, "m.onnx");
    writeFileSync(model, b.toBytes());
    const nc = 10 * IN;
    const cal = new Float64Array(nc * IN);
    for (let s = 0; s < nc; s++) cal[s * IN + (s % IN)] = s < IN ? 1 : 0.2 + 0.8 * r();
    calib = join(dir, "calib.npy");
    writeFileSync(calib, encodeNpy([nc, IN], cal));
    test = join(dir, "test.npy");
    writeFileSync(test, encodeNpy([nt, IN], testX));
  });

  for (const neuron of ["alpha", "b1"] as const) {
    it(`${neuron}: counts the clipped hidden activations exactly, and the exact SNN still matches`, () => {
      const compiled = compile(model, calib, { target: "loihi2", model: neuron });
      const v = verifyCompiled(compiled, testX, 50);
      expect(v.matches).toBe(true);
      // Independent of the window formula (chip-windows.ts): on the chip, a clipped activation is one sent at the
      // layer's earliest firing tick although the exact activation (the rescaled float ANN, the SNN's units) is
      // more than half a tick above what that tick encodes.
      const hidden = compiled.net.populations.find((p) => p.kind === "spiking")!;
      const hw = compiled.hw!;
      const pt = hw.choice.lowered.lowering.timing!.populations.get(hidden.id)!;
      const node = compiled.mapping.annNodeOf.get(hidden.id)!;
      const acts = execute(compiled.mapping.rescaled, normalizeInput(testX, inputOf(compiled.net).range), 50, { keep: (id) => id === node }).get(node)!;
      const prog = compileCycle(hw.net, hw.target);
      const ticks = Array.from({ length: 50 }, (_, s) => runCycle(prog, encodeInputTicks(hw.net, testX.subarray(s * IN, (s + 1) * IN)).spikes).firstSpike[hidden.id]!);
      const earliest = Math.min(...ticks.flatMap((t) => [...t].filter((x) => x >= 0)));
      let expected = 0;
      for (let s = 0; s < 50; s++)
        for (let i = 0; i < HIDDEN; i++) {
          const d = deltaAt(pt, i);
          if (ticks[s]![i] === earliest && acts[s * HIDDEN + i]! > (pt.w2 - earliest + 0.5) * d) expected++;
        }
      console.log(`${neuron}: hidden activations clipped on the chip: ${expected} of ${acts.length} (earliest firing tick ${earliest}, window ${pt.w1}..${pt.w2})`);
      expect(earliest).toBe(neuron === "alpha" ? pt.w1 : pt.w1 + 1);
      const layer = v.layers.find((l) => l.population === hidden.id)!;
      expect(expected).toBeGreaterThan(20);
      expect(layer.aboveChipWindow).toBe(expected);
      // Above the whole calibrated window (w1..w2): what the calibration data did not reach (b1 encodes a tick less).
      let beyond = 0;
      for (let s = 0; s < 50; s++) for (let i = 0; i < HIDDEN; i++) if (acts[s * HIDDEN + i]! > (pt.w2 - pt.w1 + 0.5) * deltaAt(pt, i)) beyond++;
      expect(layer.aboveCalibratedWindow).toBe(beyond);
      if (neuron === "alpha") expect(beyond).toBe(expected);
      else expect(beyond).toBeLessThan(expected);
      // The readout has no chip window of its own.
      expect(v.layers.every((l) => l.kind === "spiking" || l.aboveChipWindow === null)).toBe(true);
    });
  }

  it("the CLI reports them, the cycle Δlogit and the missed goal, and exits 1", async () => {
    const r = await runCli(["verify", model, "--calib", calib, "--input", test, "--target", "loihi2", "--no-onnxruntime"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/the SNN matches the ANN/);
    expect(r.stdout).toMatch(/hidden activations were above their window on loihi2 and were clipped to it/);
    expect(r.stdout).toMatch(/on loihi2 the cycle simulation does NOT reach the goal: [\d.]+ % < 99\.00 %/);
    expect(r.stdout).toMatch(/fit on loihi2: fits: \d+ cores? on 1 chip/);
    const j = await runCli(["verify", model, "--calib", calib, "--input", test, "--target", "loihi2", "--no-onnxruntime", "--json"]);
    expect(j.code).toBe(1);
    const doc = JSON.parse(j.stdout);
    expect(doc.matches).toBe(true);
    expect(doc.cycle.reachesGoal).toBe(false);
    // The exit code's verdict in the JSON (audit: "matches": true beside exit 1, with no field saying why).
    expect([doc.passed, doc.failed]).toEqual([false, ["cycle-agreement-goal"]]);
    expect(doc.cycle.aboveChipWindow).toBeGreaterThan(0);
    expect(doc.cycle.maxAbsDelta).toBeGreaterThan(0.05);
    expect(doc.cycle.registerEvents).toEqual({ q: 0, u: 0, vmax: 0, vmin: 0 });
    expect(doc.cycle.fit).toMatchObject({ fits: true, problems: [] });
  });

  it("b1 on the calibration data: only its top tick is clipped, said as such (audit: 'calibrate with inputs like these')", async () => {
    const r = await runCli(["verify", model, "--calib", calib, "--input", calib, "--target", "loihi2", "--neuron", "b1", "--no-onnxruntime", "--json"]);
    const doc = JSON.parse(r.stdout);
    expect(doc.cycle.aboveChipWindow).toBeGreaterThan(0);
    expect(doc.cycle.aboveCalibratedWindow).toBe(0);
    const text = await runCli(["verify", model, "--calib", calib, "--input", calib, "--target", "loihi2", "--neuron", "b1", "--no-onnxruntime"]);
    expect(text.stdout).toContain(
      `${doc.cycle.aboveChipWindow} hidden activations were above their window on loihi2 and were clipped to it (see the "above loihi2 window" column); ${doc.cycle.aboveChipWindow} in the top tick of the calibrated window, which b1 neurons do not encode (their firing phase opens a tick after the window)\n`,
    );
    expect(text.stdout).not.toContain("calibrate with inputs like these");
  });

  it("on the calibration data itself nothing is clipped and the goal is reached (exit 0)", async () => {
    const j = await runCli(["verify", model, "--calib", calib, "--input", calib, "--target", "loihi2", "--no-onnxruntime", "--json"]);
    const doc = JSON.parse(j.stdout);
    expect(doc.cycle.aboveChipWindow).toBe(0);
    expect(doc.cycle.reachesGoal).toBe(true);
    expect([doc.passed, doc.failed, j.code]).toEqual([true, [], 0]);
    expect(j.code).toBe(0);
  });
});
