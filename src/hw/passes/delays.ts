/**
 * Pass 5, delays: the window alignment of skip paths and concatenated branches (time.ts) is already a synaptic delay
 * on each group; a delay beyond the target's maximum becomes a chain of relay neurons. A relay is a one-input
 * first-spike gate (weight 128, threshold 64, full voltage decay, self-inhibition −128): it fires at the tick its
 * input arrives, so each hop adds the latency L plus the hop's own delay (≤ max).
 */
import { SpikecError } from "../../util/errors.js";
import type { Pass } from "../../util/pass.js";
import type { HwNetwork, HwPopulation, HwSynapseGroup } from "../network.js";
import { populationSize } from "../network.js";
import type { Lowering } from "./lowering.js";
import { GATE_WEIGHT } from "./ranges.js";
import { maxOf } from "../../util/extrema.js";
import { maxEffectiveDecay } from "../target/target.js";

/** A group's longest delay (per group or per target neuron). */
export const delayOf = (g: HwSynapseGroup): number => (typeof g.delay === "number" ? g.delay : maxOf(g.delay, 0));

export const delaysPass: Pass<Lowering, Lowering> = {
  name: "hw-delays",
  description: "alignment delays as synaptic delays; delays beyond the target's maximum as relay neurons",
  run(ir) {
    const hw = ir.hw!;
    const maxDelay = ir.target.synapse.delay?.max ?? 0;
    const L = ir.timing!.latency;
    const dvFull = maxEffectiveDecay(ir.target, "v");
    const vmax = Math.max(...ir.target.neuron.vmaxChoices);
    const vmin = Math.min(...ir.target.neuron.vminChoices);
    const populations: HwPopulation[] = [...hw.populations];
    const synapses: HwSynapseGroup[] = [];
    let relays = 0;
    let relaySynapses = 0;
    const byId = new Map(hw.populations.map((p) => [p.id, p]));
    for (const g of hw.synapses) {
      const d = delayOf(g);
      if (d <= maxDelay) {
        synapses.push(g);
        continue;
      }
      if (typeof g.delay !== "number") throw new SpikecError(`synapse group ${g.id}: per-synapse delays up to ${d} exceed the target's ${maxDelay}`, "report this network");
      let source = g.source;
      let rest = d;
      const src = byId.get(g.source)!;
      const n = populationSize(src);
      for (let hop = 1; rest > maxDelay; hop++) {
        const step = Math.min(maxDelay, rest - L);
        const id = `${g.id}/relay${hop}`;
        populations.push({
          kind: "compartments", id, shape: src.shape, neuron: "cuba-lif",
          profiles: [{ neuron: "cuba-lif", decayU: 0, decayV: dvFull, vthMant: 1, refractory: 0, vmin, vmax }],
          profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null,
        });
        const idx = Int32Array.from({ length: n }, (_, i) => i);
        synapses.push({ kind: "sparse", id: `${id}/in`, source, target: id, pre: idx, post: idx, weight: new Int16Array(n).fill(2), weightExp: 0, delay: step });
        synapses.push({ kind: "sparse", id: `${id}/latch`, source: id, target: id, pre: idx, post: idx, weight: new Int16Array(n).fill(-2), weightExp: 0, delay: 0 });
        relays += n;
        relaySynapses += 2 * n;
        source = id;
        rest -= step + L;
      }
      synapses.push({ ...g, source, delay: rest } as HwSynapseGroup);
    }
    const out: HwNetwork = { ...hw, populations, synapses };
    const stats = { ...ir.stats, relayNeurons: relays, extraNeurons: ir.stats.extraNeurons + relays, extraSynapses: ir.stats.extraSynapses + relaySynapses };
    const note = relays
      ? `delays: ${relays} relay neurons (weight ${GATE_WEIGHT}, fire on arrival) carry alignment delays beyond ${maxDelay} ticks`
      : `delays: every alignment delay fits the target's synaptic delay (≤ ${maxDelay} ticks); no relay neurons`;
    return { ...ir, hw: out, stats, notes: [...ir.notes, note] };
  },
  verify(ir) {
    const maxDelay = ir.target.synapse.delay?.max ?? 0;
    for (const g of ir.hw!.synapses) if (delayOf(g) > maxDelay) throw new Error(`synapse group ${g.id}: delay ${delayOf(g)} > ${maxDelay}`);
  },
};
