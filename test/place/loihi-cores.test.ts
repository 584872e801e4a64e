/**
 * The loihi backend end to end: lower the fixtures, place, build cores.json, write and read it back, run it on the
 * cycle engine as a per-core sparse network, and compare with the HW IR's own simulation: the same spikes (tick and
 * neuron, every population, clocks included) and the same logits on every test image.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { compileGraph, loadSamples } from "../../src/compile.js";
import { importOnnx } from "../../src/onnx/import.js";
import { buildCoresConfig } from "../../src/backends/loihi/build.js";
import { expectCoresMatchHw } from "../helpers/cores-check.js";
import { readCoresFile, writeCoresFile } from "../../src/backends/loihi/files.js";
import { compileSchema } from "../../src/util/schema.js";
import { buildFitReport } from "../../src/place/fit-report.js";
import { scratchDir } from "../helpers/scratch.js";

const FIX = "test/fixtures";

function lower(model: string, data: string, target: string) {
  const ann = importOnnx(`${FIX}/${model}.onnx`);
  const shape = ann.nodes[0]!.shape;
  const calib = loadSamples(`${FIX}/${data}_calib_x.npy`, shape);
  const test = loadSamples(`${FIX}/${data}_test_x.npy`, shape);
  const compiled = compileGraph(ann, calib.array, calib.count, "calib", { target, ticks: 32, hardwareSamples: 50 });
  const fit = compiled.report.fit!;
  expect(compileSchema("fit-report.schema.json")(JSON.parse(JSON.stringify(fit)))).toBe(true);
  return { compiled, fit, shape, test };
}

function check(model: string, data: string, target: string, images: number, lowered = lower(model, data, target)) {
  const { compiled, fit, shape, test } = lowered;
  const hw = compiled.hw!;
  expect(buildFitReport(hw.placement).fits).toBe(true);
  console.log(`${model} ${target}: ${fit.verdict}; binding ${fit.binding}; ${fit.totals.spikesPerInference.toFixed(0)} spikes, ${fit.totals.synapticEventsPerInference.toFixed(0)} synaptic events per inference`);
  // Packing beats the naive rule where budgets are counts; on Loihi 1 the 7-entry format table (per-neuron exponents)
  // makes the naive ratio rule infeasible, so no comparison there.
  if (target === "loihi2") expect(fit.totals.cores).toBeLessThan(fit.totals.naiveCores);
  const dir = scratchDir("cores-");
  const [file] = writeCoresFile(dir, buildCoresConfig(hw.placement));
  const cfg = readCoresFile(file!);
  expect(cfg.cores.length).toBe(fit.totals.cores);
  const spikes = expectCoresMatchHw(hw, cfg, test.array, shape.reduce((a, b) => a * b, 1), images);
  console.log(`${model} ${target}: cores.json run = HW IR run on ${images} images (${spikes} spikes compared)`);
  return { cfg, fit };
}

describe("cores.json runs spike for spike like the HW IR", () => {
  it("mlp_digits on loihi2 (every test image)", () => {
    check("mlp_digits", "digits", "loihi2", 360);
  }, 300_000);
  // Loihi 1's format table has 7 entries. When the lowering gives a neuron more (sign mode, exponent, delay) formats
  // than exact re-encoding can merge into 7, the report must say which layer, which table, how many and the limit.
  for (const [model, data] of [["mlp_digits", "digits"], ["lenet5_fmnist", "fmnist"]] as const) {
    it(`${model} on loihi1: spike for spike when it fits, else the layer, the table, the count and the limit`, () => {
      const lowered = lower(model, data, "loihi1");
      const fit = lowered.fit;
      if (fit.fits) {
        check(model, data, "loihi1", 100, lowered);
        return;
      }
      console.log(`${model} loihi1: ${fit.verdict}\n${fit.problems.map((p) => `  ${p.message}`).join("\n")}`);
      expect(fit.problems.length).toBeGreaterThan(0);
      expect(fit.binding).toBe(fit.problems[0]!.resource);
      for (const p of fit.problems) {
        expect(p.resource).toBe("synapse formats");
        expect(p.limit).toBe(7);
        expect(p.amount).toBeGreaterThan(7);
        expect(p.onnxNodes.length).toBeGreaterThan(0);
        expect(p.message).toContain(`layer '${p.population}' (ONNX ${p.onnxNodes.join(", ")})`);
        expect(p.message).toContain(`one neuron needs ${p.amount} synapse formats but a core has 7`);
        // The distinct formats are listed, at least as many as remain after re-encoding.
        const listed = Number(/use (\d+) distinct formats/.exec(p.message)![1]);
        expect(listed).toBeGreaterThanOrEqual(p.amount);
      }
      expect(() => buildCoresConfig(lowered.compiled.hw!.placement)).toThrow(/does not fit Intel Loihi \(N2\)/);
    }, 300_000);
  }
  it("lenet5_fmnist on loihi2", () => {
    check("lenet5_fmnist", "fmnist", "loihi2", 100);
  }, 600_000);
});
