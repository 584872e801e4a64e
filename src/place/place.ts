/**
 * Placement: the HW IR tiled onto cores under the target's per-core budgets (src/place/budget.ts). Every
 * compartment population and every clock is tiled (./tiling.ts); tiles are then packed onto cores in network order,
 * first fit over the most recently opened cores, sharing input axons and profile-table entries where they coincide.
 * Output axon slots (one per neuron and destination core) are counted once every tile has its core. The naive core
 * count (each layer alone, split by its worst resource ratio) is reported beside the packed one.
 */
import type { HwNetwork } from "../hw/network.js";
import { populationSize } from "../hw/network.js";
import type { Target } from "../hw/target/target.js";
import { memoryModelOf, type SynapseMemoryModel } from "./cost/index.js";
import { budgetsOf, RESOURCES, tileAmounts, type Budget, type Resource } from "./budget.js";
import { prepare, type PreparedNet } from "./prepared.js";
import { tilePopulation, type TiledPopulation } from "./tiling.js";
import { formatsNeeded, type Tile, type TileUsage } from "./usage.js";
import { mergeDemand, type FormatDemand } from "./formats.js";

export interface PlacedTile {
  tile: Tile;
  usage: TileUsage;
  core: number;
}

export interface PlacedCore {
  core: number;
  chip: number;
  /** Indices into Placement.tiles. */
  tiles: number[];
  used: Record<Resource, number>;
}

export interface LayerPlacement {
  population: string;
  /** ONNX nodes (name and op) the population computes, or its role (clock, relay). */
  onnxNodes: string[];
  neurons: number;
  synapses: number;
  tiles: number;
  cores: number;
  naiveCores: number;
  binding: Resource;
}

/** A neuron that fits no core: the layer, its ONNX nodes, the resource, how much one neuron needs and the limit. */
export interface FitProblem {
  population: string;
  onnxNodes: string[];
  resource: Resource | "cores" | "chips";
  amount: number;
  limit: number;
  message: string;
}

export interface Placement {
  target: Target;
  net: HwNetwork;
  memory: SynapseMemoryModel;
  budgets: Budget[];
  tiles: PlacedTile[];
  cores: PlacedCore[];
  layers: LayerPlacement[];
  naiveCores: number;
  chips: number;
  problems: FitProblem[];
  fits: boolean;
  /** Core and compartment slot of each global neuron id (PreparedNet.base + index); −1 for the host's input. */
  coreOf: Int32Array;
  slotOf: Int32Array;
  prepared: PreparedNet;
}

export interface PlaceOptions {
  /** ONNX nodes per population id (from the SNN IR), for tables and error messages. */
  origins?: Map<string, string[]>;
  /** Cores tried for each tile before a new one is opened (first fit over the last `window`). */
  window?: number;
}

/** ONNX nodes of a HW population: its own, or its parent layer's with the role ("/0/Conv/clock"). */
export function onnxNodesOf(id: string, origins?: Map<string, string[]>): string[] {
  if (!origins) return [id];
  if (origins.has(id)) return origins.get(id)!;
  const cut = id.lastIndexOf("/");
  if (cut > 0 && origins.has(id.slice(0, cut))) return origins.get(id.slice(0, cut))!.map((o) => `${o} [${id.slice(cut + 1)}]`);
  return [id];
}

class OpenCore {
  neurons = 0;
  memory = 0;
  readonly axons = new Set<number>();
  /** Format demands by key; the table holds them after exact re-encoding (./formats.ts). */
  readonly formats = new Map<string, FormatDemand>();
  formatCount = 0;
  readonly compartments = new Set<string>();
  readonly thresholds = new Set<number>();
  readonly groups = new Set<string>();
  shared: string | null = null;
  readonly tiles: number[] = [];

  constructor(
    readonly index: number,
    private readonly pn: PreparedNet,
  ) {}

  /** Format entries with `u`'s demands added (re-encoded only when the plain count exceeds the table). */
  private formatsWith(u: TileUsage, cap: number): number {
    const plain = this.grown(this.formats, u.formats);
    if (plain <= cap) return plain;
    const merged = new Map(this.formats);
    for (const [k, d] of u.formatDemands) merged.set(k, merged.has(k) ? mergeDemand(merged.get(k)!, d) : d);
    return formatsNeeded(this.pn, merged, cap);
  }

  private grown<T>(set: Set<T> | Map<T, unknown>, add: Iterable<T>): number {
    let n = set.size;
    for (const x of add) if (!set.has(x)) n++;
    return n;
  }

  accepts(u: TileUsage, population: string, cap: (r: Resource) => number): boolean {
    if (this.shared !== null && u.shared !== this.shared) return false;
    if (this.neurons + u.neurons > cap("neurons")) return false;
    if (this.memory + u.memory > cap("synapse memory")) return false;
    if (this.grown(this.groups, [population]) > cap("neuron groups")) return false;
    if (this.formatsWith(u, cap("synapse formats")) > cap("synapse formats")) return false;
    if (this.grown(this.compartments, u.compartmentProfiles) > cap("compartment profiles")) return false;
    if (this.grown(this.thresholds, u.thresholds) > cap("thresholds")) return false;
    return this.grown(this.axons, u.axons) <= cap("input axons");
  }

  add(k: number, u: TileUsage, population: string): void {
    this.tiles.push(k);
    this.neurons += u.neurons;
    this.memory += u.memory;
    this.groups.add(population);
    for (const [k, d] of u.formatDemands) this.formats.set(k, this.formats.has(k) ? mergeDemand(this.formats.get(k)!, d) : d);
    this.formatCount = formatsNeeded(this.pn, this.formats);
    for (const x of u.compartmentProfiles) this.compartments.add(x);
    for (const x of u.thresholds) this.thresholds.add(x);
    for (const x of u.axons) this.axons.add(x);
    this.shared = u.shared;
  }
}

export function place(net: HwNetwork, target: Target, options: PlaceOptions = {}): Placement {
  const memory = memoryModelOf(target);
  const budgets = budgetsOf(target, memory);
  const capOf = new Map(budgets.map((b) => [b.resource, b.capacity ?? Infinity]));
  const cap = (r: Resource) => capOf.get(r)!;
  const pn = prepare(net, target);
  const problems: FitProblem[] = [];
  const tiled: TiledPopulation[] = [];
  // Every compartment population and every clock is placed; the input is the host's (it drives input axons only).
  for (const p of net.populations) {
    if (p.kind === "source" && p.role === "input") continue;
    const t = tilePopulation(pn, p, budgets, memory);
    tiled.push(t);
    if (t.unfit) {
      const onnx = onnxNodesOf(p.id, options.origins);
      const { resource, amount, limit, detail } = t.unfit;
      problems.push({
        population: p.id,
        onnxNodes: onnx,
        resource,
        amount,
        limit,
        message: `layer '${p.id}' (ONNX ${onnx.join(", ")}): one neuron needs ${amount} ${resource} but a core has ${limit}${detail ? ` (${detail})` : ""}`,
      });
    }
  }

  // Pack tiles in network order; first fit over the last `window` cores keeps layers together and routes short.
  const window = options.window ?? 8;
  const tiles: PlacedTile[] = [];
  const open: OpenCore[] = [];
  for (const t of tiled) {
    for (const { tile, usage } of t.tiles) {
      const k = tiles.length;
      let core = open.slice(-window).find((c) => c.accepts(usage, tile.population, cap));
      if (!core) {
        core = new OpenCore(open.length, pn);
        open.push(core);
      }
      core.add(k, usage, tile.population);
      tiles.push({ tile, usage, core: core.index });
    }
  }

  // Compartment slots, in tile order per core.
  const coreOf = new Int32Array(pn.totalNeurons).fill(-1);
  const slotOf = new Int32Array(pn.totalNeurons).fill(-1);
  for (const c of open) {
    let slot = 0;
    for (const k of c.tiles) {
      const base = pn.base.get(tiles[k]!.tile.population)!;
      for (const i of tiles[k]!.tile.neurons) {
        coreOf[base + i] = c.index;
        slotOf[base + i] = slot++;
      }
    }
  }
  // Output axon slots: one per (neuron, destination core reached by its spikes).
  const destinations = new Int32Array(pn.totalNeurons);
  const mark = new Int32Array(pn.totalNeurons).fill(-1);
  for (const c of open) {
    for (const k of c.tiles)
      for (const a of tiles[k]!.usage.axons) {
        if (mark[a] === c.index) continue;
        mark[a] = c.index;
        destinations[a]!++;
      }
  }
  const perCore = new Float64Array(open.length);
  for (let g = 0; g < pn.totalNeurons; g++) if (coreOf[g]! >= 0) perCore[coreOf[g]!] += destinations[g]!;

  const usable = target.chip.usableCoresPerChip;
  const cores: PlacedCore[] = open.map((c) => {
    const used = Object.fromEntries(RESOURCES.map((r) => [r, 0])) as Record<Resource, number>;
    used.neurons = c.neurons;
    used["input axons"] = c.axons.size;
    used["output axons"] = perCore[c.index]!;
    used["synapse memory"] = c.memory;
    used["compartment profiles"] = c.compartments.size;
    used.thresholds = c.thresholds.size;
    used["synapse formats"] = c.formatCount;
    used["neuron groups"] = c.groups.size;
    return { core: c.index, chip: Math.floor(c.index / usable), tiles: c.tiles, used };
  });
  for (const c of cores) {
    const limit = cap("output axons");
    if (c.used["output axons"] > limit) {
      const pops = [...new Set(c.tiles.map((k) => tiles[k]!.tile.population))];
      problems.push({
        population: pops.join(", "),
        onnxNodes: pops.flatMap((p) => onnxNodesOf(p, options.origins)),
        resource: "output axons",
        amount: c.used["output axons"],
        limit,
        message: `core ${c.core} (layers ${pops.join(", ")}): its neurons reach ${c.used["output axons"]} (neuron, core) pairs but a core has ${limit} output axon slots`,
      });
    }
  }
  const chips = Math.max(1, Math.ceil(cores.length / usable));
  if (target.chip.maxChips !== null && chips > target.chip.maxChips) {
    problems.push({
      population: "(network)",
      onnxNodes: [],
      resource: "chips",
      amount: chips,
      limit: target.chip.maxChips,
      message: `the network needs ${chips} chips (${cores.length} cores at ${usable} per chip) but ${target.name} systems have at most ${target.chip.maxChips}`,
    });
  }

  const layers: LayerPlacement[] = tiled.map((t) => {
    const mine = tiles.filter((x) => x.tile.population === t.population);
    return {
      population: t.population,
      onnxNodes: onnxNodesOf(t.population, options.origins),
      neurons: populationSize(pn.pops.get(t.population)!),
      synapses: t.whole.synapses,
      tiles: mine.length,
      cores: new Set(mine.map((x) => x.core)).size,
      naiveCores: t.naiveTiles,
      binding: t.binding,
    };
  });
  return {
    target,
    net,
    memory,
    budgets,
    tiles,
    cores,
    layers,
    naiveCores: tiled.reduce((a, t) => a + t.naiveTiles, 0),
    chips,
    problems,
    fits: problems.length === 0,
    coreOf,
    slotOf,
    prepared: pn,
  };
}

/** Amounts of one tile (for tests and the per-layer table). */
export { tileAmounts };
