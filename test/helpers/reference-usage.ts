/**
 * A straightforward count of what a set of a population's neurons costs a core (tests only): every synapse into them
 * enumerated by the loihi backend's own visitor, one list per (input axon, group, exponent), costed by the target's
 * formula; dense storage only for one-exponent dense groups.
 */
import type { Target } from "../../src/hw/target/target.js";
import { memoryModelOf } from "../../src/place/cost/index.js";
import type { PreparedNet } from "../../src/place/prepared.js";
import type { Tile } from "../../src/place/usage.js";
import { forEachSynapse } from "../../src/hw/synapses.js";

/** The reference count: one list per (input axon, group, exponent); dense storage only for one-exponent dense groups. */
export function referenceUsage(pn: PreparedNet, t: Pick<Tile, "population" | "neurons">, target: Target) {
  const mem = memoryModelOf(target);
  const pos = new Map<number, number>();
  t.neurons.forEach((n, i) => pos.set(n, i));
  const axons = new Set<number>();
  const formats = new Set<string>();
  let memory = 0;
  let synapses = 0;
  for (const gr of pn.incoming.get(t.population)!) {
    const srcBase = pn.base.get(gr.g.source)!;
    const lists = new Map<string, { f: number; n: number; lo: number; hi: number }>();
    forEachSynapse(gr.g, gr.source, pn.pops.get(t.population)!, (pre, post, _w, exp) => {
      const p = pos.get(post);
      if (p === undefined) return;
      const f = gr.exps.indexOf(exp);
      const key = `${pre}/${f}`;
      const l = lists.get(key) ?? { f, n: 0, lo: p, hi: p };
      l.n++;
      l.lo = Math.min(l.lo, p);
      l.hi = Math.max(l.hi, p);
      lists.set(key, l);
      axons.add(srcBase + pre);
    });
    const base = { weightBits: gr.weightBits, delayBits: gr.delayBits, indexBits: pn.indexBits };
    for (const l of lists.values()) {
      const sparse = mem.listCost(l.n, { ...base, dense: false });
      const dense = gr.g.kind === "dense" && gr.exps.length === 1 ? mem.listCost(l.hi - l.lo + 1, { ...base, dense: true }) : Infinity;
      memory += Math.min(sparse, dense);
      synapses += l.n;
      formats.add(`${gr.mode} exp=${gr.exps[l.f]} w${gr.weightBits} d${gr.delayBits} ${dense < sparse ? "dense" : "sparse"}`);
    }
  }
  return { axons: [...axons].sort((a, b) => a - b), memory, synapses, formats: [...formats].sort() };
}
