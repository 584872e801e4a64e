/** The library API mirrors the commands: compile → verify → save/load → simulate, from the package entry point. */
import { expect, it } from "vitest";
import * as spikec from "../../src/index.js";
import { scratchDir } from "../helpers/scratch.js";

it("compile, verify, save, load and simulate through the public API", () => {
  const compiled = spikec.compile("test/fixtures/mlp_digits.onnx", "test/fixtures/digits_calib_x.npy");
  const x = spikec.readNpy("test/fixtures/digits_test_x.npy");
  const n = 50;
  const input = x.data.subarray(0, n * 64);
  const r = spikec.verifyCompiled(compiled, input, n);
  expect(r.snnVsAnn.agreeing).toBe(n);
  const dir = scratchDir("spikec-api-");
  spikec.saveNetwork(dir, compiled.net);
  const back = spikec.loadNetwork(dir);
  const sim = spikec.simulateExact(back, input, n);
  expect(Array.from(sim.logits)).toEqual(Array.from(r.snnLogits));
});

it("lower to a chip and run the cycle engine on raw inputs through the public API, as spikec simulate --engine cycle does", () => {
  const compiled = spikec.compile("test/fixtures/mlp_digits.onnx", "test/fixtures/digits_calib_x.npy", { target: "loihi2", ticks: 16 });
  const { net: hw, target } = compiled.hw!;
  const x = spikec.readNpy("test/fixtures/digits_test_x.npy");
  const n = 20;
  const batch = spikec.simulateCycleBatch(spikec.compileCycle(hw, target), x.data.subarray(0, n * 64), n);
  expect([batch.batch, batch.classes]).toEqual([n, 10]);
  // one sample by hand: the input encoding, then the engine
  const prog = spikec.compileCycle(hw, target);
  const { spikes } = spikec.encodeInputTicks(hw, x.data.subarray(0, 64));
  const one = spikec.runCycle(prog, spikes);
  expect(Array.from(one.readouts.at(-1)!.logits)).toEqual(Array.from(batch.logits.subarray(0, 10)));
});

it("the simulators and verify refuse a batch of the wrong length or with NaN (they would invent or zero samples)", () => {
  const compiled = spikec.compile("test/fixtures/mlp_digits.onnx", "test/fixtures/digits_calib_x.npy", { target: "loihi2", ticks: 8 });
  const x = spikec.readNpy("test/fixtures/digits_test_x.npy").data;
  const prog = spikec.compileCycle(compiled.hw!.net, compiled.hw!.target);
  const runs: [string, (input: Float64Array, n: number) => unknown][] = [
    ["simulateExact", (input, n) => spikec.simulateExact(compiled.net, input, n)],
    ["simulateCycleBatch", (input, n) => spikec.simulateCycleBatch(prog, input, n)],
    ["verifyCompiled", (input, n) => spikec.verifyCompiled(compiled, input, n)],
  ];
  const nan = Float64Array.from(x.subarray(0, 2 * 64));
  nan[70] = Number.NaN;
  for (const [name, run] of runs) {
    expect(() => run(x.subarray(0, 3 * 64), 5)).toThrow(new RegExp(`^${name}: 5 samples of 64 values need 320 input values, got 192`));
    expect(() => run(x.subarray(0, 5 * 64), 3)).toThrow(/need 192 input values, got 320/);
    expect(() => run(nan, 2)).toThrow(new RegExp(`^${name}: input value NaN at flat index 70 \\(sample 1\\)`));
    expect(() => run(x.subarray(0, 64), 1.5)).toThrow(spikec.InputError);
  }
  // The right batch still runs.
  expect(spikec.simulateExact(compiled.net, x.subarray(0, 2 * 64), 2).logits.length).toBe(20);
});

it("verify refuses what spikec verify refuses: no samples, labels of the wrong count, not class indices, beyond the classes (audit: accuracy 0.15 or 0, no error)", () => {
  const compiled = spikec.compile("test/fixtures/mlp_digits.onnx", "test/fixtures/digits_calib_x.npy");
  const x = spikec.readNpy("test/fixtures/digits_test_x.npy").data.subarray(0, 20 * 64);
  const y = spikec.readNpy("test/fixtures/digits_test_y.npy").data.subarray(0, 20);
  expect(spikec.verifyCompiled(compiled, x, 20, y).snnAccuracy).toBeGreaterThan(0.9);
  expect(() => spikec.verifyCompiled(compiled, new Float64Array(0), 0)).toThrow("verifyCompiled: no samples (n = 0)");
  expect(() => spikec.verifyCompiled(compiled, x, 20, y.subarray(0, 3))).toThrow("verifyCompiled: 3 labels for 20 samples");
  for (const [v, message] of [
    [Number.NaN, "verifyCompiled: label 4 is NaN, not a class index (a whole number ≥ 0)"],
    [2.5, "verifyCompiled: label 4 is 2.5, not a class index (a whole number ≥ 0)"],
    [99, "verifyCompiled: label 4 is 99, but the model has 10 classes (0..9)"],
  ] as const) {
    const bad = Float64Array.from(y);
    bad[4] = v;
    expect(() => spikec.verifyCompiled(compiled, x, 20, bad)).toThrow(message);
  }
});

it("compile refuses the options the CLI refuses as flags, as InputErrors (plain JavaScript callers get no type check)", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ model: "gamma" }, "neuron model 'gamma' is not alpha or b1"],
    [{ target: "loihi2", ticks: 3.5 }, "--ticks 3.5 must be an integer ≥ 2 (ticks per window)"],
    [{ target: "loihi2", agreement: 2 }, "--agreement 2 must be a number in (0, 1]"],
    [{ target: "loihi2", hardwareSamples: 0 }, "hardwareSamples 0 must be a whole number ≥ 1"],
    [{ target: "loihi2", weightTerms: 3 }, "weightTerms 3 must be 1 or 2"],
    [{ target: "loihi2", windowMargin: -5 }, "windowMargin -5 is outside [0, 100]"],
  ];
  for (const [options, message] of cases) {
    let error: unknown;
    try {
      spikec.compile("test/fixtures/mlp_digits.onnx", "test/fixtures/digits_calib_x.npy", options as spikec.CompileOptions);
    } catch (e) {
      error = e;
    }
    expect(error, message).toBeInstanceOf(spikec.InputError);
    expect((error as Error).message).toBe(message);
  }
});

it("the report through the public API: build, render, write and read back, as spikec compile and spikec report do", () => {
  const compiled = spikec.compile("test/fixtures/mlp_digits.onnx", "test/fixtures/digits_calib_x.npy");
  const data = spikec.collectReport(compiled, { input: "test/fixtures/digits_test_x.npy", labels: "test/fixtures/digits_test_y.npy" });
  const dir = scratchDir("spikec-api-report-");
  const written = spikec.writeReportData(dir, data);
  // The whole folder spikec report reads, report.json included (audit: the library could not write it).
  expect(written.map((p) => p.slice(dir.length + 1))).toEqual(["report.json", "report-data.json", "report.html"]);
  const back = spikec.loadReportData(dir);
  expect(spikec.renderReportHtml(back)).toBe(spikec.renderReportHtml(data));
  expect(spikec.renderReportHtml(data)).toContain('data-panel="raster"');
});
