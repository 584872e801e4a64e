import { describe, expect, test } from "vitest";
import type { AnnGraph, AnnNode, LayerNode } from "../../src/ann/graph.js";
import { addReadout } from "../../src/ann/passes/add-readout.js";
import type { AnnPass } from "../../src/ann/passes/ann-pass.js";
import { dropSoftmax } from "../../src/ann/passes/drop-softmax.js";
import { foldAffineBackward } from "../../src/ann/passes/fold-affine-backward.js";
import { foldAffineForward } from "../../src/ann/passes/fold-affine-forward.js";
import { materializeRelu } from "../../src/ann/passes/materialize-relu.js";
import { mergeLinear } from "../../src/ann/passes/merge-linear.js";
import { pushAffineThroughMaxpool } from "../../src/ann/passes/push-affine-through-maxpool.js";
import { rectifyNonNegative } from "../../src/ann/passes/rectify-nonnegative.js";
import { removeDead } from "../../src/ann/passes/remove-dead.js";
import { reorderMaxpoolRelu } from "../../src/ann/passes/reorder-maxpool-relu.js";
import { splitAtConcat } from "../../src/ann/passes/split-at-concat.js";
import { toLayers } from "../../src/ann/passes/to-layers.js";
import { InputError } from "../../src/util/errors.js";
import { AnnBuilder, expectSameFunction } from "../helpers/ann-builder.js";

/** Runs the passes in order (each verified), returning the graph and all rewrite lines. */
function run(graph: AnnGraph, ...passes: AnnPass[]): { graph: AnnGraph; lines: string[] } {
  let g = graph;
  const lines: string[] = [];
  for (const p of passes) {
    const r = p.rewrite(g);
    p.verify(r.graph);
    g = r.graph;
    lines.push(...r.rewrites);
  }
  return { graph: g, lines };
}

const kinds = (g: AnnGraph) => g.nodes.map((n) => n.kind);
const node = (g: AnnGraph, id: string): AnnNode => g.nodes.find((n) => n.id === id)!;
const layers = (g: AnnGraph) => g.nodes.filter((n): n is LayerNode => n.kind === "layer");

describe("drop-softmax", () => {
  test("a final softmax is removed and noted", () => {
    const b = new AnnBuilder([6]);
    const d = b.dense(b.input, 4);
    b.softmax(d);
    const g = b.build();
    const r = run(g, dropSoftmax);
    expect(kinds(r.graph)).toEqual(["input", "dense"]);
    expect(r.graph.output).toBe(d);
    expect(r.graph.notes.join()).toMatch(/Softmax/);
    expectSameFunction(g, r.graph);
  });

  test("an inner softmax is an InputError naming it", () => {
    const b = new AnnBuilder([6]);
    const s = b.softmax(b.dense(b.input, 4));
    b.dense(s, 2);
    expect(() => run(b.build(), dropSoftmax)).toThrow(/'\/softmax2' \(Softmax\) is not the last op/);
  });
});

describe("reorder-maxpool-relu", () => {
  test("relu(maxpool(x)) becomes maxpool(relu(x)), also with ceil mode and padding", () => {
    const b = new AnnBuilder([2, 7, 7]);
    const c = b.conv(b.input, 3, { pads: 1 });
    b.relu(b.maxpool(c, { kernel: 3, stride: 2, pads: 1, ceilMode: true }));
    const g = b.build();
    const r = run(g, reorderMaxpoolRelu);
    expect(kinds(r.graph)).toEqual(["input", "conv", "relu", "maxpool"]);
    expect(r.lines).toHaveLength(1);
    expectSameFunction(g, r.graph);
  });

  test("a pool with another reader stays for it", () => {
    const b = new AnnBuilder([2, 6, 6]);
    const p = b.maxpool(b.conv(b.input, 2, { pads: 1 }));
    b.add(b.relu(p), p);
    const g = b.build();
    const r = run(g, reorderMaxpoolRelu);
    expect(kinds(r.graph).filter((k) => k === "maxpool")).toHaveLength(2);
    expectSameFunction(g, r.graph);
  });
});

describe("to-layers", () => {
  test("conv + relu, avgpool, global pool, add, dense become layers; flatten is absorbed", () => {
    const b = new AnnBuilder([3, 8, 8]);
    const c = b.relu(b.conv(b.input, 4, { pads: 1, stride: 2, dilation: 1 }));
    const a = b.avgpool(c, { kernel: 3, stride: 1, pads: 1, countIncludePad: true });
    const s = b.add(a, c);
    const gap = b.globalAvgPool(s);
    const d = b.dense(b.flatten(gap), 5);
    const g = b.build();
    const r = run(g, toLayers);
    expect(kinds(r.graph)).toEqual(["input", "layer", "layer", "layer", "layer", "layer"]);
    const conv = node(r.graph, "conv1") as LayerNode;
    expect(conv.relu).toBe(true);
    expect(conv.bias).toHaveLength(4 * 4 * 4);
    expect((node(r.graph, s) as LayerNode).terms.map((t) => t.kind)).toEqual(["identity", "identity"]);
    expect((node(r.graph, d) as LayerNode).terms[0].source).toBe(gap);
    expectSameFunction(g, r.graph);
  });

  test("a relu after a layer whose pre-activation is read elsewhere fuses into a copy", () => {
    const b = new AnnBuilder([5]);
    const d = b.dense(b.input, 4);
    b.add(b.relu(d), d);
    const g = b.build();
    const r = run(g, toLayers);
    expect(layers(r.graph).map((l) => l.relu)).toEqual([false, true, false]);
    expectSameFunction(g, r.graph);
  });
});

describe("fold-affine-backward (BN before ReLU, Eqs. 7–8)", () => {
  test("per-channel BN with negative and zero scales folds into a grouped, strided conv", () => {
    const b = new AnnBuilder([4, 9, 9]);
    const c = b.conv(b.input, 6, { group: 2, stride: 2, pads: [1, 0, 2, 1], dilation: 2 });
    b.relu(b.bn(c, { negative: true, zero: true }));
    const g = b.build();
    const r = run(g, toLayers, foldAffineBackward, toLayers, removeDead);
    expect(kinds(r.graph)).toEqual(["input", "layer"]);
    expect((r.graph.nodes[1] as LayerNode).relu).toBe(true);
    expect(r.graph.nodes[1].origin.map((o) => o.op)).toEqual(["Conv", "BatchNormalization", "Relu"]);
    expectSameFunction(g, r.graph);
  });

  test("an element-wise affine folds into a dense layer; a scalar one into an Add", () => {
    const b = new AnnBuilder([6]);
    const d = b.affine(b.dense(b.input, 6), "element");
    b.relu(b.affine(b.add(d, b.input), "scalar"));
    const g = b.build();
    const r = run(g, toLayers, foldAffineBackward, toLayers, removeDead);
    expect(kinds(r.graph)).not.toContain("affine");
    expectSameFunction(g, r.graph);
  });

  test("a shared layer is copied only when the affine feeds a ReLU", () => {
    const b = new AnnBuilder([3, 5, 5]);
    const c = b.conv(b.input, 3, { pads: 1 });
    const pre = b.relu(b.bn(c));
    b.add(pre, c);
    const g = b.build();
    const r = run(g, toLayers, foldAffineBackward, toLayers);
    expect(r.lines.join()).toMatch(/copy/);
    expect(kinds(r.graph)).not.toContain("affine");
    expectSameFunction(g, r.graph);
  });
});

describe("push-affine-through-maxpool (MaxMinPool)", () => {
  test("negative scales turn channels into min pools; zero scales give the constant shift", () => {
    const b = new AnnBuilder([3, 8, 8]);
    const a = b.bn(b.relu(b.conv(b.input, 4, { pads: 1 })), { negative: true, zero: true });
    b.maxpool(a, { kernel: 3, stride: 2, pads: 1 });
    const g = b.build();
    const r = run(g, pushAffineThroughMaxpool);
    expect(kinds(r.graph)).toEqual(["input", "conv", "relu", "maxpool", "affine"]);
    const pool = r.graph.nodes[3];
    if (pool.kind !== "maxpool") throw new Error();
    const bn = g.nodes.find((n) => n.kind === "affine")!;
    if (bn.kind !== "affine") throw new Error();
    expect(Array.from(pool.channelSign)).toEqual(Array.from(bn.scale).map((k) => (k < 0 ? -1 : 1)));
    expect(pool.channelSign).toContain(-1);
    expectSameFunction(g, r.graph);
  });

  test("a scalar affine (input range) is pushed too; an element-wise one is not", () => {
    const b = new AnnBuilder([2, 6, 6]);
    b.maxpool(b.affine(b.input, "scalar", Float64Array.of(-2), Float64Array.of(0.5)));
    const g = b.build();
    const r = run(g, pushAffineThroughMaxpool);
    expect(kinds(r.graph)).toEqual(["input", "maxpool", "affine"]);
    expectSameFunction(g, r.graph);
    const e = new AnnBuilder([2, 6, 6]);
    e.maxpool(e.affine(e.input, "element"));
    expect(run(e.build(), pushAffineThroughMaxpool).lines).toHaveLength(0);
  });
});

describe("fold-affine-forward (BN after ReLU, zero-padding border correction)", () => {
  // Kernel, stride, dilation and padding the paper's correction (3×3, stride 1, pad 1 only) does not cover.
  const geometries = [
    { kernel: 3, stride: 1, pads: 1 },
    { kernel: 5, stride: 2, pads: [2, 1, 0, 2] as [number, number, number, number] },
    { kernel: [2, 3] as [number, number], stride: [1, 2] as [number, number], pads: [0, 2, 1, 1] as [number, number, number, number], dilation: 2 },
  ];
  for (const geo of geometries)
    test(`BN after ReLU folds into a padded conv ${JSON.stringify(geo)} with a position-dependent bias`, () => {
      const b = new AnnBuilder([3, 9, 9]);
      const a = b.bn(b.relu(b.conv(b.input, 4, { pads: 1 })), { negative: true });
      b.conv(a, 5, geo);
      const g = b.build();
      const r = run(g, toLayers, foldAffineForward, removeDead);
      expect(kinds(r.graph)).toEqual(["input", "layer", "layer"]);
      const last = r.graph.nodes[2] as LayerNode;
      // The border correction shows as different biases within one channel.
      const [, h, w] = last.shape;
      const ch0 = Array.from(last.bias.slice(0, h * w));
      expect(new Set(ch0.map((v) => v.toFixed(12))).size).toBeGreaterThan(1);
      expectSameFunction(g, r.graph);
    });

  test("an affine folds through a flatten into a dense layer (scale tiled over positions) and into avgpool/identity terms", () => {
    const b = new AnnBuilder([3, 4, 4]);
    const a = b.bn(b.relu(b.conv(b.input, 2, { pads: 1 })));
    const p = b.avgpool(a, { kernel: 2, stride: 2, pads: 1, countIncludePad: false });
    const q = b.add(b.bn(b.relu(b.conv(p, 2, { kernel: 1 }))), p);
    b.dense(b.flatten(b.relu(q)), 3);
    const g = b.build();
    const r = run(g, toLayers, foldAffineForward, removeDead);
    expect(kinds(r.graph)).not.toContain("affine");
    expectSameFunction(g, r.graph);
  });

  test("an element-wise affine folds into dense; into a conv it is an InputError naming both nodes", () => {
    const b = new AnnBuilder([2, 4, 4]);
    b.dense(b.flatten(b.affine(b.input, "element")), 3);
    const g = b.build();
    const r = run(g, toLayers, foldAffineForward, removeDead);
    expect(kinds(r.graph)).toEqual(["input", "layer"]);
    expectSameFunction(g, r.graph);
    const e = new AnnBuilder([2, 4, 4]);
    e.conv(e.affine(e.input, "element"), 3, { pads: 1 });
    expect(() => run(e.build(), toLayers, foldAffineForward)).toThrow(InputError);
    expect(() => run(e.build(), toLayers, foldAffineForward)).toThrow(/'\/mul1' \(Mul\).*'\/conv2' \(Conv\)/);
  });

  test("an element-wise affine whose scale is constant per channel folds into a padded conv; a varying one names both nodes and the fix", () => {
    const b = new AnnBuilder([2, 4, 4]);
    const scale = Float64Array.from({ length: 32 }, (_, i) => (i < 16 ? 0.5 : -2));
    b.conv(b.affine(b.input, "element", scale), 3, { pads: 1 });
    const g = b.build();
    const r = run(g, toLayers, foldAffineForward, removeDead);
    expect(kinds(r.graph)).toEqual(["input", "layer"]);
    expectSameFunction(g, r.graph);
    const e = new AnnBuilder([2, 4, 4]);
    const varying = Float64Array.from({ length: 32 }, (_, i) => 1 + (i === 21 ? 1 : 0));
    e.avgpool(e.affine(e.input, "element", varying), { kernel: 2 });
    expect(() => run(e.build(), toLayers, foldAffineForward)).toThrow(
      /'\/mul1' \(Mul\) scales its input \[2,4,4\] .*in channel 1 it is 1 at \(y 0, x 0\) but 2 at \(y 1, x 1\).*'\/averagepool2' \(AveragePool\) reads it through an average pool/,
    );
    expect(() => run(e.build(), toLayers, foldAffineForward)).toThrow(InputError);
    try {
      run(e.build(), toLayers, foldAffineForward);
    } catch (err) {
      expect((err as InputError).hint).toMatch(/one scale per channel \(a constant of shape \[1, 2, 1, 1\]\)/);
    }
  });

  test("two affines in a row compose", () => {
    const b = new AnnBuilder([2, 4, 4]);
    b.conv(b.affine(b.affine(b.input, "scalar"), "channel"), 2, { pads: 1 });
    const g = b.build();
    const r = run(g, toLayers, foldAffineForward, removeDead);
    expect(kinds(r.graph)).toEqual(["input", "layer"]);
    expectSameFunction(g, r.graph);
  });
});

describe("merge-linear", () => {
  test("dense ∘ dense and dense ∘ flatten ∘ conv merge into one dense layer", () => {
    const b = new AnnBuilder([2, 5, 5]);
    const c = b.conv(b.input, 3, { pads: 1, stride: 2 });
    b.dense(b.dense(b.flatten(c), 6), 4);
    const g = b.build();
    const r = run(g, toLayers, mergeLinear, removeDead);
    expect(kinds(r.graph)).toEqual(["input", "layer"]);
    expect((r.graph.nodes[1] as LayerNode).terms[0].kind).toBe("dense");
    expectSameFunction(g, r.graph);
  });

  test("the ResNet head: global pool → flatten → dense is one dense layer with W/(H·W) tiled", () => {
    const b = new AnnBuilder([3, 4, 5]);
    const d = b.dense(b.flatten(b.globalAvgPool(b.relu(b.conv(b.input, 2, { pads: 1 })))), 3);
    const g = b.build();
    const r = run(g, toLayers, mergeLinear, removeDead);
    expect(kinds(r.graph)).toEqual(["input", "layer", "layer"]);
    const head = node(r.graph, d) as LayerNode;
    const orig = g.nodes.find((n) => n.id === d)!;
    if (orig.kind !== "dense") throw new Error();
    expect(head.terms[0].weight[0]).toBeCloseTo(orig.weight[0] / 20, 14);
    expect(head.terms[0].weight[19]).toBeCloseTo(orig.weight[0] / 20, 14);
    expectSameFunction(g, r.graph);
  });

  test("conv ∘ conv merges when the second has no padding or the first is pointwise", () => {
    const b = new AnnBuilder([3, 9, 9]);
    const c1 = b.conv(b.input, 4, { kernel: 3, stride: 2, pads: 1, dilation: 1 });
    const c2 = b.conv(c1, 5, { kernel: 2, stride: 1, dilation: 2, group: 1 });
    const c3 = b.conv(b.relu(c2), 6, { kernel: 1, group: 1 });
    b.conv(c3, 4, { kernel: 3, pads: 1, stride: 2, group: 2 });
    const g = b.build();
    const r = run(g, toLayers, mergeLinear, removeDead);
    expect(kinds(r.graph)).toEqual(["input", "layer", "layer"]);
    expectSameFunction(g, r.graph);
  });

  test("a residual block inlines its linear branches into the Add", () => {
    const b = new AnnBuilder([4, 6, 6]);
    const x = b.relu(b.conv(b.input, 4, { pads: 1 }));
    const f = b.bn(b.conv(b.relu(b.bn(b.conv(x, 4, { pads: 1 }))), 4, { pads: 1 }));
    const s = b.bn(b.conv(x, 4, { kernel: 1 }));
    b.relu(b.add(f, s, x));
    const g = b.build();
    const r = run(g, toLayers, foldAffineBackward, toLayers, mergeLinear, removeDead);
    expect(kinds(r.graph)).toEqual(["input", "layer", "layer", "layer"]);
    expect(layers(r.graph)[2].terms.map((t) => t.kind)).toEqual(["conv", "conv", "identity"]);
    expectSameFunction(g, r.graph);
  });

  test("conv ∘ conv with padding on both is left alone (no exact merge)", () => {
    const b = new AnnBuilder([2, 6, 6]);
    b.conv(b.conv(b.input, 2, { pads: 1 }), 2, { pads: 1 });
    const r = run(b.build(), toLayers, mergeLinear);
    expect(r.lines.filter((l) => l.includes("merged"))).toHaveLength(0);
  });
});

describe("split-at-concat", () => {
  test("relu, BN and max pool apply per part; a conv reading the concat splits its (grouped) weights", () => {
    const b = new AnnBuilder([3, 8, 8]);
    const a = b.conv(b.input, 2, { pads: 1 });
    const c = b.conv(b.input, 4, { pads: 1 });
    const cat = b.relu(b.bn(b.concat(a, c), { negative: true }));
    b.conv(b.maxpool(cat), 4, { pads: 1, group: 2 });
    const g = b.build();
    const r = run(g, toLayers, splitAtConcat, removeDead);
    expect(kinds(r.graph)).not.toContain("concat");
    expect(kinds(r.graph).filter((k) => k === "maxpool")).toHaveLength(2);
    expectSameFunction(g, r.graph);
  });

  test("a dense layer after flatten(concat) reads each part with its own column block", () => {
    const b = new AnnBuilder([2, 3, 3]);
    const p = b.relu(b.conv(b.input, 2, { pads: 1 }));
    const q = b.relu(b.conv(b.input, 3, { kernel: 1 }));
    b.dense(b.flatten(b.concat(p, b.concat(q, p))), 4);
    const g = b.build();
    const r = run(g, toLayers, splitAtConcat, removeDead);
    expect(kinds(r.graph)).toEqual(["input", "layer", "layer", "layer"]);
    expect(layers(r.graph)[2].terms).toHaveLength(3);
    expectSameFunction(g, r.graph);
  });
});

describe("fallbacks", () => {
  test("materialize-relu: relu of an unfoldable affine becomes an identity layer", () => {
    const b = new AnnBuilder([2, 6, 6]);
    b.conv(b.relu(b.bn(b.maxpool(b.relu(b.conv(b.input, 2, { pads: 1 }))), { negative: true })), 2, { pads: 1 });
    const g = b.build();
    const r = run(g, toLayers, materializeRelu, foldAffineForward, removeDead);
    expect(kinds(r.graph)).toEqual(["input", "layer", "maxpool", "layer", "layer"]);
    expect(layers(r.graph)[1].terms[0].kind).toBe("identity");
    expectSameFunction(g, r.graph);
  });

  test("rectify-nonnegative: an average pool before a padded conv becomes a ReLU layer; a signed one does not", () => {
    const b = new AnnBuilder([2, 6, 6]);
    const p = b.avgpool(b.relu(b.conv(b.input, 2, { pads: 1 })), { kernel: 3, stride: 1, pads: 1 });
    b.conv(p, 2, { pads: 1 });
    const g = b.build();
    const pass = rectifyNonNegative({ inputNonNegative: false });
    const r = run(g, toLayers, mergeLinear, pass);
    expect(node(r.graph, p)).toMatchObject({ kind: "layer", relu: true });
    expectSameFunction(g, r.graph);
    const e = new AnnBuilder([2, 6, 6]);
    e.conv(e.avgpool(e.conv(e.input, 2, { pads: 1 }), { kernel: 3, stride: 1, pads: 1 }), 2, { pads: 1 });
    expect(run(e.build(), toLayers, mergeLinear, pass).lines.filter((l) => l.includes("≥ 0"))).toHaveLength(0);
  });

  test("add-readout: a model ending in a max pool gets an identity readout layer", () => {
    const b = new AnnBuilder([2, 6, 6]);
    b.maxpool(b.relu(b.conv(b.input, 2, { pads: 1 })));
    const g = b.build();
    const r = run(g, toLayers, addReadout);
    expect(node(r.graph, r.graph.output)).toMatchObject({ kind: "layer", relu: false });
    expectSameFunction(g, r.graph);
  });
});

describe("remove-dead", () => {
  test("nodes that do not reach the output are removed", () => {
    const b = new AnnBuilder([4]);
    const d = b.dense(b.input, 3);
    b.dense(b.input, 2);
    const g = b.build(d);
    const r = run(g, removeDead);
    expect(kinds(r.graph)).toEqual(["input", "dense"]);
    expectSameFunction(g, r.graph);
  });
});
