/**
 * Lowering and placing layers of the sizes real CNNs and MLPs have (audit 2026-11-27): a per-neuron or per-synapse
 * array passed as Math.max(...array) overflowed the call stack from ~16k neurons (every CNN of 32×32 or more failed
 * to lower: "Maximum call stack size exceeded"), and a dense layer whose neurons each need more input axons than a
 * core has (fan-in plus clock axons), while the neuron the pre-check tries does not, grew its tile count by a few
 * tiles per full usage pass for tens of minutes before its verdict.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileGraph } from "../../src/compile.js";
import type { DenseNode } from "../../src/ann/graph.js";
import { maxOf, minOf } from "../../src/util/extrema.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { place } from "../../src/place/place.js";
import { AnnBuilder, rng } from "../helpers/ann-builder.js";
import { scratchDir } from "../helpers/scratch.js";

describe("arrays of any length", () => {
  it("maxOf and minOf on 10^6 elements (Math.max(...a) throws RangeError there)", () => {
    const a = Float64Array.from({ length: 1_000_000 }, (_, i) => Math.sin(i));
    expect(() => Math.max(...a)).toThrow(RangeError);
    let hi = -Infinity;
    let lo = Infinity;
    for (const x of a) (hi = x > hi ? x : hi), (lo = x < lo ? x : lo);
    expect([maxOf(a), minOf(a), maxOf([], 7), minOf(new Int8Array(0), -3)]).toEqual([hi, lo, 7, -3]);
  });
});

describe("a conv layer of 65,536 neurons lowers to Loihi 2", () => {
  it("compiles with --target (16 ticks) and proves its registers", () => {
    const b = new AnnBuilder([3, 32, 32], 2);
    b.dense(b.flatten(b.relu(b.conv(b.input, 64, { kernel: 3, pads: 1 }))), 4);
    const g = b.build();
    const n = 4;
    const r = rng(3);
    const x = Float64Array.from({ length: n * 3 * 32 * 32 }, () => r());
    const compiled = compileGraph(g, { shape: [n, 3, 32, 32], dtype: "<f8", data: x }, n, "calib", { target: "loihi2", ticks: 16, hardwareSamples: n });
    const conv = compiled.report.hardware!.layers.find((l) => l.kind === "spiking")!;
    expect(conv.bounds).not.toBeNull();
    expect(conv.zeroedWeights!.nonzero).toBe(64 * 3 * 3 * 3);
    expect(compiled.hw!.net.populations.some((p) => p.shape.reduce((a, c) => a * c, 1) === 64 * 32 * 32)).toBe(true);
  }, 120_000);
});

describe("a dense layer whose neurons need more input axons than a core has", () => {
  it("is declared unfit, naming the input axons, although the neuron the pre-check tries fits; compiled for those cores, it is split and fits", () => {
    // 200 inputs, a core of 204 input axons: a neuron with all 200 inputs plus its clock axons does not fit; the middle
    // neuron has 20 zero weights and does.
    const IN = 200;
    const b = new AnnBuilder([IN], 5);
    b.dense(b.relu(b.dense(b.input, 64)), 3);
    const g = b.build();
    const fc0 = g.nodes.find((m) => m.kind === "dense") as DenseNode;
    for (let j = 0; j < 20; j++) fc0.weight[32 * IN + j] = 0;
    const dir = scratchDir("axons-");
    const file = join(dir, "small-axons.xml");
    const xml = readFileSync(join("targets", "loihi2.xml"), "utf8").replace('<maxInputAxons value="4096"', '<maxInputAxons value="204"');
    writeFileSync(file, xml);
    const n = 16;
    const r = rng(4);
    const x = Float64Array.from({ length: n * IN }, () => r());
    const calib = { shape: [n, IN], dtype: "<f8", data: x };
    // Lowered for loihi2's cores (no layer split), then placed on the small ones.
    const compiled = compileGraph(g, calib, n, "calib", { target: "loihi2", ticks: 8, hardwareSamples: n });
    const p = place(compiled.hw!.net, loadTarget(file));
    expect(p.fits).toBe(false);
    expect(p.problems.map((q) => q.resource)).toEqual(["input axons"]);
    expect(p.problems[0]!.amount).toBeGreaterThan(204);
    // Compiled for the small cores, the layer is summed from partial sums (split-fan-in) and fits.
    const small = compileGraph(g, calib, n, "calib", { target: file, ticks: 8, hardwareSamples: n });
    expect(small.report.passes.find((q) => q.pass === "split-fan-in")?.rewrites).toHaveLength(1);
    expect(small.report.fit!.fits).toBe(true);
  }, 120_000);
});
