import { describe, expect, test } from "vitest";
import type { AnnGraph, AnnNode } from "../../src/ann/graph.js";
import { verifyGraph } from "../../src/ann/verify.js";
import { AnnBuilder } from "../helpers/ann-builder.js";

function graph(): AnnGraph {
  const b = new AnnBuilder([2, 5, 5]);
  b.dense(b.flatten(b.maxpool(b.relu(b.conv(b.input, 3, { pads: 1 })))), 4);
  return b.build();
}
const edit = (g: AnnGraph, i: number, f: (n: AnnNode) => AnnNode): AnnGraph => ({ ...g, nodes: g.nodes.map((n, k) => (k === i ? f(n) : n)) });

describe("verifyGraph", () => {
  test("accepts a well-formed graph", () => expect(() => verifyGraph(graph())).not.toThrow());
  test("rejects nodes out of topological order", () => {
    const g = graph();
    expect(() => verifyGraph({ ...g, nodes: [g.nodes[0], g.nodes[2], g.nodes[1], ...g.nodes.slice(3)] })).toThrow(/not an earlier node/);
  });
  test("rejects duplicate ids", () => {
    const g = graph();
    expect(() => verifyGraph({ ...g, nodes: [...g.nodes, g.nodes[3]] })).toThrow(/duplicate id/);
  });
  test("rejects a shape its op does not give", () => {
    expect(() => verifyGraph(edit(graph(), 1, (n) => ({ ...n, shape: [3, 4, 4] })))).toThrow(/but its op gives \[3,5,5\]/);
  });
  test("rejects weights of the wrong length and non-finite numbers", () => {
    expect(() => verifyGraph(edit(graph(), 1, (n) => (n.kind === "conv" ? { ...n, weight: n.weight.slice(1) } : n)))).toThrow(/weight has/);
    expect(() =>
      verifyGraph(edit(graph(), 5, (n) => (n.kind === "dense" ? { ...n, bias: Float64Array.of(0, NaN, 0, 0) } : n))),
    ).toThrow(/bias\[1\] = NaN/);
  });
  test("rejects a missing output", () => expect(() => verifyGraph({ ...graph(), output: "nope" })).toThrow(/output 'nope'/));
});
