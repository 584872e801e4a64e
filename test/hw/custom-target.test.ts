/**
 * Custom target files with one number changed (found by an audit: several were lowered or simulated as if they were
 * a Loihi). What spikec implements is honoured — a per-synapse clip shapes the clock and latch ladders — and what it
 * does not (a ≥ comparison, a subtracting reset, voltage-step synapses, no exponent fine enough for exact integers)
 * is refused naming the element, exit 3, instead of a network that fires twice or a crash.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compile.js";
import { buildCoresConfig } from "../../src/backends/loihi/build.js";
import { packageRoot } from "../../src/hw/target/load.js";
import { scratchDir } from "../helpers/scratch.js";
import { runCli } from "../helpers/cli.js";
import { lowerToHw } from "../../src/hw/lower.js";
import { evaluateCycle } from "../../src/hw/evaluate.js";
import { hwIssues } from "../../src/hw/verify.js";
import { forEachSynapse } from "../../src/hw/synapses.js";
import { loadTarget } from "../../src/hw/target/load.js";
import type { Target } from "../../src/hw/target/target.js";
import { compileCycle } from "../../src/sim/cycle/engine.js";
import { mapToSnn } from "../../src/mapping/map.js";
import { InputError, SpikecError } from "../../src/util/errors.js";
import { randomMlp, rng } from "../helpers/random-canonical.js";

const loihi1 = loadTarget("loihi1");
const loihi2 = loadTarget("loihi2");
const r = rng(21);
const calib = Float64Array.from({ length: 40 * 12 }, () => r());
const { net } = mapToSnn(randomMlp(21, 12, [10, 8], 5), calib, 40, { model: "alpha", margin: 0.5, inputRange: { low: 0, high: 1 }, modelFile: "custom" });

const refusal = (t: Target): SpikecError => {
  try {
    lowerToHw(net, t, 16);
  } catch (e) {
    expect(e).toBeInstanceOf(SpikecError);
    return e as SpikecError;
  }
  throw new Error("lowered");
};

describe("custom targets", () => {
  it("refused by name, exit 3: compare ge, reset subtract, psp step-v, a weight exponent range without unit contributions", () => {
    const ge = refusal({ ...loihi2, neuron: { ...loihi2.neuron, threshold: { ...loihi2.neuron.threshold, compare: "ge" } } });
    expect(ge.message).toMatch(/spikec cannot lower to Intel Loihi 2 \(N3\): its threshold comparison is ge \(element <neuron\/threshold\/compare>\)/);
    expect(ge.exitCode).toBe(3);
    const subtract = { ...loihi2, neuron: { ...loihi2.neuron, reset: "subtract" as const } };
    expect(refusal(subtract).message).toMatch(/its neurons reset by subtract \(element <neuron\/reset>\)/);
    expect(refusal({ ...loihi2, neuron: { ...loihi2.neuron, psp: "step-v" as const } }).message).toMatch(/its synapses are step-v \(element <neuron\/psp>\)/);
    expect(refusal({ ...loihi2, timing: { ...loihi2.timing, synapticLatency: 2 } }).message).toMatch(/its synaptic latency is 2 ticks \(element <timing\/synapticLatency>\)/);
    const coarse = refusal({ ...loihi2, synapse: { ...loihi2.synapse, weightExponent: { min: -2, max: 2 } } });
    expect(coarse.message).toMatch(/its smallest mixed-sign contribution is 32 .* needs a weight exponent down to -7 \(element <synapse\/weightExponent>/);
    // The simulator refuses what it does not implement too (a subtracting reset), rather than resetting to 0.
    const { hw } = lowerToHw(net, loihi2, 16);
    expect(() => compileCycle(hw, subtract)).toThrow(InputError);
    expect(() => compileCycle(hw, subtract)).toThrow(/the cycle simulator cannot run .*reset by subtract/);
  });

  it("a limit the lowering does not honour (delays from 1): refused as the lowering's, not as a hand-edited file", () => {
    const e = refusal({ ...loihi2, synapse: { ...loihi2.synapse, delay: { min: 1, max: 62 } } });
    expect(e.message).toMatch(/^spikec's lowering cannot meet Intel Loihi 2 \(N3\)'s limits .*\n.*delay/s);
    expect(e.hint).not.toMatch(/hand-edited/);
    expect(e.exitCode).toBe(3);
  });

  it("a per-synapse clip of 262080 (Loihi 1 copy): clock and latch synapses stay within it; one spike per neuron", () => {
    const clip = 262080;
    const t: Target = { ...loihi1, synapse: { ...loihi1.synapse, perSynapseClip: clip } };
    const { hw } = lowerToHw(net, t, 16);
    expect(hwIssues(hw, t)).toEqual([]);
    const pops = new Map(hw.populations.map((p) => [p.id, p]));
    let largest = 0;
    for (const g of hw.synapses)
      forEachSynapse(g, pops.get(g.source)!, pops.get(g.target)!, (_pre, _post, w, e) => {
        largest = Math.max(largest, Math.abs(w * 2 ** (t.synapse.weightShift + e)));
      });
    expect(largest).toBeLessThanOrEqual(clip);
    const x = Float64Array.from({ length: 10 * 12 }, () => r());
    const ev = evaluateCycle(net, hw, t, x, 10);
    expect(ev.spikesPerNeuron).toBe(1);
    expect(ev.overflow).toEqual({ q: 0, u: 0, vmax: 0, vmin: 0 });
  });

  it("cores.json records the custom target's digest and file, as hw.json does (a custom file may reuse the id loihi2)", () => {
    const dir = scratchDir("spikec-custom-cores-");
    const file = join(dir, "my-loihi2.xml");
    writeFileSync(file, readFileSync(join(packageRoot(), "targets", "loihi2.xml"), "utf8").replace('<maxNeurons value="4096"', '<maxNeurons value="2048"'));
    const compiled = compile("test/fixtures/mlp_digits.onnx", "test/fixtures/digits_calib_x.npy", { target: file, ticks: 8, hardwareSamples: 10 });
    const hw = compiled.hw!;
    expect(hw.net.targetFile).toBe(file);
    const cfg = buildCoresConfig(hw.placement);
    expect([cfg.target, cfg.targetDigest, cfg.targetFile]).toEqual(["loihi2", hw.net.targetDigest, file]);
    expect(cfg.targetDigest).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);
});

describe("spikec targets FILE…", () => {
  it("checks and summarizes the given files (audit: a new file could only be checked by hand), exit 2 naming the element of a broken one", async () => {
    const dir = scratchDir("spikec-targets-");
    const good = join(dir, "small.xml");
    writeFileSync(good, readFileSync(join(packageRoot(), "targets", "loihi1.xml"), "utf8").replace('id="loihi1"', 'id="small"').replace('<maxNeurons value="1024"', '<maxNeurons value="256"'));
    const ok = await runCli(["targets", good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^small {2}Intel Loihi \(N2\): 128 cores\/chip × 256 neurons, /);
    expect(ok.stdout).not.toMatch(/^loihi2/m);
    const bad = join(dir, "bad.xml");
    writeFileSync(bad, readFileSync(good, "utf8").replace('<maxNeurons value="256"', '<maxNeurons value="none"'));
    const r = await runCli(["targets", good, bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^spikec: target file ${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} .*maxNeurons`, "s"));
  });
});
