import { describe, expect, test } from "vitest";
import { canonicalize } from "../../src/ann/canonicalize.js";
import { isCanonical, type AnnGraph, type LayerNode, type MaxPoolNode } from "../../src/ann/graph.js";
import { factorNonNegative } from "../../src/ann/passes/factor-nonnegative.js";
import { foldAffineForward } from "../../src/ann/passes/fold-affine-forward.js";
import { mergeLinear } from "../../src/ann/passes/merge-linear.js";
import { toLayers } from "../../src/ann/passes/to-layers.js";
import { InputError } from "../../src/util/errors.js";
import { AnnBuilder, expectSameFunction } from "../helpers/ann-builder.js";

const range = { low: 0, high: 1 };
const layers = (g: AnnGraph) => g.nodes.filter((n): n is LayerNode => n.kind === "layer");

/** Sub/Div input normalization as a per-channel affine: (x − μ)/s. */
function normalized(b: AnnBuilder, s: number[]): string {
  const c = b.shape(b.input)[0];
  const mu = Float64Array.from({ length: c }, (_, i) => 0.4 + 0.05 * i);
  return b.affine(b.input, "channel", Float64Array.from(s, (v) => 1 / v), Float64Array.from(s, (v, i) => -mu[i] / v), "Div");
}

describe("factor-nonnegative", () => {
  test("normalization → average pool (count_include_pad=0, pads 1) → padded conv: the pool is a ReLU layer, exact", () => {
    const b = new AnnBuilder([2, 7, 7], 3);
    const p = b.avgpool(normalized(b, [0.25, 0.5]), { kernel: 3, stride: 2, pads: 1, countIncludePad: false });
    b.dense(b.flatten(b.relu(b.bn(b.conv(p, 3, { pads: 1 })))), 2);
    const g = b.build();
    const { graph, log } = canonicalize(g, { inputRange: range });
    expect(isCanonical(graph)).toBe(true);
    expect(log.map((l) => l.pass)).toContain("factor-nonnegative");
    const pool = layers(graph)[0];
    expect(pool.terms.map((t) => t.kind)).toEqual(["avgpool"]);
    expect(pool.relu).toBe(true);
    // count_include_pad=0: the average of a constant is that constant, so the bias left in the pool layer is 0.
    expect(Math.max(...pool.bias.map(Math.abs))).toBeLessThan(1e-12);
    expect(layers(graph)).toHaveLength(3);
    expectSameFunction(g, graph, { range });
  });

  test("count_include_pad=1 (position-dependent shift) → max pool, negative scales (min pools): exact", () => {
    const b = new AnnBuilder([2, 6, 6], 5);
    const p = b.avgpool(normalized(b, [-0.3, 0.5]), { kernel: 3, stride: 1, pads: 1, countIncludePad: true });
    b.dense(b.flatten(b.relu(b.conv(b.maxpool(p), 2, { pads: 1 }))), 3);
    const g = b.build();
    const { graph } = canonicalize(g, { inputRange: { low: -1, high: 2 } });
    expect(isCanonical(graph)).toBe(true);
    const pool = graph.nodes.find((n): n is MaxPoolNode => n.kind === "maxpool")!;
    expect(Array.from(pool.channelSign)).toEqual([-1, 1]);
    // The rectified pool layer keeps the position-dependent part of the shift, ≥ 0 and 0 at its minimum.
    const rectified = layers(graph)[0];
    expect(rectified.relu).toBe(true);
    expect(Math.min(...rectified.bias)).toBe(0);
    expect(Math.max(...rectified.bias)).toBeGreaterThan(0);
    expectSameFunction(g, graph, { range: { low: -1, high: 2 } });
  });

  test("an Add of two ReLU layers with a negative shift, before a padded conv: exact", () => {
    const b = new AnnBuilder([2, 6, 6], 9);
    const r1 = b.relu(b.conv(b.input, 2, { pads: 1 }));
    const r2 = b.relu(b.conv(b.input, 2, { kernel: 1 }));
    const s = b.affine(b.add(r1, r2), "channel", Float64Array.of(0.7, 1.3), Float64Array.of(-0.5, -0.2));
    b.dense(b.flatten(b.relu(b.conv(s, 2, { pads: 1 }))), 2);
    const g = b.build();
    const { graph } = canonicalize(g);
    expect(isCanonical(graph)).toBe(true);
    expectSameFunction(g, graph);
  });

  test("signed sources or mixed-sign weights are left alone (the InputError stays)", () => {
    const b = new AnnBuilder([2, 6, 6]);
    b.dense(b.flatten(b.relu(b.conv(b.conv(b.input, 2, { pads: 1 }), 2, { pads: 1 }))), 2);
    const g = b.build();
    const pass = factorNonNegative({ inputNonNegative: true });
    let h = g;
    for (const p of [toLayers, foldAffineForward, mergeLinear]) h = p.rewrite(h).graph;
    expect(pass.rewrite(h).rewrites).toHaveLength(0); // the first conv has weights of both signs
    expect(() => canonicalize(g, { inputRange: range })).toThrow(InputError);
    const s = new AnnBuilder([2, 6, 6]);
    s.dense(s.flatten(s.relu(s.conv(s.avgpool(s.conv(s.input, 2, { pads: 1 }), { kernel: 3, stride: 1, pads: 1 }), 2, { pads: 1 }))), 2);
    expect(() => canonicalize(s.build(), { inputRange: range })).toThrow(InputError); // the pool reads a signed conv
  });
});
