/**
 * Placement → cores.json. Compartments take their core slots from the placement; every synapse of the HW IR is
 * filed under the input axon of its source neuron on its target's core (one axon per (source neuron, core)), and
 * the source's core gets an output axon routed there (or, for input neurons, the host's input map does).
 */
import type { HwCompartmentPopulation, HwSourcePopulation } from "../../hw/network.js";
import { populationSize } from "../../hw/network.js";
import { SpikecError } from "../../util/errors.js";
import { onnxNodesOf, type Placement, type PlaceOptions } from "../../place/place.js";
import { CORES_FORMAT, NONE, type CompartmentProfileEntry, type CoreConfig, type CoresConfig, type InputMap, type SynapseFormatEntry } from "./config.js";
import { forEachSynapse } from "../../hw/synapses.js";
import { coverFormats, formatRulesOf, reencode, trailingZeros, type FormatCover, type FormatDemand } from "../../place/formats.js";
import { widen } from "../../place/usage.js";

/** Interns table entries by their JSON text. */
class Table<T> {
  readonly items: T[] = [];
  private readonly index = new Map<string, number>();
  add(x: T): number {
    const key = JSON.stringify(x);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.items.length;
      this.items.push(x);
      this.index.set(key, i);
    }
    return i;
  }
}

/** A core's synapse lists once moved into its configuration (frees them). */
const EMPTY_LIST = { n: 0, axon: new Int32Array(0), compartment: new Int32Array(0), weight: new Int16Array(0), exponent: new Int8Array(0), delay: new Uint8Array(0), format: new Uint16Array(0) };

export function buildCoresConfig(p: Placement, origins?: PlaceOptions["origins"]): CoresConfig {
  if (!p.fits) {
    throw new SpikecError(
      `the network does not fit ${p.target.name}, so there is no per-core configuration:\n${p.problems.map((x) => `  ${x.message}`).join("\n")}`,
      "run spikec fit for the details; reduce the layers named above or choose another target",
      3,
    );
  }
  const { net, prepared: pn, coreOf, slotOf } = p;
  const popIndex = new Map<string, number>();
  const populations: CoresConfig["populations"] = [];
  for (const q of net.populations) {
    if (q.kind === "source" && q.role === "input") continue;
    popIndex.set(q.id, populations.length);
    populations.push({ id: q.id, shape: [...q.shape], kind: q.kind === "source" ? "clock" : "compartments", onnxNodes: onnxNodesOf(q.id, origins) });
  }

  // Compartments, per core in slot order.
  const cores: CoreConfig[] = p.cores.map((c) => {
    const n = c.used.neurons;
    const profiles = new Table<CompartmentProfileEntry>();
    const thresholds = new Table<number>();
    const comp = {
      population: new Int32Array(n), neuron: new Int32Array(n), clock: new Uint8Array(n), profile: new Uint8Array(n).fill(NONE),
      threshold: new Uint8Array(n).fill(NONE), biasMant: new Int32Array(n), biasExp: new Uint8Array(n), uInit: new Int32Array(n), vInit: new Int32Array(n),
    };
    const clocks: CoreConfig["clocks"] = [];
    for (const k of c.tiles) {
      const { tile } = p.tiles[k]!;
      const q = pn.pops.get(tile.population)!;
      const base = pn.base.get(q.id)!;
      for (const i of tile.neurons) {
        const s = slotOf[base + i]!;
        comp.population[s] = popIndex.get(q.id)!;
        comp.neuron[s] = i;
        if (q.kind === "source") {
          const sched = (q as HwSourcePopulation).schedule!;
          comp.clock[s] = 1;
          clocks.push({ compartment: s, ticks: Array.from(sched.ticks.subarray(sched.offsets[i]!, sched.offsets[i + 1]!)) });
          continue;
        }
        const cp = q as HwCompartmentPopulation;
        const prof = cp.profiles[cp.profileOf ? cp.profileOf[i]! : 0]!;
        comp.profile[s] = profiles.add(
          prof.neuron === "cuba-lif"
            ? { neuron: "cuba-lif", decayU: prof.decayU, decayV: prof.decayV, refractory: prof.refractory, vmin: prof.vmin, vmax: prof.vmax }
            : { neuron: "two-phase-b1", phase2Start: prof.phase2Start, phase2End: prof.phase2End, ramp: prof.ramp, vmin: prof.vmin, vmax: prof.vmax },
        );
        comp.threshold[s] = thresholds.add(prof.vthMant);
        comp.biasMant[s] = cp.biasMant ? cp.biasMant[i]! : 0;
        comp.biasExp[s] = typeof cp.biasExp === "number" ? cp.biasExp : cp.biasExp[i]!;
        comp.uInit[s] = cp.uInit ? cp.uInit[i]! : 0;
        comp.vInit[s] = cp.vInit ? cp.vInit[i]! : 0;
      }
    }
    return {
      core: c.core, chip: c.chip, compartments: comp, compartmentProfiles: profiles.items, thresholds: thresholds.items, synapseFormats: [],
      inputAxons: { count: 0, offsets: new Int32Array(1), compartment: new Int32Array(0), weight: new Int16Array(0), exponent: new Int8Array(0), delay: new Uint8Array(0), format: new Uint8Array(0) },
      outputAxons: { compartment: new Int32Array(0), core: new Int32Array(0), axon: new Int32Array(0) },
      clocks,
    };
  });

  // Synapses by (destination core, input axon = source neuron on that core), in typed arrays sized by a first
  // counting pass: a large network holds ~10^8 synapses, which plain arrays would not fit in the JavaScript heap.
  const incoming = [...pn.incoming.values()].flat();
  const perCore = new Int32Array(cores.length);
  for (const gr of incoming) {
    const dstBase = pn.base.get(gr.g.target)!;
    forEachSynapse(gr.g, gr.source, pn.pops.get(gr.g.target)!, (_pre, post) => perCore[coreOf[dstBase + post]!]!++);
  }
  const axonOf = cores.map(() => new Map<number, number>());
  const axonSource = cores.map(() => [] as number[]);
  const lists = cores.map((_, d) => {
    const m = perCore[d]!;
    return { n: 0, axon: new Int32Array(m), compartment: new Int32Array(m), weight: new Int16Array(m), exponent: new Int8Array(m), delay: new Uint8Array(m), format: new Uint16Array(m) };
  });
  // Raw formats per core ((sign mode, exponent, widths) of the HW IR), re-encoded onto the table below.
  const raw = cores.map(() => new Map<string, { d: FormatDemand; index: number }>());
  for (const gr of incoming) {
    const g = gr.g;
    const srcBase = pn.base.get(g.source)!;
    const dstBase = pn.base.get(g.target)!;
    // The group fixes mode and widths: its raw format on a core depends on the exponent only.
    const byExp = cores.map(() => new Map<number, { d: FormatDemand; index: number }>());
    forEachSynapse(g, gr.source, pn.pops.get(g.target)!, (pre, post, weight, exp, delay) => {
      const gs = srcBase + pre;
      const gt = dstBase + post;
      const d = coreOf[gt]!;
      let a = axonOf[d]!.get(gs);
      if (a === undefined) {
        a = axonSource[d]!.length;
        axonOf[d]!.set(gs, a);
        axonSource[d]!.push(gs);
      }
      const l = lists[d]!;
      const k = l.n++;
      l.axon[k] = a;
      l.compartment[k] = slotOf[gt]!;
      l.weight[k] = weight;
      l.exponent[k] = exp;
      l.delay[k] = delay;
      let r = byExp[d]!.get(exp);
      if (!r) {
        const key = `${gr.mode} ${exp} ${gr.weightBits} ${gr.delayBits}`;
        r = raw[d]!.get(key);
        if (!r) {
          r = { d: { mode: gr.mode, exp, weightBits: gr.weightBits, delayBits: gr.delayBits, dense: false, maxW: weight, minW: weight, tz: trailingZeros(weight) }, index: raw[d]!.size };
          raw[d]!.set(key, r);
        }
        byExp[d]!.set(exp, r);
      }
      widen(r.d, weight);
      l.format[k] = r.index;
    });
  }
  const cap = p.target.coreClasses[0]!.profiles.synapseFormat;
  const rules = formatRulesOf(p.target);
  cores.forEach((c, d) => {
    const l = lists[d]!;
    // Exact re-encoding (same contribution w · 2^(6 + exp)) when the raw formats exceed the core's table.
    const demands = [...raw[d]!.values()].map((r) => r.d);
    const cover: FormatCover =
      cap !== null && demands.length > cap ? coverFormats(demands, rules, cap) : { formats: demands.map(({ mode, exp, weightBits, delayBits, dense }) => ({ mode, exp, weightBits, delayBits, dense })), assign: demands.map((_, i) => i) };
    if (cap !== null && cover.formats.length > cap) {
      throw new SpikecError(
        `core ${c.core}: its synapses need ${cover.formats.length} synapse formats after exact re-encoding but ${p.target.name} has ${cap}`,
        "the placement and the per-core configuration disagree on synapse formats; report this as a bug",
      );
    }
    const table = new Table<SynapseFormatEntry>();
    for (let k = 0; k < l.n; k++) {
      const f = cover.formats[cover.assign[l.format[k]!]!]!;
      l.weight[k] = reencode(l.weight[k]!, l.exponent[k]!, f);
      l.exponent[k] = f.exp;
      l.format[k] = table.add({ mode: f.mode, weightExp: f.exp, delayBits: f.delayBits });
    }
    const count = axonSource[d]!.length;
    const offsets = new Int32Array(count + 1);
    for (const a of l.axon) offsets[a + 1]!++;
    for (let a = 0; a < count; a++) offsets[a + 1]! += offsets[a]!;
    const fill = offsets.slice(0, count);
    const m = l.n;
    const ia = { count, offsets, compartment: new Int32Array(m), weight: new Int16Array(m), exponent: new Int8Array(m), delay: new Uint8Array(m), format: new Uint8Array(m) };
    for (let k = 0; k < m; k++) {
      const at = fill[l.axon[k]!]!++;
      ia.compartment[at] = l.compartment[k]!;
      ia.weight[at] = l.weight[k]!;
      ia.exponent[at] = l.exponent[k]!;
      ia.delay[at] = l.delay[k]!;
      ia.format[at] = l.format[k]!;
    }
    c.inputAxons = ia;
    lists[d] = EMPTY_LIST; // this core's copy is in ia now
    c.synapseFormats = table.items;
  });

  // Routing: each axon's source is a compartment on some core (an output axon there) or a host input channel.
  const out = cores.map(() => ({ compartment: [] as number[], core: [] as number[], axon: [] as number[] }));
  const inputs: InputMap[] = [];
  const hostRoutes = new Map<string, { channel: number; core: number; axon: number }[]>();
  cores.forEach((_, d) => {
    axonSource[d]!.forEach((gs, a) => {
      const src = coreOf[gs]!;
      if (src >= 0) {
        out[src]!.compartment.push(slotOf[gs]!);
        out[src]!.core.push(d);
        out[src]!.axon.push(a);
      } else {
        const q = net.populations.find((x) => gs >= pn.base.get(x.id)! && gs < pn.base.get(x.id)! + populationSize(x))!;
        const r = hostRoutes.get(q.id) ?? [];
        r.push({ channel: gs - pn.base.get(q.id)!, core: d, axon: a });
        hostRoutes.set(q.id, r);
      }
    });
  });
  cores.forEach((c, s) => {
    c.outputAxons = { compartment: Int32Array.from(out[s]!.compartment), core: Int32Array.from(out[s]!.core), axon: Int32Array.from(out[s]!.axon) };
  });
  for (const q of net.populations) {
    if (q.kind !== "source" || q.role !== "input") continue;
    const n = populationSize(q);
    const routes = (hostRoutes.get(q.id) ?? []).sort((a, b) => a.channel - b.channel || a.core - b.core);
    const offsets = new Int32Array(n + 1);
    for (const r of routes) offsets[r.channel + 1]!++;
    for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
    inputs.push({ population: q.id, shape: [...q.shape], encoding: { ...q.encoding! }, offsets, core: Int32Array.from(routes, (r) => r.core), axon: Int32Array.from(routes, (r) => r.axon) });
  }
  const readouts = net.readouts.map((r) => {
    const base = pn.base.get(r.population)!;
    const n = populationSize(pn.pops.get(r.population)!);
    return {
      population: r.population, tick: r.tick, scale: r.scale, offset: r.offset ? Float64Array.from(r.offset) : null,
      core: Int32Array.from({ length: n }, (_, i) => coreOf[base + i]!),
      compartment: Int32Array.from({ length: n }, (_, i) => slotOf[base + i]!),
    };
  });
  const provenance = { ...(net.targetDigest ? { targetDigest: net.targetDigest } : {}), ...(net.targetFile ? { targetFile: net.targetFile } : {}) };
  return { format: CORES_FORMAT, version: 1, target: p.target.id, ...provenance, ticks: net.ticks, populations, cores, inputs, readouts };
}
