/**
 * Approximations of the lowering that must be stated, with numbers (audit 2026-11-27): weights that round to 0 and
 * neurons left with no input weight (one exponent per row: tiny weights next to large ones), channels whose largest
 * calibration activation is below one tick (a much larger channel sets the layer's windows), and the tick search's
 * abandoned budgets (how many of the samples run agreed, not a "<" bound).
 */
import { describe, expect, it } from "vitest";
import { compileGraph } from "../../src/compile.js";
import type { DenseNode } from "../../src/ann/graph.js";
import type { SpikingPopulation } from "../../src/snn/network.js";
import { tickPointText } from "../../src/hw/ticks.js";
import { AnnBuilder, rng } from "../helpers/ann-builder.js";
import { execute } from "../../src/ann/execute.js";
import { normalizeInput } from "../../src/mapping/map.js";
import { inputOf } from "../../src/snn/network.js";
import { deltaAt } from "../../src/hw/passes/lowering.js";
import { simulateExact } from "../../src/sim/exact/simulate.js";

const IN = 8;
const HIDDEN = 6;

function calib(n: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n * IN }, () => r());
}

describe("weights rounded to 0", () => {
  // Hidden neuron 0 has input weights of ~1e-9 next to weights of ~1 in the other neurons of the layer; the readout
  // reads it with large weights, so it matters.
  const b = new AnnBuilder([IN], 4);
  const h = b.relu(b.dense(b.input, HIDDEN));
  b.dense(h, 3);
  const g = b.build();
  const [fc0, fc1] = g.nodes.filter((n) => n.kind === "dense") as DenseNode[];
  for (let j = 0; j < IN; j++) fc0!.weight[j] = 1e-9 * (1 + j);
  fc0!.bias[0] = 0;
  for (let c = 0; c < 3; c++) fc1!.weight[c * HIDDEN] = 3e6 * (c - 1);
  const n = 200;
  const compiled = compileGraph(g, { shape: [n, IN], dtype: "<f8", data: calib(n, 9) }, n, "calib", { target: "loihi2", ticks: 16, hardwareSamples: n });
  const hidden = compiled.net.populations.find((p) => p.kind === "spiking") as SpikingPopulation;

  it("the count per layer equals the count from hw.json's mantissas, and the neuron without input is named", () => {
    const layer = compiled.report.hardware!.layers.find((l) => l.population === hidden.id)!;
    // Independent: nonzero SNN weights whose mantissas are 0 in every synapse group of the projection.
    const w = (hidden.projections[0] as { weight: Float64Array }).weight;
    const groups = compiled.hw!.net.synapses.filter((s) => s.target === hidden.id && s.source === hidden.projections[0]!.source);
    expect(groups.length).toBeGreaterThan(0);
    let zeroed = 0;
    let nonzero = 0;
    const rowsKept = new Set<number>();
    for (let k = 0; k < w.length; k++) {
      if (w[k] === 0) continue;
      nonzero++;
      if (groups.every((s) => s.kind === "dense" && s.weight[k] === 0)) zeroed++;
      else rowsKept.add(Math.floor(k / IN));
    }
    expect(zeroed).toBeGreaterThanOrEqual(IN);
    expect(layer.zeroedWeights).toEqual({ zeroed, nonzero, neuronsLost: HIDDEN - rowsKept.size });
    expect(layer.zeroedWeights!.neuronsLost).toBe(1);
    const note = compiled.report.hardware!.notes.find((s) => s.startsWith("quantize: weights rounded to 0"))!;
    expect(note).toContain(`${hidden.id} ${zeroed} of ${nonzero}, 1 of ${HIDDEN} neurons left with no input weight`);
  });
});

describe("channels below one tick", () => {
  // One hidden neuron with a bias of 1e5 next to neurons of activation ~1: with channel windows floored at 1/8 of the
  // layer's largest, the small ones get ticks far larger than their activations.
  const b = new AnnBuilder([IN], 5);
  const h = b.relu(b.dense(b.input, HIDDEN));
  b.dense(h, 3);
  const g = b.build();
  const fc0 = g.nodes.find((n) => n.kind === "dense") as DenseNode;
  for (let i = 0; i < HIDDEN; i++) fc0.bias[i] = i === 0 ? 1e5 : 0.5;
  const n = 100;
  const x = calib(n, 3);
  const compiled = compileGraph(g, { shape: [n, IN], dtype: "<f8", data: x }, n, "calib", { target: "loihi2", ticks: 8, hardwareSamples: n });
  const hidden = compiled.net.populations.find((p) => p.kind === "spiking") as SpikingPopulation;

  it("are counted against their ticks and stated in the notes", () => {
    // Independent of the lowering's statistics: each neuron's largest activation in the rescaled float ANN (the SNN's
    // units) against its tick length.
    const timing = compiled.hw!.choice.lowered.lowering.timing!.populations.get(hidden.id)!;
    const node = compiled.mapping.annNodeOf.get(hidden.id)!;
    const acts = execute(compiled.mapping.rescaled, normalizeInput(x, inputOf(compiled.net).range), n, { keep: (id) => id === node }).get(node)!;
    let below = 0;
    for (let i = 0; i < HIDDEN; i++) {
      let max = 0;
      for (let s = 0; s < n; s++) max = Math.max(max, acts[s * HIDDEN + i]!);
      if (max > 0 && max < deltaAt(timing, i)) below++;
    }
    expect(below).toBe(HIDDEN - 1);
    const note = compiled.report.hardware!.notes.find((s) => s.includes("below one tick"))!;
    expect(note).toContain(`${hidden.id} ${below} of ${HIDDEN}`);
  });
});

describe("the tick search curve in words", () => {
  it("says how many of the samples run agreed when a budget was abandoned", () => {
    expect(tickPointText({ ticks: 4, agreement: 0, samples: 3, stopped: true })).toBe("4 → stopped: 0 of 3 agree");
    expect(tickPointText({ ticks: 8, agreement: 0.75, samples: 12, stopped: true })).toBe("8 → stopped: 9 of 12 agree");
    expect(tickPointText({ ticks: 16, agreement: 0.979, samples: 300, stopped: false })).toBe("16 → 97.90 %");
    expect(tickPointText({ ticks: 32, agreement: 0, samples: 0, stopped: true, error: "u overflows" })).toBe("32 → does not fit");
  });
});

describe("notes that follow the network (audit 2026-11-28)", () => {
  const b = new AnnBuilder([IN], 5);
  b.dense(b.relu(b.dense(b.input, HIDDEN)), 3);
  const g = b.build();
  const n = 200;
  const data = { shape: [n, IN], dtype: "<f8" as const, data: calib(n, 4) };

  it("b1: the top tick its neurons do not encode, counted on the cycle evaluation's samples; no clock or max-pool lines for what the network lacks", () => {
    const compiled = compileGraph(g, data, n, "calib", { model: "b1", target: "loihi2", ticks: 8, hardwareSamples: n });
    const notes = compiled.hw!.net.notes;
    const top = notes.find((s) => s.startsWith("time: b1 neurons do not encode the top tick"));
    expect(top).toBeDefined();
    const m = /on the (\d+) calibration samples of the cycle evaluation, ([\d,]+) of ([\d,]+) positive hidden activations fell in it/.exec(top!);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(n);
    // Recounted from the exact simulation: activations in ((K − 1 + ½)·δ, (K + ½)·δ] of their layer's window.
    const hidden = compiled.net.populations.find((p) => p.kind === "spiking") as SpikingPopulation;
    const pt = compiled.hw!.choice.lowered.lowering.timing!.populations.get(hidden.id)!;
    const sim = simulateExact(compiled.net, data.data, n, { keep: (id) => id === hidden.id }).times.get(hidden.id)!;
    const K = pt.w2 - pt.w1;
    let inTop = 0;
    let positive = 0;
    for (let i = 0; i < sim.length; i++) {
      const a = hidden.window.tMax - sim[i]!;
      const d = deltaAt(pt, i % HIDDEN);
      if (a > 0) positive++;
      if (a > (K - 0.5) * d && a <= (K + 0.5) * d) inTop++;
    }
    expect([Number(m![2]!.replace(/,/g, "")), Number(m![3]!.replace(/,/g, ""))]).toEqual([inTop, positive]);
    expect(inTop).toBeGreaterThan(0);
    expect(notes.some((s) => s.startsWith("max-pool gates"))).toBe(false);
    expect(notes.some((s) => /\b0 clock neurons/.test(s))).toBe(false);
    expect(notes.some((s) => s.startsWith("extra: no clock neurons or clock/latch synapses"))).toBe(true);
  });

  it("alpha: no top-tick note (it encodes the whole window)", () => {
    const compiled = compileGraph(g, data, n, "calib", { target: "loihi2", ticks: 8, hardwareSamples: n });
    expect(compiled.hw!.net.notes.some((s) => s.includes("top tick"))).toBe(false);
    expect(compiled.hw!.net.notes.some((s) => /^extra: \d+ clock neurons/.test(s))).toBe(true);
  });
});
