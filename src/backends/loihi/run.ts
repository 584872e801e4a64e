/**
 * cores.json back into something the cycle engine runs: a per-core sparse HW IR. Each core becomes one compartment
 * population per neuron kind ("core3", "core3/b1") plus a clock source for its clock compartments ("core3/clock");
 * each input axon's synapse list becomes sparse synapses from whatever drives the axon (an output axon of a core, or
 * a host input channel). Running it and mapping spikes and readouts back through the compartment table gives
 * results comparable with the HW IR's, spike for spike.
 */
import type { HwCompartmentPopulation, HwInputSpikes, HwNetwork, HwPopulation, HwReadout, HwSparseSynapses } from "../../hw/network.js";
import type { Target } from "../../hw/target/target.js";
import { compileCycle, runCycle, type CycleProgram } from "../../sim/cycle/index.js";
import { NONE, type CoresConfig } from "./config.js";

export interface CoresProgram {
  config: CoresConfig;
  net: HwNetwork;
  prog: CycleProgram;
  /** Per engine population id: for each of its neurons, the (config population index, neuron) it stands for. */
  origin: Map<string, { population: Int32Array; neuron: Int32Array }>;
  /** Per core, per compartment slot: engine population id and index. */
  slot: { pop: string[]; index: Int32Array }[];
}

export function coresToHw(cfg: CoresConfig): { net: HwNetwork; origin: CoresProgram["origin"]; slot: CoresProgram["slot"] } {
  const populations: HwPopulation[] = [];
  const origin: CoresProgram["origin"] = new Map();
  for (const inp of cfg.inputs) populations.push({ kind: "source", id: inp.population, shape: [...inp.shape], role: "input", schedule: null, encoding: { ...inp.encoding } });
  const slot: CoresProgram["slot"] = [];
  for (const c of cfg.cores) {
    const n = c.compartments.population.length;
    const pop = new Array<string>(n);
    const index = new Int32Array(n);
    const members = new Map<string, number[]>();
    for (let s = 0; s < n; s++) {
      const kind = c.compartments.clock[s] ? "clock" : c.compartmentProfiles[c.compartments.profile[s]!]!.neuron;
      const id = kind === "cuba-lif" ? `core${c.core}` : kind === "two-phase-b1" ? `core${c.core}/b1` : `core${c.core}/clock`;
      const list = members.get(id) ?? [];
      pop[s] = id;
      index[s] = list.length;
      list.push(s);
      members.set(id, list);
    }
    slot.push({ pop, index });
    for (const [id, list] of members) {
      origin.set(id, { population: Int32Array.from(list, (s) => c.compartments.population[s]!), neuron: Int32Array.from(list, (s) => c.compartments.neuron[s]!) });
      if (id.endsWith("/clock")) {
        const ticks = list.map((s) => c.clocks.find((k) => k.compartment === s)!.ticks);
        const offsets = new Int32Array(list.length + 1);
        ticks.forEach((t, i) => (offsets[i + 1] = offsets[i]! + t.length));
        populations.push({ kind: "source", id, shape: [list.length], role: "clock", schedule: { offsets, ticks: Int32Array.from(ticks.flat()) } });
        continue;
      }
      // Each compartment keeps its own profile entry (with its threshold): the engine's per-neuron profile index.
      const profiles: HwCompartmentPopulation["profiles"] = [];
      const key = new Map<string, number>();
      const profileOf = new Uint8Array(list.length);
      list.forEach((s, i) => {
        const cp = c.compartmentProfiles[c.compartments.profile[s]!]!;
        const th = c.compartments.threshold[s]!;
        if (th === NONE) throw new Error(`cores.json core ${c.core} compartment ${s} has no threshold`);
        const vthMant = c.thresholds[th]!;
        const p = cp.neuron === "cuba-lif" ? { ...cp, vthMant } : { ...cp, vthMant };
        const k = JSON.stringify(p);
        if (!key.has(k)) {
          key.set(k, profiles.length);
          profiles.push(p);
        }
        profileOf[i] = key.get(k)!;
      });
      populations.push({
        kind: "compartments", id, shape: [list.length], neuron: profiles[0]!.neuron, profiles, profileOf,
        biasMant: Int32Array.from(list, (s) => c.compartments.biasMant[s]!), biasExp: Uint8Array.from(list, (s) => c.compartments.biasExp[s]!),
        uInit: Int32Array.from(list, (s) => c.compartments.uInit[s]!), vInit: Int32Array.from(list, (s) => c.compartments.vInit[s]!),
      });
    }
  }

  // What drives each input axon of each core.
  const driverPop = cfg.cores.map((c) => new Array<string>(c.inputAxons.count));
  const driverIdx = cfg.cores.map((c) => new Int32Array(c.inputAxons.count));
  cfg.cores.forEach((c, s) => {
    const o = c.outputAxons;
    for (let k = 0; k < o.compartment.length; k++) {
      driverPop[o.core[k]!]![o.axon[k]!] = slot[s]!.pop[o.compartment[k]!]!;
      driverIdx[o.core[k]!]![o.axon[k]!] = slot[s]!.index[o.compartment[k]!]!;
    }
  });
  for (const inp of cfg.inputs)
    for (let ch = 0; ch + 1 < inp.offsets.length; ch++)
      for (let k = inp.offsets[ch]!; k < inp.offsets[ch + 1]!; k++) {
        driverPop[inp.core[k]!]![inp.axon[k]!] = inp.population;
        driverIdx[inp.core[k]!]![inp.axon[k]!] = ch;
      }

  const groups = new Map<string, { source: string; target: string; pre: number[]; post: number[]; weight: number[]; exp: number[]; delay: number[] }>();
  cfg.cores.forEach((c, d) => {
    const ia = c.inputAxons;
    for (let a = 0; a < ia.count; a++) {
      const src = driverPop[d]![a];
      if (src === undefined) throw new Error(`cores.json core ${c.core} input axon ${a} is driven by nothing`);
      for (let k = ia.offsets[a]!; k < ia.offsets[a + 1]!; k++) {
        const s = ia.compartment[k]!;
        const dst = slot[d]!.pop[s]!;
        const id = `${src}->${dst}`;
        let g = groups.get(id);
        if (!g) groups.set(id, (g = { source: src, target: dst, pre: [], post: [], weight: [], exp: [], delay: [] }));
        g.pre.push(driverIdx[d]![a]!);
        g.post.push(slot[d]!.index[s]!);
        g.weight.push(ia.weight[k]!);
        g.exp.push(ia.exponent[k]!);
        g.delay.push(ia.delay[k]!);
      }
    }
  });
  const synapses: HwSparseSynapses[] = [...groups].map(([id, g]) => ({
    kind: "sparse", id, source: g.source, target: g.target, pre: Int32Array.from(g.pre), post: Int32Array.from(g.post),
    weight: Int16Array.from(g.weight), weightExp: Int8Array.from(g.exp), delay: Uint8Array.from(g.delay),
  }));
  // One engine readout per core holding readout compartments; runCores reassembles the logits.
  const readouts: HwReadout[] = [];
  for (const r of cfg.readouts) for (const id of new Set(Array.from(r.core, (c, i) => slot[c]!.pop[r.compartment[i]!]!))) readouts.push({ population: id, tick: r.tick, scale: 1, offset: null });
  return { net: { format: "spikec.hw", version: 1, target: cfg.target, ticks: cfg.ticks, populations, synapses, readouts, notes: ["loaded from cores.json"] }, origin, slot };
}

export function compileCores(cfg: CoresConfig, target: Target): CoresProgram {
  const { net, origin, slot } = coresToHw(cfg);
  return { config: cfg, net, prog: compileCycle(net, target), origin, slot };
}

export interface CoresResult {
  /** Logits per readout of the config, in its order. */
  logits: Float64Array[];
  /** Every spike per original population id (clocks included, the input not): tick and neuron, sorted. */
  spikes: Map<string, { tick: number; neuron: number }[]>;
}

export function runCores(p: CoresProgram, input: HwInputSpikes[]): CoresResult {
  const r = runCycle(p.prog, input, { raster: true });
  const spikes = new Map<string, { tick: number; neuron: number }[]>(p.config.populations.map((q) => [q.id, []]));
  for (const [id, ras] of Object.entries(r.raster!)) {
    const o = p.origin.get(id);
    if (!o) continue;
    for (let k = 0; k < ras.tick.length; k++) spikes.get(p.config.populations[o.population[ras.neuron[k]!]!]!.id)!.push({ tick: ras.tick[k]!, neuron: o.neuron[ras.neuron[k]!]! });
  }
  for (const list of spikes.values()) list.sort((a, b) => a.tick - b.tick || a.neuron - b.neuron);
  const vOf = new Map(r.readouts.map((x) => [`${x.population}@${x.tick}`, x.v]));
  const logits = p.config.readouts.map((ro) => {
    const out = new Float64Array(ro.core.length);
    for (let i = 0; i < out.length; i++) {
      const s = ro.compartment[i]!;
      const sl = p.slot[ro.core[i]!]!;
      const v = vOf.get(`${sl.pop[s]}@${ro.tick}`)![sl.index[s]!]!;
      out[i] = ro.scale * v + (ro.offset ? ro.offset[i]! : 0);
    }
    return out;
  });
  return { logits, spikes };
}
