import { describe, expect, test } from "vitest";
import { canonicalize } from "../../src/ann/canonicalize.js";
import { execute } from "../../src/ann/execute.js";
import { isCanonical, product, type AnnGraph, type LayerNode } from "../../src/ann/graph.js";
import { readNpy } from "../../src/io/npy.js";
import { importOnnx } from "../../src/onnx/import.js";
import { InputError } from "../../src/util/errors.js";
import { AnnBuilder, expectSameFunction } from "../helpers/ann-builder.js";

describe("canonicalize", () => {
  test("the input range folds into the first conv with its border correction; the log names the ONNX nodes", () => {
    const b = new AnnBuilder([2, 6, 6]);
    b.dense(b.flatten(b.maxpool(b.relu(b.bn(b.conv(b.input, 3, { pads: 1 }), { negative: true })))), 4);
    const g = b.build();
    const range = { low: -3, high: 3 };
    const { graph, log } = canonicalize(g, { inputRange: range });
    expect(graph.nodes.map((n) => n.kind)).toEqual(["input", "layer", "maxpool", "layer"]);
    expect(log.map((l) => l.pass)).toContain("input-range");
    expect(log.flatMap((l) => l.rewrites).join("\n")).toMatch(/'\/batchnormalization2' \(BatchNormalization\) folded into '\/conv1' \(Conv\)/);
    const first = graph.nodes[1] as LayerNode;
    expect(first.origin.map((o) => o.op).sort()).toEqual(["BatchNormalization", "Conv", "InputRange", "Relu"]);
    expectSameFunction(g, graph, { range });
  });

  test("the input range [0, 1] changes nothing", () => {
    const b = new AnnBuilder([5]);
    b.dense(b.relu(b.dense(b.input, 4)), 3);
    const g = b.build();
    const { graph } = canonicalize(g, { inputRange: { low: 0, high: 1 } });
    expect((graph.nodes[1] as LayerNode).terms[0].weight).toEqual((g.nodes[1] as { weight: Float64Array }).weight);
  });

  test("a model ending in a ReLU keeps relu=true on the readout and says so", () => {
    const b = new AnnBuilder([5]);
    b.relu(b.dense(b.input, 3));
    const { graph } = canonicalize(b.build());
    expect(graph.nodes[1]).toMatchObject({ kind: "layer", relu: true });
    expect(graph.notes.join()).toMatch(/ends in a ReLU/);
  });

  test("two padded convs with nothing between them: an InputError naming both and why", () => {
    const b = new AnnBuilder([2, 6, 6]);
    b.dense(b.flatten(b.relu(b.conv(b.conv(b.input, 2, { pads: 1 }), 2, { pads: 1 }))), 2);
    const err = (() => {
      try {
        canonicalize(b.build());
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/'\/conv1' \(Conv\) and '\/conv2' \(Conv\).*zero padding/);
  });

  test("a max pool over signed values is an InputError naming the conv and the pool", () => {
    const b = new AnnBuilder([2, 6, 6]);
    b.dense(b.flatten(b.maxpool(b.conv(b.input, 2, { pads: 1 }))), 2);
    expect(() => canonicalize(b.build())).toThrow(/'\/conv1' \(Conv\) has no ReLU after it .* feeds '\/maxpool2' \(MaxPool\)/);
    const c = new AnnBuilder([2, 6, 6]);
    c.dense(c.flatten(c.maxpool(c.input)), 2);
    expect(() => canonicalize(c.build())).toThrow(/MaxPool '\/maxpool1' \(MaxPool\) pools values that can be negative/);
  });

  test("pre-activation ResNet: BN → ReLU after an Add that also feeds the next Add", () => {
    const b = new AnnBuilder([3, 6, 6]);
    let x = b.conv(b.input, 3, { pads: 1 });
    for (let i = 0; i < 2; i++) {
      const f = b.conv(b.relu(b.bn(b.conv(b.relu(b.bn(x, { negative: true })), 3, { pads: 1 }))), 3, { pads: 1 });
      x = b.add(x, f);
    }
    b.dense(b.flatten(b.globalAvgPool(b.relu(b.bn(x)))), 4);
    const g = b.build();
    const { graph } = canonicalize(g, { inputRange: { low: -1, high: 1 } });
    expect(isCanonical(graph)).toBe(true);
    expectSameFunction(g, graph, { range: { low: -1, high: 1 } });
  });
});

describe("canonicalize the ONNX fixtures", () => {
  const cases: [string, string, { low: number; high: number }][] = [
    ["lenet5_fmnist", "fmnist_test_x", { low: 0, high: 1 }],
    ["mlp_digits", "digits_test_x", { low: 0, high: 16 }],
  ];
  for (const [model, data, range] of cases)
    test(`${model}: canonical, exact on the test data`, () => {
      const g: AnnGraph = importOnnx(`test/fixtures/${model}.onnx`);
      const { graph } = canonicalize(g, { inputRange: range });
      expect(isCanonical(graph)).toBe(true);
      const x = readNpy(`test/fixtures/${data}.npy`);
      const inSize = product(g.nodes.find((n) => n.kind === "input")!.shape);
      const batch = Math.min(64, x.data.length / inSize);
      const raw = Float64Array.from(x.data.subarray(0, batch * inSize));
      const xhat = raw.map((v) => (v - range.low) / (range.high - range.low));
      const a = execute(g, raw, batch).get(g.output)!;
      const c = execute(graph, xhat, batch).get(graph.output)!;
      let maxAbs = 0;
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(a[i]));
        maxDiff = Math.max(maxDiff, Math.abs(a[i] - c[i]));
      }
      expect(maxDiff).toBeLessThanOrEqual(1e-9 * maxAbs);
    });
});
