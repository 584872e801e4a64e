/**
 * Tiles of one layer that share a core share its synapse lists: the core stores one list per (input axon, format) for
 * all of them, as cores.json does, so the placer charges the lists of their union, not the sum of each tile's (an
 * audit found 41 two-neuron tiles of a 256→256 layer charged 1,035,264 bits where their lists take 442,944; the
 * network took 12 Loihi 1 cores instead of 9).
 */
import { describe, expect, it } from "vitest";
import { compileGraph } from "../../src/compile.js";
import { tileUsage } from "../../src/place/usage.js";
import { AnnBuilder, randomInputs, rng } from "../helpers/ann-builder.js";
import type { DenseNode } from "../../src/ann/graph.js";

describe("merged synapse lists of a layer's tiles on one core", () => {
  it("a core's synapse memory is its layers' merged lists, recounted from the tiles it holds", () => {
    // 64 → 256 → 256 → 10 on Loihi 1: per-neuron exponents and the 7-entry format table make small dense tiles,
    // several of which share a core.
    const b = new AnnBuilder([64], 3);
    b.dense(b.relu(b.dense(b.relu(b.dense(b.input, 256)), 256)), 10);
    const g = b.build();
    // Rows at scales 2^0 … 2^-7: neurons of the hidden layers get different weight exponents, as trained layers do.
    const r = rng(11);
    for (const d of g.nodes.filter((q): q is DenseNode => q.kind === "dense").slice(0, 2)) {
      const nIn = d.weight.length / d.bias.length;
      for (let i = 0; i < d.bias.length; i++) {
        const f = 2 ** -Math.floor(r() * 8);
        for (let j = 0; j < nIn; j++) d.weight[i * nIn + j]! *= f;
        d.bias[i]! *= f;
      }
    }
    const n = 100;
    const x = randomInputs(g, n, 5);
    const compiled = compileGraph(g, { shape: [n, 64], dtype: "<f8", data: x }, n, "calib", { target: "loihi1", ticks: 16, hardwareSamples: 20 });
    const p = compiled.hw!.placement;
    let shared = 0;
    let summed = 0;
    let merged = 0;
    for (const c of p.cores) {
      const byPop = new Map<string, number[]>();
      for (const k of c.tiles) {
        const t = p.tiles[k]!.tile;
        if (t.box !== null) continue;
        byPop.set(t.population, [...(byPop.get(t.population) ?? []), ...t.neurons]);
        summed += p.tiles[k]!.usage.memory;
      }
      let recount = 0;
      for (const [population, neurons] of byPop) {
        if (c.tiles.filter((k) => p.tiles[k]!.tile.population === population).length > 1) shared++;
        recount += tileUsage(p.prepared, { population, neurons: Int32Array.from(neurons).sort(), box: null }, p.memory).memory;
      }
      expect(c.used["synapse memory"], `core ${c.core}`).toBe(recount);
      merged += recount;
    }
    expect(shared).toBeGreaterThan(0);
    console.log(`merged lists: ${p.cores.length} cores, ${shared} holding several tiles of one layer; synapse memory ${merged} bits merged, ${summed} as the sum of the tiles'`);
    expect(merged).toBeLessThan(summed);
    expect(compiled.report.fit!.fits).toBe(true);
  }, 120_000);
});
