/**
 * split-fan-in: a layer whose neurons read more sources than a core's input axons is summed from partial sums
 * relu(z_k) − relu(−z_k). The rewritten graph computes the same function (float64, ≤ 1e-12 relative), every layer
 * then reads at most the capacity, and, compiled for a target with such cores, the network fits where it did not
 * and its exact SNN still agrees with the ANN on every input.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGraph } from "../../src/compile.js";
import type { AnnGraph, LayerNode } from "../../src/ann/graph.js";
import { layerFanIn, splitFanIn } from "../../src/ann/passes/split-fan-in.js";
import { loadTarget } from "../../src/hw/target/load.js";
import type { Target } from "../../src/hw/target/target.js";
import { LOWERING_INPUTS_PER_NEURON } from "../../src/hw/passes/spiking.js";
import { simulateExact } from "../../src/sim/exact/simulate.js";
import { execute } from "../../src/ann/execute.js";
import { place } from "../../src/place/place.js";
import { exportNir } from "../../src/nir/export.js";
import { interpretTtfs } from "../../src/nir/interpret.js";
import { encodeInput } from "../../src/sim/exact/encode.js";
import { expectSameFunction } from "../helpers/ann-builder.js";
import { randomConvNet, randomMlp, rng } from "../helpers/random-canonical.js";

const shapeOf = (g: AnnGraph) => (id: string) => g.nodes.find((n) => n.id === id)!.shape;
const layers = (g: AnnGraph) => g.nodes.filter((n): n is LayerNode => n.kind === "layer");
const widest = (g: AnnGraph) => Math.max(...layers(g).map((l) => layerFanIn(l, shapeOf(g))));

describe("split-fan-in", () => {
  it("conv net (readout reads conv2 and the input: 96 + 512 inputs): same function and every layer within the capacity", () => {
    const g = randomConvNet(11, 2, 16, 16, 5);
    expect(layerFanIn(layers(g).find((l) => l.id === "logits")!, shapeOf(g))).toBe(96 + 512);
    expect(layerFanIn(layers(g).find((l) => l.id === "conv2")!, shapeOf(g))).toBe(4 * 9);
    for (const capacity of [9, 20, 37, 100, 400, 608]) {
      const { graph, rewrites } = splitFanIn(capacity, "test").rewrite(g);
      splitFanIn(capacity, "test").verify(graph);
      const rel = expectSameFunction(g, graph, { batch: 8, tol: 1e-12 });
      expect(widest(graph)).toBeLessThanOrEqual(capacity);
      const first = rewrites.find((l) => l.startsWith("'logits'"));
      if (capacity >= 608) expect(rewrites).toEqual([]);
      else {
        // Balanced groups: ⌈608 / capacity⌉ of them, one more when a piece's edge does not fall on a share's.
        const groups = Number(/summed from (\d+) partial sums/.exec(first!)![1]);
        expect(groups).toBeGreaterThanOrEqual(Math.ceil(608 / capacity));
        expect(groups).toBeLessThanOrEqual(Math.ceil(608 / capacity) + 1);
      }
      // conv2 reads 4 channels × 9 taps: split only below 36 (and its sum again, a tree, when 2g is still too many).
      expect(rewrites.some((l) => l.startsWith("'conv2'"))).toBe(capacity < 36);
      const added = layers(graph).length - layers(g).length;
      console.log(`capacity ${capacity}: ${rewrites.length} splits, ${added} partial-sum layers, widest layer now ${widest(graph)} inputs, rel. error ${rel.toExponential(1)}`);
    }
  });

  it("property: random conv nets and capacities ≥ one channel's taps: same function, no layer above the capacity", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 9, max: 800 }), (seed, c, capacity) => {
        const g = randomConvNet(seed, c, 8, 8, 3);
        const { graph } = splitFanIn(capacity, "test").rewrite(g);
        splitFanIn(capacity, "test").verify(graph);
        expect(widest(graph)).toBeLessThanOrEqual(capacity);
        expectSameFunction(g, graph, { batch: 3, tol: 1e-12, seed });
      }),
      { numRuns: 60, seed: 4242 },
    );
  });

  it("a padded conv's border taps are not counted: 3×3 on a 1×1 map reads one tap per channel", () => {
    const g = randomMlp(2, 8, [6], 3);
    const conv: AnnGraph = {
      ...g,
      nodes: [
        { kind: "input", id: "x", inputs: [], shape: [40, 1, 1], origin: [] },
        {
          kind: "layer", id: "c", inputs: ["x"], shape: [3, 1, 1], origin: [{ name: "c", op: "Conv" }], relu: false, bias: new Float64Array(3),
          terms: [{ kind: "conv", source: "x", weight: new Float64Array(3 * 40 * 9).fill(0.1), group: 1, kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1] }],
        },
      ],
      output: "c",
    };
    expect(layerFanIn(conv.nodes[1] as LayerNode, shapeOf(conv))).toBe(40);
    expect(splitFanIn(40, "test").rewrite(conv).rewrites).toEqual([]);
    const { graph } = splitFanIn(16, "test").rewrite(conv);
    expect(widest(graph)).toBeLessThanOrEqual(16);
    expectSameFunction(conv, graph, { tol: 1e-12 });
  });

  it("compiled for cores of 200 input axons, a network that did not fit fits, and its SNN is still exact", () => {
    const g = randomConvNet(12, 1, 16, 16, 4);
    const r = rng(13);
    const n = 24;
    const data = Float64Array.from({ length: n * 256 }, () => r());
    const calib = { shape: [n, 1, 16, 16], dtype: "<f8", data };
    const loihi2 = loadTarget("loihi2");
    const small: Target = { ...loihi2, id: "axons200", coreClasses: [{ ...loihi2.coreClasses[0]!, maxInputAxons: 200 }] };
    const opts = { inputRange: { low: 0, high: 1 }, ticks: 16, hardwareSamples: n };
    const plain = compileGraph(g, calib, n, "random.npy", { ...opts, target: { ...small, coreClasses: [{ ...small.coreClasses[0]!, maxInputAxons: 1 << 20 }] } });
    // The same network without the split: its readout (96 + 256 inputs) fits no core of 200 axons.
    const unsplit = place(plain.hw!.net, small);
    expect(unsplit.problems.map((p) => p.resource)).toEqual(["input axons"]);
    const split = compileGraph(g, calib, n, "random.npy", { ...opts, target: small });
    const pass = split.report.passes.find((p) => p.pass === "split-fan-in");
    expect(pass?.rewrites).toHaveLength(1);
    expect(pass!.rewrites[0]).toMatch(/'logits' \(fc \(Gemm\)\): a neuron reads up to 352 inputs.*\(192 after clock and latch\).*2 partial sums/);
    expect(split.hw!.placement.problems).toEqual([]);
    expect(split.hw!.placement.fits).toBe(true);
    for (const c of split.hw!.placement.cores) expect(c.used["input axons"]).toBeLessThanOrEqual(200);
    expect(200 - LOWERING_INPUTS_PER_NEURON).toBe(192);
    // Exact SNN of the split network vs the float64 ANN it came from, on unseen inputs in range.
    const x = Float64Array.from({ length: 50 * 256 }, () => 0.9 * r());
    const ann = execute(g, x, 50).get("logits")!;
    const snn = simulateExact(split.net, x, 50).logits;
    let maxAbs = 0;
    let maxDiff = 0;
    for (let i = 0; i < ann.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(ann[i]!));
      maxDiff = Math.max(maxDiff, Math.abs(ann[i]! - snn[i]!));
    }
    console.log(`split network: max |Δlogit| ${maxDiff.toExponential(2)} of max |logit| ${maxAbs.toFixed(3)}; latency ${plain.report.totals.latency.toFixed(2)} → ${split.report.totals.latency.toFixed(2)} input windows; cycle agreement ${split.hw!.choice.evaluation.agreement}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-9 * maxAbs);
    expect(split.report.totals.latency).toBeGreaterThan(plain.report.totals.latency);
    // Synapses in the report: each partial sum (positive and negative part) counts its group's inputs, not the whole
    // layer's (audit: every part showed the unsplit layer's count), so the parts hold the layer's synapses twice.
    const whole = plain.report.layers.at(-1)!.synapses;
    const parts = split.report.layers.filter((l) => /\/part\d+_(pos|neg)$/.test(l.population));
    expect(parts).toHaveLength(4);
    expect(parts.reduce((a, l) => a + l.synapses, 0)).toBe(2 * whole);
    for (const l of parts) expect(l.synapses).toBeLessThan(whole);
    // The parts carry the bias, the sum reads plain identity connections: NIR writes it, and NIR's own semantics
    // (our interpreter of the written graph) give the exact simulator's logits.
    const input = split.net.populations[0]!;
    if (input.kind !== "input") throw new Error("no input population");
    const nir = interpretTtfs(exportNir(split.net), encodeInput(input, split.net.model, x.subarray(0, 10 * 256)).times, 10);
    for (let i = 0; i < nir.length; i++) expect(Math.abs(nir[i]! - snn[i]!)).toBeLessThanOrEqual(1e-9 * maxAbs);
  }, 120_000);
});
