/** The library API mirrors the commands: compile → verify → save/load → simulate, from the package entry point. */
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
