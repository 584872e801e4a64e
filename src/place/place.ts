/**
 * Placement: the HW IR tiled onto cores under the target's per-core budgets (src/place/budget.ts). Every
 * compartment population and every clock is tiled (./tiling.ts); tiles are then packed onto cores in network order,
 * first fit over the most recently opened cores, sharing input axons and profile-table entries where they coincide.
 * Output axon slots (one per neuron and destination core) are counted once every tile has its core; where a core has
 * more than the target allows, the network is placed again with each neuron's measured slots as a tile resource, so
 * that tiling splits and packing spreads those neurons (targets.md §7: recompute each tile and iterate until all fit).
 * The naive core count (each layer alone, split from its worst resource ratio until every tile fits, one tile per
 * core) is reported beside the packed one; packing never needs more.
 */
import type { HwNetwork } from "../hw/network.js";
import { populationSize } from "../hw/network.js";
import type { Target } from "../hw/target/target.js";
import { memoryModelOf, type SynapseMemoryModel } from "./cost/index.js";
import { budgetsOf, RESOURCES, tileAmounts, type Budget, type Resource } from "./budget.js";
import { prepare, type PreparedNet } from "./prepared.js";
import { channelRunsApply, retile, tilePopulation, type TiledPopulation } from "./tiling.js";
import { formatsNeeded, tileUsage, type Tile, type TileUsage } from "./usage.js";
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
  /** Cores its neurons' spikes reach, on average (one output axon slot each): why output axons can bind. */
  destinationCores?: number;
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
  /** Cores of the naive rule: each layer alone, one tile per core (see naiveCoresOf). */
  naiveCores: number;
  /** Σ over placed layers of ceil(worst resource ratio of the whole layer): the naive rule's start, not a placement. */
  naiveBound: number;
  chips: number;
  problems: FitProblem[];
  fits: boolean;
  /** Placements tried (the first, and the rounds that split layers by their measured output axon slots). */
  attempts: number;
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
  /**
   * Cut conv channel blocks inside runs of equal exponents (./tiling.ts channelRuns; default true). Such blocks
   * store shorter synapse memory but are more numerous, so a source neuron may reach more cores.
   */
  channelRuns?: boolean;
}

/** ONNX nodes of a HW population: its own, or its parent layer's with the role ("/0/Conv/clock"). */
export function onnxNodesOf(id: string, origins?: Map<string, string[]>): string[] {
  if (!origins) return [id];
  if (origins.has(id)) return origins.get(id)!;
  const cut = id.lastIndexOf("/");
  if (cut > 0 && origins.has(id.slice(0, cut))) return origins.get(id.slice(0, cut))!.map((o) => `${o} [${id.slice(cut + 1)}]`);
  return [id];
}

/** A core being filled. Its input axons live in the window's bit masks (see `place`), only their count here. */
class OpenCore {
  neurons = 0;
  memory = 0;
  axonCount = 0;
  /** Output axon slots expected from an earlier placement (0 on the first). */
  outputSlots = 0;
  /** Format demands by key; the table holds them after exact re-encoding (./formats.ts). */
  readonly formats = new Map<string, FormatDemand>();
  formatCount = 0;
  readonly compartments = new Set<string>();
  readonly thresholds = new Set<number>();
  readonly groups = new Set<string>();
  shared: string | null = null;
  readonly tiles: number[] = [];
  /**
   * Per population with tiles here, the union of their neurons and what its lists cost: the core stores one list per
   * (input axon, format) for all of them, as cores.json does, not one per tile (an audit found 41 two-neuron tiles
   * charged 1,035,264 bits where their merged lists take 442,944; and conv boxes charged box by box 166,208 bits
   * over, or 192 under, what their merged lists take).
   */
  private readonly merged = new Map<string, { neurons: Int32Array; memory: number }>();
  /** The last exact memoryWith result, reused by add() for the same tile. */
  private last: { tile: Tile; total: number; merged: { neurons: Int32Array; memory: number } } | null = null;

  constructor(
    readonly index: number,
    private readonly pn: PreparedNet,
    private readonly mem: SynapseMemoryModel,
  ) {}

  /**
   * The core's synapse memory with `tile` added, and the population's merged lists here. A conv box joining boxes of
   * its layer is first screened by the sum of the boxes' own costs (`exact` false): merging their lists means
   * enumerating every synapse of the union, too slow for every window core (ResNet-18: minutes); it is done only for
   * the core chosen (acceptsMerged), as the sum is not a bound (blocks of ≤ N entries: a merged list can take a word
   * more than its parts).
   */
  private memoryWith(tile: Tile, u: TileUsage, exact: boolean): { total: number; merged: { neurons: Int32Array; memory: number } | null } {
    if (this.last?.tile === tile) return this.last;
    const here = this.merged.get(tile.population);
    if (!here) return { total: this.memory + u.memory, merged: { neurons: tile.neurons, memory: u.memory } };
    if (!exact && tile.box !== null) return { total: this.memory + u.memory, merged: null };
    const neurons = new Int32Array(here.neurons.length + tile.neurons.length);
    neurons.set(here.neurons);
    neurons.set(tile.neurons, here.neurons.length);
    neurons.sort();
    const memory = tileUsage(this.pn, { population: tile.population, neurons, box: null }, this.mem).memory;
    this.last = { tile, total: this.memory - here.memory + memory, merged: { neurons, memory } };
    return this.last;
  }

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

  /** Every budget but input axons (those need the window's masks): the cheap checks, tried first. */
  acceptsBesidesAxons(u: TileUsage, tile: Tile, cap: (r: Resource) => number): boolean {
    const population = tile.population;
    if (this.shared !== null && u.shared !== this.shared) return false;
    if (this.neurons + u.neurons > cap("neurons")) return false;
    if (this.outputSlots + u.outputSlots > cap("output axons")) return false;
    if (!this.groups.has(population) && this.groups.size + 1 > cap("neuron groups")) return false;
    if (this.formatsWith(u, cap("synapse formats")) > cap("synapse formats")) return false;
    if (this.grown(this.compartments, u.compartmentProfiles) > cap("compartment profiles")) return false;
    if (this.grown(this.thresholds, u.thresholds) > cap("thresholds")) return false;
    // Last: merging lists re-costs the population's neurons here (conv boxes: screened, see memoryWith).
    return this.memoryWith(tile, u, false).total <= cap("synapse memory");
  }

  /** The synapse memory check with the merged lists of the tile's layer here, exact (after acceptsBesidesAxons). */
  acceptsMerged(u: TileUsage, tile: Tile, cap: (r: Resource) => number): boolean {
    return this.memoryWith(tile, u, true).total <= cap("synapse memory");
  }

  add(k: number, u: TileUsage, tile: Tile, newAxons: number): void {
    const population = tile.population;
    const { total, merged } = this.memoryWith(tile, u, true);
    this.last = null;
    this.memory = total;
    this.merged.set(population, merged!);
    this.tiles.push(k);
    this.neurons += u.neurons;
    this.outputSlots += u.outputSlots;
    this.axonCount += newAxons;
    this.groups.add(population);
    for (const [k, d] of u.formatDemands) this.formats.set(k, this.formats.has(k) ? mergeDemand(this.formats.get(k)!, d) : d);
    this.formatCount = formatsNeeded(this.pn, this.formats);
    for (const x of u.compartmentProfiles) this.compartments.add(x);
    for (const x of u.thresholds) this.thresholds.add(x);
    this.shared = u.shared;
  }
}

/**
 * The naive rule's cores for one layer: split by its worst resource ratio, then (as lava-loihi does) split further
 * until every tile fits a core alone, one tile per core. Tiles of a split cost more than their share of the whole
 * layer (halo input axons, shorter synapse lists), so ceil(ratio) tiles rarely fit: the bare ratio is not a placement.
 */
function naiveCoresOf(t: TiledPopulation): number {
  // A layer one neuron of which fits no core is placed by neither rule (it is listed under problems).
  return t.tiles.length;
}

/** Most cores a tile is tried on: one bit per window core in a 32-bit mask per source neuron. */
const MAX_WINDOW = 32;

/**
 * Placements tried with measured output axon slots before the best one's problems are reported: at most SLOT_ROUNDS,
 * and no more once STALE_ROUNDS in a row did not improve on the best (an audit's small ResNet on Loihi 1 at 4 ticks
 * needed 5–8: 32 cores over their slots after 4).
 */
const SLOT_ROUNDS = 12;
const STALE_ROUNDS = 3;

/**
 * Whether placing again with measured output axon slots can help: output axon slots are the only problems more
 * splitting can solve; a layer one neuron of which fits no core (unplaced: no tiles) stays a problem whatever the
 * rounds do, and must not keep them from fixing the others, nor start them when its slots are all there is (the
 * ResNet-18 bench ran ~7 placements, ~44 s, for slot problems of unplaced clocks); nor must the chip count, which the
 * rounds change too (a first placement's slot overflows are normal: with a chip limit they once returned it
 * unrepaired, "does not fit" for a network that fits).
 */
export function slotRoundsCanHelp(x: Pick<Placement, "layers" | "problems">): boolean {
  const unplaced = new Set(x.layers.filter((l) => l.tiles === 0).map((l) => l.population));
  const slots = x.problems.filter((q) => q.resource === "output axons" && !unplaced.has(q.population)).length;
  return slots > 0 && x.problems.every((q) => q.resource === "output axons" || q.resource === "chips" || unplaced.has(q.population));
}

export function place(net: HwNetwork, target: Target, options: PlaceOptions = {}): Placement {
  const better = (a: Placement, b: Placement): boolean =>
    a.problems.length < b.problems.length || (a.problems.length === b.problems.length && a.cores.length < b.cores.length);
  let attempts = 1;
  const done = (x: Placement): Placement => ({ ...x, attempts });
  // One preparation and memory model for every attempt (was: each attempt prepared anew, its memos cold).
  const common: Shared = { prepared: prepare(net, target), memory: memoryModelOf(target) };
  let run = placeOnce(common, options, null, null);
  if (!slotRoundsCanHelp(run.placement)) return done(run.placement);
  // Exponent-run channel blocks save synapse memory but spread a source neuron's spikes over more cores: when
  // output axon slots are all that keeps the network from fitting, plain channel ranges are tried too.
  // Layers without exponent runs tile the same either way: they keep the first attempt's tiles, and when no layer has
  // runs the plain attempt would repeat the first one, so it is not made.
  let chosen = options;
  const same = new Map([...run.tiled].filter(([id]) => !channelRunsApply(common.prepared, common.prepared.pops.get(id)!)));
  if (options.channelRuns !== false && same.size < run.tiled.size) {
    const plain = placeOnce(common, { ...options, channelRuns: false }, null, { tiled: same, slots: null });
    attempts++;
    if (better(plain.placement, run.placement)) [run, chosen] = [plain, { ...options, channelRuns: false }];
  }
  // Then again with each neuron's slots (the most any placement so far measured) counted while tiling and packing.
  // A round that splits a layer can spread its neurons' spikes over more cores, so it may not improve at once: the
  // rounds go on from the latest placement, and the best one is kept.
  let best = run;
  let estimate: Float64Array | null = null;
  for (let round = 0, stale = 0; round < SLOT_ROUNDS && stale < STALE_ROUNDS && slotRoundsCanHelp(run.placement); round++) {
    // A new array each round: earlier placements keep the estimate they were made with (Placement.prepared).
    const previous: Float64Array | null = estimate;
    const latest = run.destinations;
    // A plain loop: Float64Array.from with a map function took ~1 s over ResNet-18's 2.5 M neurons.
    estimate = new Float64Array(latest.length);
    for (let g = 0; g < latest.length; g++) estimate[g] = previous ? Math.max(latest[g]!, previous[g]!) : latest[g]!;
    // Conv layers whose tiles still fit under the new estimate keep them (tiling.ts retile); the others are tiled anew.
    run = placeOnce(common, chosen, estimate, { tiled: run.tiled, slots: run.placement.prepared.outputSlots });
    attempts++;
    if (run.placement.fits) return done(run.placement);
    if (better(run.placement, best.placement)) (best = run), (stale = 0);
    else stale++;
  }
  return done(best.placement);
}

/** What every placement attempt of one network shares: the usage memos (per prepared group and model) carry over. */
interface Shared {
  prepared: PreparedNet;
  memory: SynapseMemoryModel;
}

interface Attempt {
  placement: Placement;
  /** Destination cores reached by each global neuron's spikes. */
  destinations: Int32Array;
  /** The tiling of each placed population, for the next attempt with the same options. */
  tiled: Map<string, TiledPopulation>;
}

/**
 * One placement; `outputSlots` is a per-neuron slot estimate from earlier ones (see `place`), `earlier` the tilings of
 * the previous attempt with the same options and the estimate they were made with (null: tile every population).
 */
function placeOnce(
  common: Shared,
  options: PlaceOptions,
  outputSlots: Float64Array | null,
  earlier: { tiled: Map<string, TiledPopulation>; slots: Float64Array | null } | null,
): Attempt {
  const { prepared, memory } = common;
  const { net, target } = prepared;
  const budgets = budgetsOf(target, memory);
  const capOf = new Map(budgets.map((b) => [b.resource, b.capacity ?? Infinity]));
  const cap = (r: Resource) => capOf.get(r)!;
  const pn = { ...prepared, outputSlots };
  const problems: FitProblem[] = [];
  const tiled: TiledPopulation[] = [];
  // Every compartment population and every clock is placed; the input is the host's (it drives input axons only).
  for (const p of net.populations) {
    if (p.kind === "source" && p.role === "input") continue;
    const before = earlier?.tiled.get(p.id);
    const t = (before && retile(pn, before, earlier!.slots, budgets)) ?? tilePopulation(pn, p, budgets, memory, options.channelRuns ?? true);
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
  // The input axons of the window's cores are bit masks over source neurons (bit = core index mod window), so a
  // tile's shared axons with every window core come from one pass over its axons. A core leaving the window is
  // final: its axons then count one output axon slot each at their source (one per (neuron, destination core)).
  const window = Math.max(1, Math.min(MAX_WINDOW, options.window ?? 8));
  const inWindow = new Uint32Array(pn.totalNeurons);
  // Destination cores per source neuron as a difference array while cores retire (runs of axons: two writes each).
  const destinationRuns = new Int32Array(pn.totalNeurons + 1);
  let scratch = new Int32Array(4096);
  const axonsOf = (u: TileUsage): Int32Array => {
    if (scratch.length < u.axons.count) scratch = new Int32Array(2 * u.axons.count);
    return scratch.subarray(0, u.axons.write(scratch));
  };
  const tiles: PlacedTile[] = [];
  const open: OpenCore[] = [];
  // A window core's masks are written only once some tile could join it (memory-bound tiles mostly fill a core
  // alone); until then its axons are its single tile's. `windowAxons` holds the distinct axons of masked cores.
  const windowAxons = new Map<OpenCore, { ids: Int32Array; n: number }>();
  // Axon lists of retired cores are reused (no garbage per core).
  const spare: Int32Array[] = [];
  const mask = (c: OpenCore, axons: Int32Array): number => {
    const bit = 1 << c.index % window;
    let list = windowAxons.get(c);
    if (!list) windowAxons.set(c, (list = { ids: spare.pop() ?? new Int32Array(4096), n: 0 }));
    let added = 0;
    for (const a of axons) {
      if ((inWindow[a]! & bit) !== 0) continue;
      inWindow[a]! |= bit;
      if (list.n === list.ids.length) {
        const grown = new Int32Array(2 * list.n);
        grown.set(list.ids);
        list.ids = grown;
      }
      list.ids[list.n++] = a;
      added++;
    }
    return added;
  };
  const materialize = (c: OpenCore): void => {
    if (windowAxons.has(c)) return;
    for (const k of c.tiles) mask(c, axonsOf(tiles[k]!.usage));
  };
  // A core leaving the window is final: each of its distinct axons takes one output axon slot at its source.
  const retire = (c: OpenCore): void => {
    const list = windowAxons.get(c);
    if (!list) {
      tiles[c.tiles[0]!]!.usage.axons.addRunsTo(destinationRuns);
      return;
    }
    const bit = 1 << c.index % window;
    for (let q = 0; q < list.n; q++) {
      const a = list.ids[q]!;
      inWindow[a]! &= ~bit;
      destinationRuns[a]!++;
      destinationRuns[a + 1]!--;
    }
    windowAxons.delete(c);
    spare.push(list.ids);
  };
  const shared = new Int32Array(MAX_WINDOW);
  const axonCap = cap("input axons");
  for (const t of tiled) {
    for (const { tile, usage } of t.tiles) {
      const k = tiles.length;
      const candidates = open.slice(-window).filter((c) => c.acceptsBesidesAxons(usage, tile, cap));
      let core: OpenCore | undefined;
      if (candidates.length) {
        let bits = 0;
        for (const c of candidates) {
          materialize(c);
          bits |= 1 << c.index % window;
        }
        shared.fill(0);
        for (const a of axonsOf(usage)) for (let m = inWindow[a]! & bits; m !== 0; m &= m - 1) shared[31 - Math.clz32(m & -m)]!++;
        core = candidates.find((c) => c.axonCount + usage.axons.count - shared[c.index % window]! <= axonCap && c.acceptsMerged(usage, tile, cap));
      }
      if (core) core.add(k, usage, tile, mask(core, axonsOf(usage)));
      else {
        core = new OpenCore(open.length, pn, memory);
        open.push(core);
        if (open.length > window) retire(open[open.length - 1 - window]!);
        // A fresh core: every axon of the tile is new there.
        core.add(k, usage, tile, usage.axons.count);
      }
      tiles.push({ tile, usage, core: core.index });
    }
  }
  for (const c of open.slice(-window)) retire(c);
  const destinations = new Int32Array(pn.totalNeurons);
  for (let g = 0, run = 0; g < pn.totalNeurons; g++) destinations[g] = run += destinationRuns[g]!;

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
  const perCore = new Float64Array(open.length);
  for (let g = 0; g < pn.totalNeurons; g++) if (coreOf[g]! >= 0) perCore[coreOf[g]!] += destinations[g]!;

  const usable = target.chip.usableCoresPerChip;
  const cores: PlacedCore[] = open.map((c) => {
    const used = Object.fromEntries(RESOURCES.map((r) => [r, 0])) as Record<Resource, number>;
    used.neurons = c.neurons;
    used["input axons"] = c.axonCount;
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
    const base = pn.base.get(t.population)!;
    const n = populationSize(pn.pops.get(t.population)!);
    let reached = 0;
    for (let i = 0; i < n; i++) reached += destinations[base + i]!;
    return {
      population: t.population,
      onnxNodes: onnxNodesOf(t.population, options.origins),
      neurons: populationSize(pn.pops.get(t.population)!),
      synapses: t.whole.synapses,
      tiles: mine.length,
      cores: new Set(mine.map((x) => x.core)).size,
      naiveCores: naiveCoresOf(t),
      binding: t.binding,
      destinationCores: n ? reached / n : 0,
    };
  });
  const placement: Placement = {
    target,
    net,
    memory,
    budgets,
    tiles,
    cores,
    layers,
    naiveCores: tiled.reduce((a, t) => a + naiveCoresOf(t), 0),
    naiveBound: tiled.reduce((a, t) => a + (t.unfit ? 0 : t.naiveTiles), 0),
    chips,
    problems,
    fits: problems.length === 0,
    attempts: 1,
    coreOf,
    slotOf,
    prepared: pn,
  };
  return { placement, destinations, tiled: new Map(tiled.map((t) => [t.population, t])) };
}

/** Amounts of one tile (for tests and the per-layer table). */
export { tileAmounts };
