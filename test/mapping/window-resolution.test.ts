/**
 * Spike times are absolute float64 values: a layer whose window is tiny against its start time loses digits (found
 * by an audit: verify failed with no reason on a model scaled by 1e-8, and crashed at 1e-17 or on an overflowing
 * B1 window). Such layers are noted (a coarse resolution) or refused (none at all), naming the layer.
 */
import { describe, expect, it } from "vitest";
import type { AnnGraph, LayerNode } from "../../src/ann/graph.js";
import { mapToSnn } from "../../src/mapping/map.js";
import { InputError } from "../../src/util/errors.js";
import { randomMlp, rng } from "../helpers/random-canonical.js";

/** The MLP with its first hidden layer scaled by s and the next layer's weights by 1/s (the same function). */
function scaled(s: number): AnnGraph {
  const g = randomMlp(11, 6, [5], 3);
  const nodes = g.nodes.map((n) => {
    if (n.kind !== "layer") return n;
    const f = n.id === "fc0" ? s : 1 / s;
    const layer: LayerNode = { ...n, terms: n.terms.map((t) => ({ ...t, weight: t.weight.map((w) => w * f) })), bias: n.id === "fc0" ? n.bias.map((b) => b * s) : n.bias };
    return layer;
  });
  return { ...g, nodes };
}

const r = rng(5);
const calib = Float64Array.from({ length: 30 * 6 }, () => r());
const map = (g: AnnGraph, model: "alpha" | "b1", margin = 0.5) => mapToSnn(g, calib, 30, { model, margin, inputRange: { low: 0, high: 1 }, modelFile: "scaled" });

describe("float64 resolution of the windows", () => {
  it.each(["alpha", "b1"] as const)("%s: an ordinary layer gets no note; one scaled by 1e-8 is noted with its resolution", (model) => {
    expect(map(scaled(1), model).net.notes.filter((n) => n.includes("small against its start time"))).toEqual([]);
    const notes = map(scaled(1e-8), model).net.notes.filter((n) => n.includes("small against its start time"));
    expect(notes.length).toBe(1);
    expect(notes[0]).toMatch(/^layer fc0: its window \(.*, X = .*e-9\) is small against its start time \(t = 1\.00000\); float64 spike times resolve its activations to about .*e-8 of the window/);
  });

  it.each(["alpha", "b1"] as const)("%s: a layer scaled by 1e-17 is refused, naming it (it was an internal error)", (model) => {
    let e: unknown;
    try {
      map(scaled(1e-17), model);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toMatch(/^layer 'fc0' \(ONNX fc0 \(Gemm\)\): its largest activation on the calibration data is .*e-1[78], .*float64 spike times cannot tell its activations apart/);
  });

  it("b1: a finite activation near the float64 maximum overflows its window: refused, naming the layer", () => {
    // X ≈ 0.83e308 is finite; the window (1 + 2)·X is not.
    expect(() => map(scaled(1e308), "b1", 2)).toThrow(/^layer .fc0. \(ONNX fc0 \(Gemm\)\): its largest activation on the calibration data is [0-9.]+e\+30[78], so its window \(1 \+ ζ\)·X overflows float64/);
  });

  it("alpha: weights whose rescaling overflows float64 are refused naming the layer (it was an internal NaN error)", () => {
    const g = randomMlp(11, 6, [5, 5], 3);
    const huge: AnnGraph = { ...g, nodes: g.nodes.map((n) => (n.kind === "layer" && n.id !== "logits" ? { ...n, terms: n.terms.map((t) => ({ ...t, weight: t.weight.map((w) => w * 1e200) })) } : n)) };
    expect(() => map(huge, "alpha")).toThrow(/^layer 'fc1' \(ONNX fc1 \(Gemm\)\): its weights, rescaled so that every weight sum stays below 1 .* overflow float64/);
  });
});
