/**
 * Packing, checked against brute force on the ResNet-18-shaped HW IR of the placement benchmark at 32×32 input:
 * per core, the input axons are the union of its tiles' axons and the output axon slots are the (neuron,
 * destination core) pairs, whatever the window bit masks did; every neuron has one (core, slot); every checked
 * budget but output axons holds; and packing uses fewer cores than the naive rule (one tile per core), whose
 * count is at least the bare worst-ratio bound.
 */
import { describe, expect, it } from "vitest";
import { populationSize } from "../../src/hw/network.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { place } from "../../src/place/place.js";
import { resnet18Hw } from "../../bench/place-resnet18.js";

describe("packing the ResNet-18-shaped HW IR (32×32 input) on loihi2", () => {
  const target = loadTarget("loihi2");
  const net = resnet18Hw(32, 10);
  const p = place(net, target);

  it("fewer cores than the naive rule; the naive rule's tiles are no fewer than its ratio bound", () => {
    console.log(`packed ${p.cores.length} cores, naive ${p.naiveCores}, ratio bound ${p.naiveBound}`);
    expect(p.problems.filter((x) => x.resource !== "output axons")).toEqual([]);
    expect(p.cores.length).toBeLessThan(p.naiveCores);
    expect(p.naiveCores).toBe(p.layers.reduce((a, l) => a + l.naiveCores, 0));
    expect(p.naiveCores).toBe(p.layers.reduce((a, l) => a + l.tiles, 0));
    expect(p.naiveCores).toBeGreaterThanOrEqual(p.naiveBound);
  });

  it("input and output axons per core = brute-force unions; one slot per neuron; budgets hold", () => {
    const axonsOf = p.cores.map((c) => new Set(c.tiles.flatMap((k) => Array.from(p.tiles[k]!.usage.axons.sorted()))));
    p.cores.forEach((c, i) => expect(c.used["input axons"]).toBe(axonsOf[i]!.size));
    const reach = new Int32Array(p.prepared.totalNeurons);
    for (const s of axonsOf) for (const a of s) reach[a]!++;
    const out = new Float64Array(p.cores.length);
    for (let g = 0; g < reach.length; g++) if (p.coreOf[g]! >= 0) out[p.coreOf[g]!] += reach[g]!;
    p.cores.forEach((c, i) => expect(c.used["output axons"]).toBe(out[i]));

    let placed = 0;
    for (const q of net.populations) {
      if (q.kind === "source" && q.role === "input") continue;
      const base = p.prepared.base.get(q.id)!;
      for (let i = 0; i < populationSize(q); i++) expect(p.coreOf[base + i]).toBeGreaterThanOrEqual(0);
      placed += populationSize(q);
    }
    const slots = new Set<number>();
    for (let g = 0; g < p.coreOf.length; g++) if (p.coreOf[g]! >= 0) slots.add(p.coreOf[g]! * 1e6 + p.slotOf[g]!);
    expect(slots.size).toBe(placed);

    for (const c of p.cores)
      for (const b of p.budgets) if (b.capacity !== null && b.resource !== "output axons") expect(c.used[b.resource]).toBeLessThanOrEqual(b.capacity);
  });
});
