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
