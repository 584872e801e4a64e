/** The library API mirrors the commands: compile → verify → save/load → simulate, from the package entry point. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
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

it("the report through the public API: build, render, write and read back, as spikec compile and spikec report do", () => {
  const compiled = spikec.compile("test/fixtures/mlp_digits.onnx", "test/fixtures/digits_calib_x.npy");
  const data = spikec.collectReport(compiled, { input: "test/fixtures/digits_test_x.npy", labels: "test/fixtures/digits_test_y.npy" });
  const dir = scratchDir("spikec-api-report-");
  const written = spikec.writeReportData(dir, data);
  expect(written.map((p) => p.slice(dir.length + 1))).toEqual(["report-data.json", "report.html"]);
  writeFileSync(join(dir, "report.json"), JSON.stringify(data.report));
  const back = spikec.loadReportData(dir);
  expect(spikec.renderReportHtml(back)).toBe(spikec.renderReportHtml(data));
  expect(spikec.renderReportHtml(data)).toContain('data-panel="raster"');
});
