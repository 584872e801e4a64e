/**
 * What one tile (a slice of a population) costs a core: compartments, input axons (one per source neuron that
 * reaches the tile: a spike enters a core once, whatever the number of its synapses there), synapse memory by the
 * target's formula, and the entries of the profile tables. Synapse lists are per (input axon, format); a list is
 * stored dense (a contiguous run, zeros included, no index field) or sparse (one index per synapse), whichever costs
 * less. Conv tiles are counted in closed form: input rows (columns) with the same set of reaching kernel taps give
 * the same lists, so each class of (channel, row taps, column taps) is costed once and multiplied; the result is
 * memoized per (channel block, row classes, column classes), which all interior tiles of a block share. Input axons
 * are kept as an AxonSet (./axon-set.ts), regenerated from the geometry rather than stored per tile.
 */
import type { HwCompartmentPopulation, HwConvSynapses, HwDenseSynapses, HwSparseSynapses } from "../hw/network.js";
import { populationSize } from "../hw/network.js";
import type { ListFormat, SynapseMemoryModel } from "./cost/index.js";
import { delayAt, expAt, profileKeys, type PreparedGroup, type PreparedNet } from "./prepared.js";
import { coverFormats, formatRulesOf, mergeDemand, trailingZeros, TZ_CAP, type FormatDemand } from "./formats.js";
import { AxonSet, type AxonPart } from "./axon-set.js";

/**
 * A slice of a population: its neurons (population indices, ascending), and the (c, y, x) box of a conv tile. A box's
 * channels are c[0]..c[1]−1, or with `order` (a permutation of the channels) order[c[0]]..order[c[1]−1]: channels
 * ordered by exponent make blocks whose lists share one format, hence longer lists and fewer block headers.
 */
export interface TileBox {
  c: [number, number];
  y: [number, number];
  x: [number, number];
  order?: Int32Array;
}

export interface Tile {
  population: string;
  neurons: Int32Array;
  box: TileBox | null;
}

export interface TileUsage {
  neurons: number;
  /** Output axon slots the tile's neurons are expected to take (PreparedNet.outputSlots; 0 without an estimate). */
  outputSlots: number;
  /** The source neurons with synapses into the tile (one input axon each), regenerated on demand (./axon-set.ts). */
  axons: AxonSet;
  memory: number;
  synapses: number;
  formats: Set<string>;
  /** Per format key, the extent of its weights (what exact re-encoding onto another exponent needs). */
  formatDemands: Map<string, FormatDemand>;
  /** Format-table entries the tile needs after exact re-encoding (≤ formats.size; ./formats.ts). */
  formatsNeeded: number;
  compartmentProfiles: Set<string>;
  thresholds: Set<number>;
  /** Settings shared per core (vmin/vmax): tiles with different keys cannot share a core. */
  shared: string;
}

const formatKey = (gr: PreparedGroup, exp: number, dense: boolean): string =>
  `${gr.mode} exp=${exp} w${gr.weightBits} d${gr.delayBits} ${dense ? "dense" : "sparse"}`;

/** Extent of a set of nonzero weights: largest, smallest, fewest trailing zeros. */
export interface WeightExtent {
  maxW: number;
  minW: number;
  tz: number;
}

export const emptyExtent = (): WeightExtent => ({ maxW: -Infinity, minW: Infinity, tz: TZ_CAP });

export function widen(e: WeightExtent, w: number): void {
  if (w > e.maxW) e.maxW = w;
  if (w < e.minW) e.minW = w;
  if (e.tz > 0) e.tz = Math.min(e.tz, trailingZeros(w));
}

/** List costs and format keys of one group, memoized across tiles (the same entry counts recur tile after tile). */
interface GroupCosts {
  mem: SynapseMemoryModel;
  indexBits: number;
  sparse: ListFormat;
  dense: ListFormat;
  sparseCost: Map<number, number>;
  denseCost: Map<number, number>;
  /** Format key per exp·2 + dense. */
  keys: Map<number, string>;
}
const groupCosts = new WeakMap<PreparedGroup, GroupCosts>();
function costsOf(gr: PreparedGroup, mem: SynapseMemoryModel, indexBits: number): GroupCosts {
  let f = groupCosts.get(gr);
  if (!f || f.mem !== mem || f.indexBits !== indexBits) {
    const base = { weightBits: gr.weightBits, delayBits: gr.delayBits, indexBits };
    f = { mem, indexBits, sparse: { ...base, dense: false }, dense: { ...base, dense: true }, sparseCost: new Map(), denseCost: new Map(), keys: new Map() };
    groupCosts.set(gr, f);
  }
  return f;
}

/** Accumulates the synapse lists, formats and input axons of one tile. */
class Acc {
  memory = 0;
  synapses = 0;
  readonly formats = new Set<string>();
  readonly demands = new Map<string, FormatDemand>();
  /** Input axons per source population. */
  readonly parts: { source: string; part: AxonPart }[] = [];
  /** Weight extents of the tile's synapses per (group, exponent), set before the group's lists. */
  readonly extents = new Map<PreparedGroup, Map<number, WeightExtent>>();
  /** Format keys (exp·2 + dense) each group has already charged to this tile. */
  private readonly seen = new Map<PreparedGroup, Set<number>>();
  constructor(
    readonly mem: SynapseMemoryModel,
    readonly indexBits: number,
  ) {}

  /** A list of `entries` synapses; `span` = length of the contiguous run holding them (dense option), or 0. */
  list(gr: PreparedGroup, exp: number, entries: number, span: number, times = 1): void {
    if (entries <= 0) return;
    const f = costsOf(gr, this.mem, this.indexBits);
    let sparse = f.sparseCost.get(entries);
    if (sparse === undefined) f.sparseCost.set(entries, (sparse = this.mem.listCost(entries, f.sparse)));
    let dense = Infinity;
    if (span > 0) {
      dense = f.denseCost.get(span) ?? -1;
      if (dense < 0) f.denseCost.set(span, (dense = this.mem.listCost(span, f.dense)));
    }
    this.memory += times * Math.min(sparse, dense);
    this.synapses += times * entries;
    const useDense = dense < sparse;
    const cacheKey = useDense ? exp * 2 + 1 : exp * 2;
    let seen = this.seen.get(gr);
    if (!seen) this.seen.set(gr, (seen = new Set()));
    if (seen.has(cacheKey)) return;
    seen.add(cacheKey);
    let key = f.keys.get(cacheKey);
    if (key === undefined) f.keys.set(cacheKey, (key = formatKey(gr, exp, useDense)));
    this.formats.add(key);
    const e = this.extents.get(gr)?.get(exp) ?? { maxW: gr.mode === "inhibitory" ? 0 : 255, minW: gr.mode === "excitatory" ? 0 : -256, tz: 0 };
    this.demand(key, { mode: gr.mode, exp, weightBits: gr.weightBits, delayBits: gr.delayBits, dense: useDense, ...e });
  }

  demand(key: string, d: FormatDemand): void {
    this.formats.add(key);
    const old = this.demands.get(key);
    this.demands.set(key, old ? mergeDemand(old, d) : d);
  }
}

/**
 * Weight extents of a dense group per target neuron, or of a conv group per output channel (the units that carry
 * one exponent), computed once per group.
 */
const unitExtents = new WeakMap<PreparedGroup, WeightExtent[]>();
function extentsOf(gr: PreparedGroup): WeightExtent[] {
  let out = unitExtents.get(gr);
  if (out) return out;
  const g = gr.g;
  const units = g.kind === "dense" ? populationSize(gr.source) : g.kind === "conv" ? (g.weight.length / (gr.source.shape[0]! / g.group)) / (g.kernel[0] * g.kernel[1]) : 0;
  const per = units ? g.weight.length / units : 0;
  // Dense weight is [nOut, nIn] (one row per target neuron); conv weight is [Co, Cin/group, kh, kw] (one block per
  // output channel): either way a unit is a contiguous run.
  const count = g.kind === "dense" ? g.weight.length / units : units;
  const len = g.kind === "dense" ? units : per;
  out = Array.from({ length: count }, emptyExtent);
  for (let u = 0; u < count; u++) out[u] = extentOfRun(g.weight, u * len, (u + 1) * len);
  unitExtents.set(gr, out);
  return out;
}

/** Fewest trailing zeros of a set of nonzero weights = trailing zeros of their bitwise OR. */
export function trailingZerosOfOr(or: number): number {
  return or === 0 ? TZ_CAP : Math.min(TZ_CAP, 31 - Math.clz32(or & -or));
}

function extentOfRun(w: Int16Array, from: number, to: number): WeightExtent {
  let maxW = -Infinity;
  let minW = Infinity;
  let or = 0;
  for (let k = from; k < to; k++) {
    const x = w[k]!;
    if (x === 0) continue;
    if (x > maxW) maxW = x;
    if (x < minW) minW = x;
    or |= x;
  }
  return { maxW, minW, tz: trailingZerosOfOr(or) };
}

/** Sets the tile's extent of (group, exponent) from the units (rows or channels) it holds. */
function setExtents(acc: Acc, gr: PreparedGroup, units: Iterable<number>, expOf: (u: number) => number): void {
  const ext = extentsOf(gr);
  const m = new Map<number, WeightExtent>();
  for (const u of units) {
    const e = ext[u]!;
    if (e.maxW === -Infinity) continue;
    const x = expOf(u);
    const cur = m.get(x);
    if (!cur) m.set(x, { ...e });
    else {
      cur.maxW = Math.max(cur.maxW, e.maxW);
      cur.minW = Math.min(cur.minW, e.minW);
      cur.tz = Math.min(cur.tz, e.tz);
    }
  }
  acc.extents.set(gr, m);
}

/**
 * Per dense group, the per-(source, format) counters denseUsage fills for each tile it is asked about (a 4096-wide
 * layer is asked about thousands of tiles: allocating them each time cost ~15 % of a placement in garbage collection).
 */
const denseScratch = new WeakMap<PreparedGroup, { cnt: Int32Array; lo: Int32Array; hi: Int32Array; ids: Int32Array }>();

function denseUsage(gr: PreparedGroup, g: HwDenseSynapses, t: Tile, srcBase: number, acc: Acc): AxonPart {
  const nIn = populationSize(gr.source);
  const nF = gr.exps.length;
  const fOf = new Int32Array(t.neurons.length);
  const exps = g.weightExp;
  if (typeof exps !== "number") t.neurons.forEach((i, p) => (fOf[p] = gr.exps.indexOf(exps[i]!)));
  // Per (source neuron j, format f): synapses, first and last tile position. Row-major: weight is [nOut, nIn].
  let scratch = denseScratch.get(gr);
  if (!scratch) denseScratch.set(gr, (scratch = { cnt: new Int32Array(nIn * nF), lo: new Int32Array(nIn * nF), hi: new Int32Array(nIn * nF), ids: new Int32Array(nIn) }));
  const { cnt, lo, hi, ids } = scratch;
  cnt.fill(0);
  const T = t.neurons;
  let n = 0;
  setExtents(acc, gr, T, (i) => expAt(exps, i));
  for (let p = 0; p < T.length; p++) {
    const row = T[p]! * nIn;
    const f = fOf[p]!;
    for (let j = 0; j < nIn; j++) {
      if (g.weight[row + j] === 0) continue;
      const q = j * nF + f;
      if (cnt[q] === 0) lo[q] = p;
      cnt[q]!++;
      hi[q] = p;
    }
  }
  // Lists of one format, length and span cost the same: charged together (most sources of a dense tile have one).
  const same = new Map<number, number>();
  for (let j = 0; j < nIn; j++) {
    let any = false;
    for (let f = 0; f < nF; f++) {
      const q = j * nF + f;
      if (cnt[q] === 0) continue;
      any = true;
      // Dense storage holds the run of targets of this format; with one format per group that is the tile's span.
      const span = nF === 1 ? hi[q]! - lo[q]! + 1 : 0;
      const key = (f * (T.length + 1) + cnt[q]!) * (T.length + 1) + span;
      same.set(key, (same.get(key) ?? 0) + 1);
    }
    if (any) ids[n++] = srcBase + j;
  }
  for (const [key, times] of [...same].sort((a, b) => a[0] - b[0])) {
    const span = key % (T.length + 1);
    const rest = (key - span) / (T.length + 1);
    const count = rest % (T.length + 1);
    acc.list(gr, gr.exps[(rest - count) / (T.length + 1)]!, count, span, times);
  }
  return { kind: "ids", ids: ids.slice(0, n) };
}

/**
 * Charges synapse lists counted per (source neuron, format) — keys j·nF + f, `counts[key]` synapses — to the tile
 * (lists of equal length are charged together), and returns the distinct source neurons as input axons.
 */
function chargeLists(acc: Acc, gr: PreparedGroup, keys: ArrayLike<number>, nKeys: number, count: (key: number) => number, nF: number, srcBase: number): AxonPart {
  // Keys ascend, so the formats of one source neuron are adjacent: count the distinct source neurons first.
  let n = 0;
  for (let q = 0, last = -1; q < nKeys; q++) {
    const j = Math.floor(keys[q]! / nF);
    if (j !== last) n++;
    last = j;
  }
  const ids = new Int32Array(n);
  n = 0;
  // Runs of equal (format, length) are charged at once (latch and skip groups: one run per tile).
  let runF = -1;
  let runLen = 0;
  let runTimes = 0;
  for (let q = 0, last = -1; q < nKeys; q++) {
    const key = keys[q]!;
    const f = key % nF;
    const c = count(key);
    if (f === runF && c === runLen) runTimes++;
    else {
      if (runTimes) acc.list(gr, gr.exps[runF]!, runLen, 0, runTimes);
      runF = f;
      runLen = c;
      runTimes = 1;
    }
    const j = (key - f) / nF;
    if (j !== last) ids[n++] = srcBase + j;
    last = j;
  }
  if (runTimes) acc.list(gr, gr.exps[runF]!, runLen, 0, runTimes);
  return { kind: "ids", ids };
}

/**
 * Synapses counted per (source neuron, format) key, j·nF + f, reused from tile to tile of one group (no garbage per
 * tile): the keys seen are listed as they come, and only those are zeroed afterwards.
 */
class KeyCounts {
  readonly counts: Int32Array;
  private keys = new Int32Array(64);
  private n = 0;
  constructor(size: number) {
    this.counts = new Int32Array(size);
  }

  add(key: number): void {
    if (this.counts[key]!++ !== 0) return;
    if (this.n === this.keys.length) {
      const grown = new Int32Array(2 * this.n);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys[this.n++] = key;
  }

  /** Charges the counted lists to the tile (chargeLists), returns its input axons, and zeroes the counters. */
  charge(acc: Acc, gr: PreparedGroup, nF: number, srcBase: number): AxonPart {
    const keys = this.keys.subarray(0, this.n).sort();
    const counts = this.counts;
    try {
      return chargeLists(acc, gr, keys, keys.length, (key) => counts[key]!, nF, srcBase);
    } finally {
      // Zeroed even if charging throws: the counters outlive this call.
      for (let q = 0; q < keys.length; q++) counts[keys[q]!] = 0;
      this.n = 0;
    }
  }
}

/** Per sparse group: the format index of each synapse, and scratch counters over its (source neuron, format) keys. */
interface SparseScratch {
  fOf: Uint8Array | null;
  /** Weight extent per format. */
  maxW: Float64Array;
  minW: Float64Array;
  or: Int32Array;
  counted: KeyCounts;
}
const sparseScratch = new WeakMap<PreparedGroup, SparseScratch>();
function scratchOf(gr: PreparedGroup): SparseScratch {
  let s = sparseScratch.get(gr);
  if (!s) {
    const g = gr.g as HwSparseSynapses;
    const nF = gr.exps.length;
    const e = g.weightExp;
    let fOf: Uint8Array | null = null;
    if (nF > 1 && typeof e !== "number") {
      // Exponents are int8: a 256-entry lookup instead of a search per synapse.
      const slot = new Uint8Array(256);
      gr.exps.forEach((x, f) => (slot[x + 128] = f));
      fOf = new Uint8Array(e.length);
      for (let k = 0; k < e.length; k++) fOf[k] = slot[e[k]! + 128]!;
    }
    s = { fOf, maxW: new Float64Array(nF), minW: new Float64Array(nF), or: new Int32Array(nF), counted: new KeyCounts(populationSize(gr.source) * nF) };
    sparseScratch.set(gr, s);
  }
  return s;
}

function sparseUsage(gr: PreparedGroup, g: HwSparseSynapses, t: Tile, srcBase: number, acc: Acc): AxonPart {
  const { offsets, index } = gr.byPost!;
  const nF = gr.exps.length;
  const s = scratchOf(gr);
  const { fOf, counted, maxW, minW, or } = s;
  maxW.fill(-Infinity);
  minW.fill(Infinity);
  or.fill(0);
  for (const i of t.neurons) {
    for (let a = offsets[i]!; a < offsets[i + 1]!; a++) {
      const k = index[a]!;
      const w = g.weight[k]!;
      if (w === 0) continue;
      const f = fOf ? fOf[k]! : 0;
      if (w > maxW[f]!) maxW[f] = w;
      if (w < minW[f]!) minW[f] = w;
      or[f]! |= w;
      counted.add(g.pre[k]! * nF + f);
    }
  }
  acc.extents.set(gr, new Map(gr.exps.map((x, f) => [x, { maxW: maxW[f]!, minW: minW[f]!, tz: trailingZerosOfOr(or[f]!) }])));
  return counted.charge(acc, gr, nF, srcBase);
}

/** Input rows (or columns) of the source grouped by the set of kernel taps that reach the tile's output range. */
function tapClasses(inSize: number, k: number, stride: number, pad: number, dil: number, out: [number, number]): Map<number, number[]> {
  const classes = new Map<number, number[]>();
  // Only inputs between the first tap of the first output and the last tap of the last can reach the range.
  const from = Math.max(0, out[0] * stride - pad);
  const to = Math.min(inSize, (out[1] - 1) * stride - pad + (k - 1) * dil + 1);
  for (let yi = from; yi < to; yi++) {
    let sig = 0;
    for (let i = 0; i < k; i++) {
      const t = yi + pad - i * dil;
      if (t < 0 || t % stride !== 0) continue;
      const y = t / stride;
      if (y >= out[0] && y < out[1]) sig |= 1 << i;
    }
    if (sig === 0) continue;
    const rows = classes.get(sig);
    if (rows) rows.push(yi);
    else classes.set(sig, [yi]);
  }
  return classes;
}

interface TapClasses {
  /** Class signatures (bit i = tap i reaches the range), ascending, and each class's size. */
  sigs: number[];
  sizes: number[];
  /** The inputs reached, ascending, and the class index of each. */
  inputs: Int32Array;
  classOf: Int32Array;
  /** Names each class's taps and size: what the lists depend on. */
  key: string;
}

function canonicalClasses(classes: Map<number, number[]>): TapClasses {
  const sigs = [...classes.keys()].sort((a, b) => a - b);
  const sizes = sigs.map((sig) => classes.get(sig)!.length);
  const n = sizes.reduce((a, b) => a + b, 0);
  const pairs: [number, number][] = [];
  sigs.forEach((sig, r) => {
    for (const yi of classes.get(sig)!) pairs.push([yi, r]);
  });
  pairs.sort((a, b) => a[0] - b[0]);
  const inputs = new Int32Array(n);
  const classOf = new Int32Array(n);
  pairs.forEach(([yi, r], q) => {
    inputs[q] = yi;
    classOf[q] = r;
  });
  return { sigs, sizes, inputs, classOf, key: sigs.map((sig, r) => `${sig}x${sizes[r]}`).join(",") };
}

/** The channels of a box, ascending. */
export function boxChannels(box: TileBox): Int32Array {
  const n = box.c[1] - box.c[0];
  if (!box.order) return Int32Array.from({ length: n }, (_, i) => box.c[0] + i);
  return box.order.slice(box.c[0], box.c[1]).sort();
}

let nextOrderId = 0;
/** Names a box's channel set for memo keys (orders are told apart by identity). */
const orderIds = new WeakMap<Int32Array, number>();
function channelKey(box: TileBox): string {
  if (!box.order) return `${box.c[0]}:${box.c[1]}`;
  let id = orderIds.get(box.order);
  if (id === undefined) orderIds.set(box.order, (id = nextOrderId++));
  return `o${id}/${box.c[0]}:${box.c[1]}`;
}

const taps = (sig: number): number[] => {
  const out: number[] = [];
  for (let i = 0; sig; i++, sig >>>= 1) if (sig & 1) out.push(i);
  return out;
};

/**
 * What a conv box costs, per (output channel range, row tap classes with their sizes, column tap classes): tiles
 * with equal keys (all interior tiles of a channel block are translations of one another) have equal lists.
 */
interface ConvClassUsage {
  memory: number;
  synapses: number;
  demands: Map<string, FormatDemand>;
  any: Uint8Array;
  full: boolean;
  axons: number;
}
const convClasses = new WeakMap<
  PreparedGroup,
  { mem: SynapseMemoryModel; byKey: Map<string, ConvClassUsage>; nz: { c: string; nz: Int32Array } | null; rows: Map<number, TapClasses>; cols: Map<number, TapClasses> }
>();

function classesOf(memo: Map<number, TapClasses>, range: [number, number], make: () => TapClasses): TapClasses {
  const key = range[0] * 65536 + range[1];
  let c = memo.get(key);
  if (!c) memo.set(key, (c = make()));
  return c;
}

function convUsage(gr: PreparedGroup, g: HwConvSynapses, t: Tile, srcBase: number, acc: Acc): AxonPart {
  const [C, H, W] = gr.source.shape as [number, number, number];
  const [kh, kw] = g.kernel;
  if (kh > 30 || kw > 30) throw new Error(`conv group '${g.id}': kernels above 30 taps are not supported by the placer`);
  const box = t.box!;
  let memo = convClasses.get(gr);
  if (!memo || memo.mem !== acc.mem) convClasses.set(gr, (memo = { mem: acc.mem, byKey: new Map(), nz: null, rows: new Map(), cols: new Map() }));
  // A grid's tiles repeat their row (column) ranges across columns and channel blocks.
  const rows = classesOf(memo.rows, box.y, () => canonicalClasses(tapClasses(H, kh, g.stride[0], g.pads[0], g.dilation[0], box.y)));
  const cols = classesOf(memo.cols, box.x, () => canonicalClasses(tapClasses(W, kw, g.stride[1], g.pads[1], g.dilation[1], box.x)));
  const key = `${channelKey(box)}|${rows.key}|${cols.key}`;
  let u = memo.byKey.get(key);
  if (!u) {
    u = convClassUsage(gr, g, box, rows, cols, acc, memo);
    memo.byKey.set(key, u);
  }
  acc.memory += u.memory;
  acc.synapses += u.synapses;
  for (const [k, d] of u.demands) acc.demand(k, d);
  return { kind: "conv", base: srcBase, C, H, W, rows: rows.inputs, rowClass: rows.classOf, cols: cols.inputs, colClass: cols.classOf, R: rows.sigs.length, S: cols.sigs.length, any: u.any, full: u.full, count: u.axons };
}

function convClassUsage(
  gr: PreparedGroup,
  g: HwConvSynapses,
  box: TileBox,
  rows: TapClasses,
  cols: TapClasses,
  parent: Acc,
  memo: { nz: { c: string; nz: Int32Array } | null },
): ConvClassUsage {
  const [C] = gr.source.shape as [number, number, number];
  const Co = g.weight.length / (C / g.group) / (g.kernel[0] * g.kernel[1]);
  const [kh, kw] = g.kernel;
  const cinG = C / g.group;
  const coutG = Co / g.group;
  const nF = gr.exps.length;
  const acc = new Acc(parent.mem, parent.indexBits);
  const chans = boxChannels(box);
  setExtents(acc, gr, chans, (co) => expAt(g.weightExp, co));
  // nz[((f·C + ci)·kh + i)·kw + j]: output channels of the range (format f) with a nonzero weight on tap (ci, i, j).
  // Kept for the last channel range: tiles come channel block by channel block.
  const cKey = channelKey(box);
  let nz = memo.nz?.c === cKey ? memo.nz.nz : null;
  if (!nz) {
    nz = new Int32Array(nF * C * kh * kw);
    for (const co of chans) {
      const f = nF === 1 ? 0 : gr.exps.indexOf(expAt(g.weightExp, co));
      const c0 = Math.floor(co / coutG) * cinG;
      for (let cl = 0; cl < cinG; cl++)
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) if (g.weight[((co * cinG + cl) * kh + i) * kw + j] !== 0) nz[((f * C + c0 + cl) * kh + i) * kw + j]!++;
    }
    memo.nz = { c: cKey, nz };
  }
  const rowTaps = rows.sigs.map(taps);
  const colTaps = cols.sigs.map(taps);
  const R = rowTaps.length;
  const S = colTaps.length;
  const any = new Uint8Array(C * R * S);
  let axons = 0;
  for (let ci = 0; ci < C; ci++) {
    for (let r = 0; r < R; r++) {
      for (let s = 0; s < S; s++) {
        const size = rows.sizes[r]! * cols.sizes[s]!;
        let hit = false;
        for (let f = 0; f < nF; f++) {
          let e = 0;
          for (const i of rowTaps[r]!) for (const j of colTaps[s]!) e += nz[((f * C + ci) * kh + i) * kw + j]!;
          if (e === 0) continue;
          hit = true;
          acc.list(gr, gr.exps[f]!, e, 0, size);
        }
        if (!hit) continue;
        any[(ci * R + r) * S + s] = 1;
        axons += size;
      }
    }
  }
  return { memory: acc.memory, synapses: acc.synapses, demands: acc.demands, any, full: any.every((x) => x === 1), axons };
}

/** Per conv group, counters over its (source neuron, format) keys for convNeuronUsage (reused: no garbage per call). */
const convScratch = new WeakMap<PreparedGroup, KeyCounts>();

/**
 * A conv group into an arbitrary neuron set (the union of a layer's boxes on one core, stored as one list per input
 * axon and format as cores.json does): its synapses enumerated one by one (exact, slower than boxes).
 */
function convNeuronUsage(gr: PreparedGroup, g: HwConvSynapses, t: Tile, srcBase: number, acc: Acc): AxonPart {
  const [C, H, W] = gr.source.shape as [number, number, number];
  const [kh, kw] = g.kernel;
  const cinG = C / g.group;
  const Co = g.weight.length / (cinG * kh * kw);
  const coutG = Co / g.group;
  const nF = gr.exps.length;
  let counted = convScratch.get(gr);
  if (!counted) convScratch.set(gr, (counted = new KeyCounts(C * H * W * nF)));
  // The target's [Co, Ho, Wo] shape follows from the geometry.
  const Ho = Math.floor((H + g.pads[0] + g.pads[2] - g.dilation[0] * (kh - 1) - 1) / g.stride[0]) + 1;
  const Wo = Math.floor((W + g.pads[1] + g.pads[3] - g.dilation[1] * (kw - 1) - 1) / g.stride[1]) + 1;
  setExtents(acc, gr, new Set(Array.from(t.neurons, (n) => Math.floor(n / (Ho * Wo)))), (co) => expAt(g.weightExp, co));
  for (const n of t.neurons) {
    const co = Math.floor(n / (Ho * Wo));
    const oy = Math.floor(n / Wo) % Ho;
    const ox = n % Wo;
    const f = nF === 1 ? 0 : gr.exps.indexOf(expAt(g.weightExp, co));
    const c0 = Math.floor(co / coutG) * cinG;
    for (let cl = 0; cl < cinG; cl++)
      for (let i = 0; i < kh; i++) {
        const iy = oy * g.stride[0] - g.pads[0] + i * g.dilation[0];
        if (iy < 0 || iy >= H) continue;
        for (let j = 0; j < kw; j++) {
          const ix = ox * g.stride[1] - g.pads[1] + j * g.dilation[1];
          if (ix < 0 || ix >= W || g.weight[((co * cinG + cl) * kh + i) * kw + j] === 0) continue;
          counted.add((((c0 + cl) * H + iy) * W + ix) * nF + f);
        }
      }
  }
  return counted.charge(acc, gr, nF, srcBase);
}

/**
 * Per neuron, the formats of its incoming synapses (exponents of dense and conv groups, which are per target):
 * neurons with equal keys share format-table entries, so range tiles are cut over neurons ordered by this key.
 */
export function formatOrder(pn: PreparedNet, population: string, n: number): Int32Array {
  const groups = pn.incoming.get(population) ?? [];
  const keys: string[] = new Array<string>(n).fill("");
  const pop = pn.pops.get(population)!;
  const perChannel = pop.shape.length === 3 ? pop.shape[1]! * pop.shape[2]! : 1;
  for (const gr of groups) {
    const e = gr.g.weightExp;
    if (typeof e === "number" || gr.g.kind === "sparse") continue;
    for (let i = 0; i < n; i++) keys[i] += `${gr.g.kind === "conv" ? e[Math.floor(i / perChannel)] : e[i]},`;
  }
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
}

const keysOf = new WeakMap<HwCompartmentPopulation, ReturnType<typeof profileKeys>>();

/** The cost of placing tile `t` alone on a core. */
export function tileUsage(pn: PreparedNet, t: Tile, mem: SynapseMemoryModel): TileUsage {
  const pop = pn.pops.get(t.population)!;
  const acc = new Acc(mem, pn.indexBits);
  const compartmentProfiles = new Set<string>();
  const thresholds = new Set<number>();
  const shared = new Set<string>();
  if (pop.kind === "compartments") {
    let keys = keysOf.get(pop);
    if (!keys) keysOf.set(pop, (keys = profileKeys(pop)));
    const used = usedProfiles(pop, t.neurons);
    for (const k of used) {
      compartmentProfiles.add(keys.compartment[k]!);
      thresholds.add(keys.threshold[k]!);
      shared.add(keys.shared[k]!);
    }
    for (const gr of pn.incoming.get(pop.id)!) {
      const srcBase = pn.base.get(gr.g.source)!;
      const g = gr.g;
      const part =
        g.kind === "dense" ? denseUsage(gr, g, t, srcBase, acc) : g.kind === "conv" ? (t.box ? convUsage(gr, g, t, srcBase, acc) : convNeuronUsage(gr, g, t, srcBase, acc)) : sparseUsage(gr, g, t, srcBase, acc);
      acc.parts.push({ source: g.source, part });
    }
  }
  let outputSlots = 0;
  if (pn.outputSlots) {
    const base = pn.base.get(t.population)!;
    for (const i of t.neurons) outputSlots += pn.outputSlots[base + i]!;
  }
  return {
    neurons: t.neurons.length,
    outputSlots,
    axons: new AxonSet(oneSetPerSource(acc.parts)),
    memory: acc.memory,
    synapses: acc.synapses,
    formats: acc.formats,
    formatDemands: acc.demands,
    formatsNeeded: formatsNeeded(pn, acc.demands),
    compartmentProfiles,
    thresholds,
    shared: [...shared].sort().join(";"),
  };
}

/** A spike enters a core once per source neuron: groups from one source share their axons (merged into one list). */
function oneSetPerSource(parts: { source: string; part: AxonPart }[]): AxonPart[] {
  const bySource = new Map<string, AxonPart[]>();
  for (const { source, part } of parts) bySource.set(source, [...(bySource.get(source) ?? []), part]);
  return [...bySource.values()].map((ps) => {
    if (ps.length === 1) return ps[0]!;
    const all = new AxonSet(ps);
    const ids = new Int32Array(all.count);
    all.write(ids);
    ids.sort();
    let n = 0;
    for (let i = 0; i < ids.length; i++) if (i === 0 || ids[i] !== ids[i - 1]) ids[n++] = ids[i]!;
    return { kind: "ids", ids: ids.slice(0, n) };
  });
}

function usedProfiles(pop: HwCompartmentPopulation, neurons: Int32Array): number[] {
  if (!pop.profileOf) return [0];
  const seen = new Set<number>();
  for (const i of neurons) seen.add(pop.profileOf[i]!);
  return [...seen];
}

export const fullBox = (shape: number[]): NonNullable<Tile["box"]> => ({ c: [0, shape[0]!], y: [0, shape[1]!], x: [0, shape[2]!] });

/** The neurons of a (c, y, x) box of a [C, H, W] population, ascending. */
export function boxNeurons(shape: number[], box: TileBox): Int32Array {
  const [, H, W] = shape as [number, number, number];
  const out = new Int32Array((box.c[1] - box.c[0]) * (box.y[1] - box.y[0]) * (box.x[1] - box.x[0]));
  let k = 0;
  for (const c of boxChannels(box)) for (let y = box.y[0]; y < box.y[1]; y++) for (let x = box.x[0]; x < box.x[1]; x++) out[k++] = (c * H + y) * W + x;
  return out;
}

export { delayAt };

/** Entries a set of format demands needs after exact re-encoding, when it exceeds the target's table (else its size). */
export function formatsNeeded(pn: PreparedNet, demands: Map<string, FormatDemand>, limit?: number): number {
  const cap = pn.target.coreClasses[0]!.profiles.synapseFormat;
  if (cap === null || demands.size <= cap) return demands.size;
  return coverFormats([...demands.values()], formatRulesOf(pn.target), limit).formats.length;
}
