/**
 * --mixed-sign: one mixed-sign synapse list per projection instead of an excitatory and an inhibitory one. Pinned on
 * both fixtures and both Loihi targets against the default lists: one group per projection, every mantissa in the
 * mixed range, cores.json running spike for spike like the HW IR, the cores it saves, and what the lost weight bit
 * costs in cycle agreement on the test images (measured, with a bound); a chip without the mixed sign mode refuses it.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileGraph, loadSamples, type Compiled } from "../../src/compile.js";
import { importOnnx } from "../../src/onnx/import.js";
import { execute } from "../../src/ann/execute.js";
import { annLogitsNode } from "../../src/ann/logits.js";
import { evaluateCycle } from "../../src/hw/evaluate.js";
import { lowerToHw } from "../../src/hw/lower.js";
import { hasMixedSignLists } from "../../src/hw/passes/spiking.js";
import { loadTarget, parseTarget } from "../../src/hw/target/load.js";
import { hwIssues } from "../../src/hw/verify.js";
import { buildCoresConfig } from "../../src/backends/loihi/build.js";
import { SpikecError } from "../../src/util/errors.js";
import { expectCoresMatchHw } from "../helpers/cores-check.js";
import type { NpyArray } from "../../src/io/npy.js";

const FIX = "test/fixtures";

interface Lowered {
  compiled: Compiled;
  test: { array: NpyArray; count: number; size: number };
  agreement: number;
}

const cache = new Map<string, Lowered>();
function lowerFixture(model: string, data: string, target: string, ticks: number, mixedSign: boolean): Lowered {
  const key = `${model} ${target} ${ticks} ${mixedSign}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const ann = importOnnx(`${FIX}/${model}.onnx`);
  const shape = ann.nodes[0]!.shape;
  const calib = loadSamples(`${FIX}/${data}_calib_x.npy`, shape);
  const { array, count } = loadSamples(`${FIX}/${data}_test_x.npy`, shape);
  const compiled = compileGraph(ann, calib.array, calib.count, "calib", { target, ticks, mixedSign, hardwareSamples: 50 });
  const logits = annLogitsNode(compiled.ann).id;
  const reference = execute(compiled.ann, array.data, count, { keep: (id) => id === logits }).get(logits)!;
  const ev = evaluateCycle(compiled.net, compiled.hw!.net, compiled.hw!.target, array.data, count, { reference });
  const out = { compiled, test: { array, count, size: shape.reduce((a, b) => a * b, 1) }, agreement: 1 - ev.disagreeing / ev.samples };
  cache.set(key, out);
  return out;
}

/** The lowering's own groups (clocks and latches) are not weight lists. */
const weightGroups = (c: Compiled) => c.hw!.net.synapses.filter((g) => /\/(exc|inh|mixed)(#\d+)?$/.test(g.id));

// Cores measured when written (split → mixed): mlp_digits loihi1 4 → 2, loihi2 2 → 2; lenet5 at 16 ticks loihi1 18 → 16,
// loihi2 24 → 22. Agreement on the test images moved by at most 0.4 points (mlp_digits 16 ticks, lenet5 16 ticks).
const CASES = [
  ["mlp_digits", "digits", "loihi1", 16],
  ["mlp_digits", "digits", "loihi2", 16],
  ["lenet5_fmnist", "fmnist", "loihi1", 16],
  ["lenet5_fmnist", "fmnist", "loihi2", 16],
] as const;

describe("--mixed-sign on the fixtures", () => {
  it.each(CASES)("%s (%s data) on %s at %i ticks: one mixed list per projection, valid integers, no more cores, agreement within 1 point", (model, data, target, ticks) => {
    const split = lowerFixture(model, data, target, ticks, false);
    const mixed = lowerFixture(model, data, target, ticks, true);
    const hw = mixed.compiled.hw!;
    expect(hwIssues(hw.net, hw.target)).toEqual([]);
    expect(hasMixedSignLists(hw.net)).toBe(true);
    expect(hasMixedSignLists(split.compiled.hw!.net)).toBe(false);
    const lists = weightGroups(mixed.compiled);
    const projections = mixed.compiled.net.populations.reduce((a, p) => a + (p.kind === "spiking" || p.kind === "readout" ? p.projections.length : 0), 0);
    expect(lists.every((g) => g.id.includes("/mixed"))).toBe(true);
    expect(lists.length).toBe(projections);
    // Loihi's mixed mode: even mantissas −256..254 (the sign takes the low bit's place).
    for (const g of lists) for (const w of g.weight) expect(w % 2 === 0 && w >= -256 && w <= 254).toBe(true);
    expect(weightGroups(split.compiled).length).toBeGreaterThan(lists.length);
    const [s, m] = [split.compiled.report.fit!, mixed.compiled.report.fit!];
    expect(m.fits).toBe(true);
    expect(m.totals.cores).toBeLessThanOrEqual(s.totals.cores);
    // The quantize note says which lists the network has (the report's approximations list it).
    expect(hw.net.notes.some((n) => n.startsWith("quantize:") && n.includes("one mixed-sign synapse list per projection"))).toBe(true);
    console.log(
      `${model} ${target} ${ticks} ticks, split → mixed: cores ${s.totals.cores} → ${m.totals.cores}, synapse groups ${weightGroups(split.compiled).length} → ${lists.length}, ` +
        `cycle agreement on ${split.test.count} test images ${(100 * split.agreement).toFixed(2)} → ${(100 * mixed.agreement).toFixed(2)} %`,
    );
    expect(Math.abs(mixed.agreement - split.agreement)).toBeLessThanOrEqual(0.01);
  }, 600_000);

  it("saves cores where dense lists bind synapse memory: mlp_digits on Loihi 1", () => {
    const s = lowerFixture("mlp_digits", "digits", "loihi1", 16, false).compiled.report.fit!;
    const m = lowerFixture("mlp_digits", "digits", "loihi1", 16, true).compiled.report.fit!;
    expect(m.totals.cores).toBeLessThan(s.totals.cores);
  }, 600_000);

  it.each([["mlp_digits", "digits", "loihi1"], ["lenet5_fmnist", "fmnist", "loihi1"]] as const)("%s on %s: cores.json runs spike for spike like the HW IR", (model, data, target) => {
    const { compiled, test } = lowerFixture(model, data, target, 16, true);
    const hw = compiled.hw!;
    const cfg = buildCoresConfig(hw.placement);
    for (const c of cfg.cores) expect(c.synapseFormats.length).toBeLessThanOrEqual(7);
    const images = 10;
    const spikes = expectCoresMatchHw(hw, cfg, test.array, test.size, images);
    expect(spikes).toBeGreaterThan(0);
  }, 600_000);
});

describe("a chip whose only sign mode is mixed", () => {
  it("gets one mixed-sign list per projection without --mixed-sign, and the note says why (audit: two mixed lists named exc/inh, twice the cores)", () => {
    const xml = readFileSync("targets/loihi1.xml", "utf8")
      .replace(/<signModes value="[^"]*"/, '<signModes value="mixed"')
      .replace(/<weightRange mode="excitatory"[^>]*\/>/, "")
      .replace(/<weightRange mode="inhibitory"[^>]*\/>/, "");
    const target = parseTarget(xml, "only-mixed.xml");
    const ann = importOnnx(`${FIX}/mlp_digits.onnx`);
    const calib = loadSamples(`${FIX}/digits_calib_x.npy`, ann.nodes[0]!.shape);
    const snn = compileGraph(ann, calib.array, calib.count, "calib").net;
    const { hw } = lowerToHw(snn, target, 16);
    expect(hasMixedSignLists(hw)).toBe(true);
    expect(hw.synapses.filter((g) => /\/(exc|inh)$/.test(g.id))).toEqual([]);
    expect(hw.notes.find((n) => n.startsWith("quantize:"))).toMatch(/one mixed-sign synapse list per projection \(the target has no one-signed lists; mantissas -256\.\.254 in steps of 2\)/);
  });
});

describe("a chip without the mixed sign mode", () => {
  it("is refused with exit 3 before lowering, naming the element (clock and latch lists need both signs in one list)", () => {
    const xml = readFileSync("targets/loihi1.xml", "utf8").replace(/<signModes value="[^"]*"/, '<signModes value="excitatory inhibitory"').replace(/<weightRange mode="mixed"[^>]*\/>/, "");
    const target = parseTarget(xml, "one-signed.xml");
    const ann = importOnnx(`${FIX}/mlp_digits.onnx`);
    const calib = loadSamples(`${FIX}/digits_calib_x.npy`, ann.nodes[0]!.shape);
    const snn = compileGraph(ann, calib.array, calib.count, "calib").net;
    for (const mixedSign of [false, true]) {
      let error: unknown;
      try {
        lowerToHw(snn, target, 16, { mixedSign });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SpikecError);
      expect((error as SpikecError).exitCode).toBe(3);
      // Was: the verifier's "weight[1] = -31 outside the target's 8-bit excitatory weight mantissas" on a clock list.
      expect((error as SpikecError).message).toMatch(/one-signed\.xml: spikec cannot lower to .*: it has no mixed-sign synapse lists \(element <synapse\/signModes>: excitatory, inhibitory\)/);
    }
  });
});
