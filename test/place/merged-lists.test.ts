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
import { mapToSnn } from "../../src/mapping/map.js";
import { lowerToHw } from "../../src/hw/lower.js";
import { loadTarget } from "../../src/hw/target/load.js";
import type { Target } from "../../src/hw/target/target.js";
import { place } from "../../src/place/place.js";
import { randomConvNet } from "../helpers/random-canonical.js";
import { referenceUsage } from "../helpers/reference-usage.js";

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

describe("merged synapse lists of a layer's conv boxes on one core", () => {
  for (const name of ["loihi1", "loihi2"]) {
    it(`${name}: a core's synapse memory = a straightforward count of its layers' merged lists (boxes included)`, () => {
      // A small conv net on cores of 120 input axons: conv1 and the pool are cut into boxes, several per core. Before,
      // boxes were charged one by one (an audit: 166,208 bits over on one core, 192 under on another).
      const graph = randomConvNet(5, 1, 16, 16, 3);
      const r = rng(6);
      const calib = Float64Array.from({ length: 20 * 256 }, () => r());
      const { net } = mapToSnn(graph, calib, 20, { model: "alpha", margin: 0.5, inputRange: { low: 0, high: 1 }, modelFile: "random-conv" });
      const base = loadTarget(name);
      const t: Target = { ...base, id: `${name}-in120`, coreClasses: [{ ...base.coreClasses[0]!, maxInputAxons: 120 }] };
      const p = place(lowerToHw(net, t, 8).hw, t);
      let sharedBoxes = 0;
      for (const core of p.cores) {
        const byPop = new Map<string, number[]>();
        for (const k of core.tiles) {
          const tile = p.tiles[k]!.tile;
          byPop.set(tile.population, [...(byPop.get(tile.population) ?? []), ...tile.neurons]);
        }
        let recount = 0;
        for (const [population, neurons] of byPop) {
          if (core.tiles.filter((k) => p.tiles[k]!.tile.population === population && p.tiles[k]!.tile.box !== null).length > 1) sharedBoxes++;
          recount += referenceUsage(p.prepared, { population, neurons: Int32Array.from(neurons).sort() }, t).memory;
        }
        expect(core.used["synapse memory"], `core ${core.core}`).toBe(recount);
      }
      console.log(`${name}, 120 input axons per core: ${p.cores.length} cores, ${sharedBoxes} holding several boxes of one layer`);
      expect(sharedBoxes).toBeGreaterThan(0);
    }, 120_000);
  }
});
