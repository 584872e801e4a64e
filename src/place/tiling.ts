/**
 * Splits one population into tiles that each fit a core alone. Populations with a [C, H, W] shape are tiled in
 * (c, y, x) boxes (neighbouring outputs share input axons: a conv tile needs only the input rows and columns its
 * kernel reaches); others are split into contiguous neuron ranges. Both start from the split count of the worst
 * resource ratio (the nengo/lava-loihi rule) and refine until every tile fits. Conv channel blocks are cut inside
 * runs of channels with equal exponents (channelRuns), so each input axon has one synapse list per block.
 */
import type { HwPopulation } from "../hw/network.js";
import { populationSize } from "../hw/network.js";
import type { SynapseMemoryModel } from "./cost/index.js";
import { tileAmounts, worstRatio, type Budget, type Resource } from "./budget.js";
import type { PreparedNet } from "./prepared.js";
import { boxNeurons, formatOrder, fullBox, tileUsage, type Tile, type TileBox, type TileUsage } from "./usage.js";
import { expAt } from "./prepared.js";

export interface TiledPopulation {
  population: string;
  tiles: { tile: Tile; usage: TileUsage }[];
  /** The whole population's usage and the split count of the naive rule (worst resource ratio). */
  whole: TileUsage;
  naiveTiles: number;
  /** The resource that forced the split (the worst ratio of the whole population). */
  binding: Resource;
  /** A single neuron that fits no core: the resource, its amount and the limit. */
  unfit: { resource: Resource; amount: number; limit: number; detail?: string } | null;
}

const MAX_CANDIDATES = 400;

function fits(u: TileUsage, budgets: Budget[]): boolean {
  return worstRatio(tileAmounts(u), budgets).ratio <= 1;
}

function unfitOf(u: TileUsage, budgets: Budget[]): TiledPopulation["unfit"] {
  const a = tileAmounts(u);
  const { resource } = worstRatio(a, budgets);
  const limit = budgets.find((b) => b.resource === resource)!.capacity!;
  if (resource !== "synapse formats") return { resource, amount: a[resource], limit };
  // Which table entries: the distinct (sign mode, exponent, widths) of its synapse lists, and what re-encoding left.
  const keys = [...u.formats].sort();
  const detail = `its synapse lists use ${keys.length} distinct formats (${keys.join("; ")}); exact re-encoding onto shared exponents leaves ${a[resource]}`;
  return { resource, amount: a[resource], limit, detail };
}

/** k ranges of `order` (neurons sorted by their format key), each tile's neurons ascending. */
function rangeTiles(pop: HwPopulation, k: number, order: Int32Array): Tile[] {
  const n = populationSize(pop);
  const size = Math.ceil(n / k);
  const tiles: Tile[] = [];
  for (let a = 0; a < n; a += size) tiles.push({ population: pop.id, neurons: order.slice(a, Math.min(n, a + size)).sort(), box: null });
  return tiles;
}

/** Distinct block sizes ceil(n/k), k = 1..n. */
function blockSizes(n: number): number[] {
  const out = new Set<number>();
  for (let k = 1; k <= n; k++) out.add(Math.ceil(n / k));
  return [...out];
}

/** The tiles of a (cb, yb, xb) grid, channel block by channel block (one at a time: a failed grid stops early). */
/** The tiles of a grid: channel blocks × (yb, xb) boxes, block by block (one at a time: a failed grid stops early). */
function* boxTiles(pop: HwPopulation, blocks: [number, number][], yb: number, xb: number, order: Int32Array | undefined): Generator<Tile> {
  const [, H, W] = pop.shape as [number, number, number];
  for (const c of blocks)
    for (let y = 0; y < H; y += yb)
      for (let x = 0; x < W; x += xb) {
        const box: TileBox = { c, y: [y, Math.min(H, y + yb)], x: [x, Math.min(W, x + xb)], order };
        yield { population: pop.id, neurons: boxNeurons(pop.shape, box), box };
      }
}

/** A box of the given channels and size in the middle of the population (interior tiles reach the most inputs). */
function middleBox(pop: HwPopulation, c: [number, number], yb: number, xb: number, order?: Int32Array): Tile {
  const [, H, W] = pop.shape as [number, number, number];
  const y0 = Math.max(0, Math.floor((H - yb) / 2));
  const x0 = Math.max(0, Math.floor((W - xb) / 2));
  const box: TileBox = { c, y: [y0, y0 + yb], x: [x0, x0 + xb], order };
  return { population: pop.id, neurons: boxNeurons(pop.shape, box), box };
}

/** Each run of channels cut into ceil(length / cb) blocks of near-equal size (positions in the channel order). */
function channelBlocks(runs: [number, number][], cb: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of runs) {
    const k = Math.ceil((b - a) / cb);
    for (let i = 0; i < k; i++) out.push([a + Math.floor(((b - a) * i) / k), a + Math.floor(((b - a) * (i + 1)) / k)]);
  }
  return out;
}

/**
 * Channels ordered by the exponents of their incoming conv synapses (one per output channel and group), and the runs
 * of equal exponents in that order. Blocks cut inside a run hold one exponent per group, so an input axon's synapses
 * into the block form one list instead of one per exponent (short lists pay a block header and word rounding each).
 */
export function channelRuns(pn: PreparedNet, pop: HwPopulation): { order: Int32Array | undefined; runs: [number, number][] } {
  const C = pop.shape[0]!;
  const keys: number[][] = Array.from({ length: C }, () => []);
  let varies = false;
  for (const gr of pn.incoming.get(pop.id) ?? []) {
    if (gr.g.kind !== "conv" || typeof gr.g.weightExp === "number") continue;
    for (let c = 0; c < C; c++) keys[c]!.push(expAt(gr.g.weightExp, c));
    varies ||= gr.exps.length > 1;
  }
  if (!varies) return { order: undefined, runs: [[0, C]] };
  const cmp = (a: number[], b: number[]): number => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return 0;
  };
  const order = Int32Array.from({ length: C }, (_, c) => c).sort((a, b) => cmp(keys[a]!, keys[b]!) || a - b);
  const runs: [number, number][] = [];
  for (let i = 0; i < C; i++) {
    if (i > 0 && cmp(keys[order[i]!]!, keys[order[i - 1]!]!) === 0) runs[runs.length - 1]![1] = i + 1;
    else runs.push([i, i + 1]);
  }
  return { order, runs };
}

/** Output axon slots of `neurons` under the estimate (0 without one). */
function slotsOf(pn: PreparedNet, population: string, neurons: Int32Array): number {
  if (!pn.outputSlots) return 0;
  const base = pn.base.get(population)!;
  let slots = 0;
  for (const i of neurons) slots += pn.outputSlots[base + i]!;
  return slots;
}

/**
 * An earlier attempt's tiling of the population, its tiles' output axon slots re-counted under `pn`'s estimate, or null
 * (tile anew). Kept when the population's estimates are those it was tiled with (the same search, the same result),
 * or when it is a conv grid whose every tile still fits: estimates only grow from attempt to attempt, so the grids
 * tried before it failed again (each tiling costs a full usage pass over the layer; ResNet-18 has 38 of them); only a
 * grid the earlier search skipped by its tile-count bound may now fit too, and it is not tried. Range tilings are
 * tiled anew: their search starts from the estimate's tile count and steps by the worst tile's overshoot, so a larger
 * estimate can end elsewhere (a review: a 600-neuron layer kept 40 tiles where tiling anew took 43, and its network,
 * which fit, then did not).
 */
export function retile(pn: PreparedNet, earlier: TiledPopulation, earlierSlots: Float64Array | null, budgets: Budget[]): TiledPopulation | null {
  if (earlier.unfit || earlier.tiles.length === 0) return null;
  const unchanged = sameSlots(pn, earlier.population, earlierSlots);
  if (!unchanged && earlier.tiles.some((t) => t.tile.box === null)) return null;
  const tiles = earlier.tiles.map(({ tile, usage }) => ({ tile, usage: { ...usage, outputSlots: slotsOf(pn, tile.population, tile.neurons) } }));
  if (!unchanged && !tiles.every((t) => fits(t.usage, budgets))) return null;
  const whole = { ...earlier.whole, outputSlots: tiles.reduce((a, t) => a + t.usage.outputSlots, 0) };
  const { ratio, resource } = worstRatio(tileAmounts(whole), budgets);
  return { ...earlier, tiles, whole, naiveTiles: Math.max(1, Math.ceil(ratio)), binding: resource };
}

/** Whether the population's neurons have the same slot estimates under `pn` as under `earlier` (null: none). */
function sameSlots(pn: PreparedNet, population: string, earlier: Float64Array | null): boolean {
  const now = pn.outputSlots;
  if (now === earlier) return true;
  const base = pn.base.get(population)!;
  const n = populationSize(pn.pops.get(population)!);
  for (let i = base; i < base + n; i++) if ((now?.[i] ?? 0) !== (earlier?.[i] ?? 0)) return false;
  return true;
}

/** Whether tiling `pop` with channel runs differs from plain channel ranges (a conv layer whose exponents vary). */
export function channelRunsApply(pn: PreparedNet, pop: HwPopulation): boolean {
  return pop.kind === "compartments" && pop.shape.length === 3 && channelRuns(pn, pop).order !== undefined;
}

export function tilePopulation(pn: PreparedNet, pop: HwPopulation, budgets: Budget[], mem: SynapseMemoryModel, useRuns = true): TiledPopulation {
  const n = populationSize(pop);
  const isBox = pop.kind === "compartments" && pop.shape.length === 3;
  const wholeTile: Tile = { population: pop.id, neurons: Int32Array.from({ length: n }, (_, i) => i), box: isBox ? fullBox(pop.shape) : null };
  const whole = tileUsage(pn, wholeTile, mem);
  const { ratio, resource } = worstRatio(tileAmounts(whole), budgets);
  const naiveTiles = Math.max(1, Math.ceil(ratio));
  const result = (tiles: Tile[], unfit: TiledPopulation["unfit"] = null): TiledPopulation => ({
    population: pop.id,
    tiles: tiles.map((tile) => ({ tile, usage: tile === wholeTile ? whole : tileUsage(pn, tile, mem) })),
    whole,
    naiveTiles,
    binding: resource,
    unfit,
  });
  if (ratio <= 1) return result([wholeTile]);
  // One neuron alone (the middle one: it reaches the most inputs of a conv) must fit, or nothing will.
  const mid = Math.floor(n / 2);
  const single = isBox ? middleBox(pop, [0, 1], 1, 1) : { population: pop.id, neurons: Int32Array.of(mid), box: null };
  const singleUsage = tileUsage(pn, single, mem);
  // Unplaceable: the binding resource is the one a single neuron overflows (not the whole layer's worst ratio).
  const unplaced = (usage: TileUsage): TiledPopulation => {
    const unfit = unfitOf(usage, budgets);
    return { ...result([]), unfit, binding: unfit?.resource ?? resource };
  };
  if (!fits(singleUsage, budgets)) return unplaced(singleUsage);

  if (isBox) {
    const [C, H, W] = pop.shape as [number, number, number];
    const { order, runs } = useRuns ? channelRuns(pn, pop) : { order: undefined, runs: [[0, C]] as [number, number][] };
    const maxN = budgets.find((b) => b.resource === "neurons")!.capacity!;
    // One channel partition per block count (the blocks of the largest cb giving that count).
    const partitions = new Map<number, { blocks: [number, number][]; largest: [number, number] }>();
    for (let cb = C; cb >= 1; cb--) {
      const blocks = channelBlocks(runs, cb);
      if (partitions.has(blocks.length)) continue;
      const largest = blocks.reduce((m, b) => (b[1] - b[0] > m[1] - m[0] ? b : m));
      partitions.set(blocks.length, { blocks, largest });
    }
    const candidates: { part: { blocks: [number, number][]; largest: [number, number] }; cb: number; yb: number; xb: number; tiles: number }[] = [];
    for (const part of partitions.values())
      for (const yb of blockSizes(H))
        for (const xb of blockSizes(W)) {
          const cb = part.largest[1] - part.largest[0];
          if (cb * yb * xb > maxN) continue;
          const tiles = part.blocks.length * Math.ceil(H / yb) * Math.ceil(W / xb);
          if (tiles >= naiveTiles) candidates.push({ part, cb, yb, xb, tiles });
        }
    // Fewest tiles first; then more channels per tile (channels share the input axons), then squarer boxes.
    candidates.sort((a, b) => a.tiles - b.tiles || b.cb - a.cb || Math.abs(a.yb - a.xb) - Math.abs(b.yb - b.xb));
    let tried = 0;
    // Candidates are tried in order: memory is not linear in the tile size (block headers, word rounding, lists
    // split by exponent), so a failed box says little about the next grid's.
    let atLeast = naiveTiles;
    for (const c of candidates) {
      if (c.tiles < atLeast) continue;
      if (tried++ > MAX_CANDIDATES) break;
      const mid = tileUsage(pn, middleBox(pop, c.part.largest, c.yb, c.xb, order), mem);
      const midRatio = worstRatio(tileAmounts(mid), budgets).ratio;
      if (midRatio > 1) {
        continue;
      }
      const done: { tile: Tile; usage: TileUsage }[] = [];
      let ok = true;
      for (const tile of boxTiles(pop, c.part.blocks, c.yb, c.xb, order)) {
        const usage = tileUsage(pn, tile, mem);
        const w = worstRatio(tileAmounts(usage), budgets).ratio;
        if (w > 1) {
          ok = false;
          atLeast = Math.max(atLeast, c.tiles + 1);
          break;
        }
        done.push({ tile, usage });
      }
      if (ok) return { population: pop.id, tiles: done, whole, naiveTiles, binding: resource, unfit: null };
    }
    // Fall back to contiguous ranges (always possible when one neuron fits).
  }

  const order = formatOrder(pn, pop.id, n);
  const attempt = (k: number) => {
    const r = result(rangeTiles(pop, k, order));
    let worst = 0;
    let worstUsage: TileUsage | null = null;
    for (const t of r.tiles) {
      const w = worstRatio(tileAmounts(t.usage), budgets).ratio;
      if (w > worst) {
        worst = w;
        worstUsage = t.usage;
      }
    }
    return { r, worst, worstUsage };
  };
  // Grow the tile count by the worst tile's overshoot. A part of a tile's usage that does not shrink with the tile
  // (a neuron's own fan-in of axons, the clock axons) stalls that growth at +1 tile per step, each step costing a
  // full usage pass (audit: a 4096-wide dense layer ran > 17 min before its verdict): then double instead, and once
  // some count fits, bisect back below it for the smallest count that fits.
  let k = naiveTiles;
  let failed = naiveTiles - 1; // the largest count known not to fit
  let previous = Infinity;
  let doubled = false;
  for (;;) {
    const { r, worst, worstUsage } = attempt(k);
    if (worst <= 1) {
      if (!doubled) return r;
      let best = r;
      let hi = k;
      while (hi - failed > 1) {
        const mid = Math.floor((failed + hi) / 2);
        const m = attempt(mid);
        if (m.worst <= 1) (best = m.r), (hi = mid);
        else failed = mid;
      }
      return best;
    }
    if (k >= n) return unplaced(worstUsage!);
    failed = k;
    // Smaller tiles, the same overshoot (a part that does not shrink), and a step of less than 1/8: double.
    const grown = Math.max(k + 1, Math.ceil(k * worst));
    const stalled = worst >= previous && grown - k < k / 8;
    previous = worst;
    if (stalled) doubled = true;
    k = Math.min(n, stalled ? 2 * k : grown);
  }
}
