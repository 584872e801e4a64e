/**
 * Residual streams without a ReLU on them (pre-activation ResNets): every Add reads the previous Add, so inlining
 * them all would make the terms per layer grow with depth. merge-linear's term budget and split-signed bound it.
 */
import { describe, expect, test } from "vitest";
import { canonicalize } from "../../src/ann/canonicalize.js";
import { execute } from "../../src/ann/execute.js";
import { isCanonical, type AnnGraph, type LayerNode } from "../../src/ann/graph.js";
import { MAX_MERGED_TERMS } from "../../src/ann/passes/merge-linear.js";
import { importOnnxBytes } from "../../src/onnx/import.js";
import { AnnBuilder, expectSameFunction, randomInputs } from "../helpers/ann-builder.js";
import { preactResnetOnnx, RESNET18_STAGES, type Stage } from "../helpers/preact-resnet-onnx.js";

const range = { low: -1, high: 1 };
const layers = (g: AnnGraph) => g.nodes.filter((n): n is LayerNode => n.kind === "layer");
const weights = (g: AnnGraph) => layers(g).reduce((a, l) => a + l.terms.reduce((b, t) => b + t.weight.length, 0), 0);

/** Canonicalizes the pre-activation ResNet and checks execute(original) = execute(canonical) on x̂ ∈ [0, 1). */
function canonicalResnet(stages: Stage[], size: number) {
  const g = importOnnxBytes(preactResnetOnnx({ stages, size }), "preact-resnet.onnx");
  const t0 = performance.now();
  const { graph, log } = canonicalize(g, { inputRange: range });
  const ms = performance.now() - t0;
  expect(isCanonical(graph)).toBe(true);
  const batch = 3;
  const xhat = randomInputs(g, batch, 11);
  const a = execute(g, xhat.map((v) => range.low + (range.high - range.low) * v), batch).get(g.output)!;
  const c = execute(graph, xhat, batch).get(graph.output)!;
  let maxAbs = 0;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(a[i]));
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - c[i]));
  }
  const terms = layers(graph).map((l) => l.terms.length);
  return { graph, log, ms, terms, rel: maxDiff / maxAbs };
}

describe("pre-activation ResNets", () => {
  test("ResNet-18 layout (4 stages × 2 blocks, projections): exact, at most 3 terms per layer", () => {
    const r = canonicalResnet(RESNET18_STAGES(8), 32);
    console.log(`pre-activation ResNet-18 (width 8, 32×32): ${r.ms.toFixed(0)} ms, terms per layer ${JSON.stringify(r.terms)}, max |Δ|/max|y| ${r.rel.toExponential(2)}`);
    expect(r.rel).toBeLessThanOrEqual(1e-9);
    // Each projection shortcut restarts the stream, so the inlined chain never exceeds a stage: stem + 2 blocks.
    expect(Math.max(...r.terms)).toBe(3);
    expect(r.terms).toHaveLength(19);
    expect(r.log.map((l) => l.pass)).not.toContain("split-signed");
  });

  test("one stage of 12 blocks: the terms per layer stay bounded (they grew to 13 before), exact", () => {
    const r = canonicalResnet([[8, 1, 12]], 16);
    console.log(`pre-activation stage of 12 blocks (width 8, 16×16): ${r.ms.toFixed(0)} ms, terms per layer ${JSON.stringify(r.terms)}, weights ${weights(r.graph)}`);
    expect(r.rel).toBeLessThanOrEqual(1e-9);
    expect(Math.max(...r.terms)).toBeLessThanOrEqual(MAX_MERGED_TERMS + 1);
    expect(r.log.map((l) => l.pass)).toContain("split-signed");
    // Inlining every earlier Add gave 105 terms and 57 280 weights; the ± split costs some neurons, saves weights.
    expect(r.terms.reduce((a, b) => a + b, 0)).toBeLessThan(105);
    expect(weights(r.graph)).toBeLessThan(57_280);
  });

  test("a non-negative stream (Adds of ReLU outputs, no ReLU on the sum) becomes ReLU layers instead of a ± split", () => {
    const b = new AnnBuilder([2, 6, 6], 4);
    let x = b.relu(b.conv(b.input, 3, { pads: 1 }));
    for (let k = 0; k < 6; k++) x = b.add(x, b.relu(b.conv(x, 3, { pads: 1 })));
    b.dense(b.flatten(x), 3);
    const g = b.build();
    const { graph, log } = canonicalize(g);
    expect(isCanonical(graph)).toBe(true);
    expect(Math.max(...layers(graph).map((l) => l.terms.length))).toBeLessThanOrEqual(MAX_MERGED_TERMS + 1);
    expect(log.flatMap((l) => l.rewrites).join("\n")).toMatch(/≥ 0 for every input: it becomes a spiking layer instead of being inlined/);
    expect(graph.nodes.some((n) => n.id.includes("/+"))).toBe(false);
    expectSameFunction(g, graph);
  });
});
