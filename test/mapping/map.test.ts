import { describe, expect, it } from "vitest";
import { execute } from "../../src/ann/execute.js";
import { mapToSnn } from "../../src/mapping/map.js";
import { simulateExact } from "../../src/sim/exact/simulate.js";
import { randomConvNet, randomMlp, rng } from "../helpers/random-canonical.js";
import type { AnnGraph } from "../../src/ann/graph.js";

function agreement(graph: AnnGraph, model: "alpha" | "b1", n: number, seed: number) {
  const inSize = (graph.nodes[0]!.shape as number[]).reduce((a, b) => a * b, 1);
  const r = rng(seed);
  const calib = Float64Array.from({ length: n * inSize }, () => r());
  const test = Float64Array.from({ length: n * inSize }, () => r());
  const { net } = mapToSnn(graph, calib, n, { model, margin: 0.5, inputRange: { low: 0, high: 1 }, modelFile: graph.source });
  const ann = execute(graph, test, n).get(graph.output)!;
  const snn = simulateExact(net, test, n);
  let maxErr = 0;
  let maxAbs = 0;
  for (let i = 0; i < ann.length; i++) {
    maxErr = Math.max(maxErr, Math.abs(ann[i]! - snn.logits[i]!));
    maxAbs = Math.max(maxAbs, Math.abs(ann[i]!));
  }
  return { maxErr, maxAbs, snn, net };
}

describe("mapToSnn + simulateExact", () => {
  for (const model of ["alpha", "b1"] as const) {
    it(`${model}: random MLP logits equal the ANN's`, () => {
      const { maxErr, maxAbs } = agreement(randomMlp(1, 20, [30, 25], 5), model, 64, 7);
      expect(maxErr).toBeLessThanOrEqual(1e-9 * maxAbs);
    });
    it(`${model}: random conv net with max-min pool and skip-to-readout`, () => {
      const { maxErr, maxAbs } = agreement(randomConvNet(3, 2, 8, 8, 4), model, 32, 9);
      expect(maxErr).toBeLessThanOrEqual(1e-9 * maxAbs);
    });
  }
});

describe("SNN IR on disk", () => {
  it("save → load gives the same network (schema-valid, byte-identical on re-save)", async () => {
    const { mkdtempSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { saveNetwork, loadNetwork } = await import("../../src/snn/serialize.js");
    const { net } = agreement(randomConvNet(4, 2, 8, 8, 3), "alpha", 16, 3);
    const dir = mkdtempSync(join(tmpdir(), "spikec-"));
    saveNetwork(dir, net);
    const back = loadNetwork(dir);
    expect(back).toEqual(net);
    const dir2 = mkdtempSync(join(tmpdir(), "spikec-"));
    saveNetwork(dir2, back);
    expect(readFileSync(join(dir2, "network.json"))).toEqual(readFileSync(join(dir, "network.json")));
    expect(readFileSync(join(dir2, "network.bin"))).toEqual(readFileSync(join(dir, "network.bin")));
  });
});
