/**
 * What one tile (a slice of a population) costs a core: compartments, input axons (one per source neuron that
 * reaches the tile: a spike enters a core once, whatever the number of its synapses there), synapse memory by the
 * target's formula, and the entries of the profile tables. Synapse lists are per (input axon, format); a list is
 * stored dense (a contiguous run, zeros included, no index field) or sparse (one index per synapse), whichever costs
 * less. Conv tiles are counted in closed form: input rows (columns) with the same set of reaching kernel taps give
 * the same lists, so each class of (channel, row taps, column taps) is costed once and multiplied.
 */
import type { HwCompartmentPopulation, HwConvSynapses, HwDenseSynapses } from "../hw/network.js";
import { populationSize } from "../hw/network.js";
import type { ListFormat, SynapseMemoryModel } from "./cost/index.js";
import { delayAt, expAt, profileKeys, type PreparedGroup, type PreparedNet } from "./prepared.js";
import { coverFormats, formatRulesOf, mergeDemand, trailingZeros, TZ_CAP, type FormatDemand } from "./formats.js";

/** A slice of a population: its neurons (population indices, ascending), and the (c, y, x) box of a conv tile. */
export interface Tile {
  population: string;
  neurons: Int32Array;
  box: { c: [number, number]; y: [number, number]; x: [number, number] } | null;
}

export interface TileUsage {
  neurons: number;
  /** Global ids of the source neurons with synapses into the tile (sorted). */
  axons: Int32Array;
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

/** Accumulates per-axon lists and the set of axons of one tile. */
class Acc {
  memory = 0;
  synapses = 0;
  readonly formats = new Set<string>();
  readonly demands = new Map<string, FormatDemand>();
  readonly axons: number[] = [];
  /** Weight extents of the tile's synapses per (group, exponent), set before the group's lists. */
  readonly extents = new Map<PreparedGroup, Map<number, WeightExtent>>();
  constructor(
    readonly mem: SynapseMemoryModel,
    readonly indexBits: number,
  ) {}

  /** A list of `entries` synapses; `span` = length of the contiguous run holding them (dense option), or 0. */
  list(gr: PreparedGroup, exp: number, entries: number, span: number, times = 1): void {
    if (entries <= 0) return;
    const f = this.formatsOf(gr);
    // List costs repeat (same entry counts over a tile): memoized per group format.
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
    let key = f.keys.get(cacheKey);
    if (key === undefined) {
      f.keys.set(cacheKey, (key = formatKey(gr, exp, useDense)));
      this.formats.add(key);
      const e = this.extents.get(gr)?.get(exp) ?? { maxW: gr.mode === "inhibitory" ? 0 : 255, minW: gr.mode === "excitatory" ? 0 : -256, tz: 0 };
      const d: FormatDemand = { mode: gr.mode, exp, weightBits: gr.weightBits, delayBits: gr.delayBits, dense: useDense, ...e };
      const old = this.demands.get(key);
      this.demands.set(key, old ? mergeDemand(old, d) : d);
    }
  }

  private readonly cache = new Map<PreparedGroup, { sparse: ListFormat; dense: ListFormat; keys: Map<number, string>; sparseCost: Map<number, number>; denseCost: Map<number, number> }>();
  private formatsOf(gr: PreparedGroup) {
    let f = this.cache.get(gr);
    if (!f) {
      const base = { weightBits: gr.weightBits, delayBits: gr.delayBits, indexBits: this.indexBits };
      f = { sparse: { ...base, dense: false }, dense: { ...base, dense: true }, keys: new Map(), sparseCost: new Map(), denseCost: new Map() };
      this.cache.set(gr, f);
    }
    return f;
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
  if (g.kind === "dense") {
    // weight is [nOut, nIn]: one row per target neuron.
    const nOut = g.weight.length / units;
    out = Array.from({ length: nOut }, emptyExtent);
    for (let i = 0; i < nOut; i++) for (let j = 0; j < units; j++) if (g.weight[i * units + j] !== 0) widen(out[i]!, g.weight[i * units + j]!);
  } else {
    out = Array.from({ length: units }, emptyExtent);
    for (let u = 0; u < units; u++) for (let k = u * per; k < (u + 1) * per; k++) if (g.weight[k] !== 0) widen(out[u]!, g.weight[k]!);
  }
  unitExtents.set(gr, out);
  return out;
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

function denseUsage(gr: PreparedGroup, g: HwDenseSynapses, t: Tile, srcBase: number, acc: Acc): void {
  const nIn = populationSize(gr.source);
  const nF = gr.exps.length;
  const fOf = new Int32Array(t.neurons.length);
  const exps = g.weightExp;
  if (typeof exps !== "number") t.neurons.forEach((i, p) => (fOf[p] = gr.exps.indexOf(exps[i]!)));
  const cnt = new Int32Array(nF);
  const lo = new Int32Array(nF);
  const hi = new Int32Array(nF);
  const T = t.neurons;
  setExtents(acc, gr, T, (i) => expAt(exps, i));
  for (let j = 0; j < nIn; j++) {
    cnt.fill(0);
    for (let p = 0; p < T.length; p++) {
      if (g.weight[T[p]! * nIn + j] === 0) continue;
      const f = fOf[p]!;
      if (cnt[f] === 0) lo[f] = p;
      cnt[f]!++;
      hi[f] = p;
    }
    let any = false;
    for (let f = 0; f < nF; f++) {
      if (cnt[f] === 0) continue;
      any = true;
      // Dense storage holds the run of targets of this format; with one format per group that is the tile's span.
      acc.list(gr, gr.exps[f]!, cnt[f]!, nF === 1 ? hi[f]! - lo[f]! + 1 : 0);
    }
    if (any) acc.axons.push(srcBase + j);
  }
}

/**
 * Charges the synapse lists counted per (source neuron, format) — keys j·nF + f — to the core, and each source neuron
 * once as an input axon.
 */
function flushLists(acc: Acc, gr: PreparedGroup, lists: Map<number, number>, nF: number, srcBase: number): void {
  const seen = new Set<number>();
  for (const [key, n] of lists) {
    const f = key % nF;
    acc.list(gr, gr.exps[f]!, n, 0);
    const j = (key - f) / nF;
    if (!seen.has(j)) {
      seen.add(j);
      acc.axons.push(srcBase + j);
    }
  }
}

function sparseUsage(gr: PreparedGroup, t: Tile, srcBase: number, acc: Acc): void {
  const g = gr.g;
  if (g.kind !== "sparse") return;
  const { offsets, index } = gr.byPost!;
  const nF = gr.exps.length;
  const lists = new Map<number, number>();
  const ext = gr.exps.map(emptyExtent);
  for (const i of t.neurons) {
    for (let a = offsets[i]!; a < offsets[i + 1]!; a++) {
      const k = index[a]!;
      if (g.weight[k] === 0) continue;
      const f = nF === 1 ? 0 : gr.exps.indexOf(expAt(g.weightExp, k));
      widen(ext[f]!, g.weight[k]!);
      const key = g.pre[k]! * nF + f;
      lists.set(key, (lists.get(key) ?? 0) + 1);
    }
  }
  acc.extents.set(gr, new Map(gr.exps.map((x, f) => [x, ext[f]!])));
  flushLists(acc, gr, lists, nF, srcBase);
}

/** Input rows (or columns) of the source grouped by the set of kernel taps that reach the tile's output range. */
function tapClasses(inSize: number, k: number, stride: number, pad: number, dil: number, out: [number, number]): Map<number, number[]> {
  const classes = new Map<number, number[]>();
  for (let yi = 0; yi < inSize; yi++) {
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

function* channels(c: [number, number]): Iterable<number> {
  for (let x = c[0]; x < c[1]; x++) yield x;
}

const taps = (sig: number): number[] => {
  const out: number[] = [];
  for (let i = 0; sig; i++, sig >>>= 1) if (sig & 1) out.push(i);
  return out;
};

function convUsage(gr: PreparedGroup, g: HwConvSynapses, t: Tile, srcBase: number, acc: Acc): void {
  const [C, H, W] = gr.source.shape as [number, number, number];
  const Co = (g.weight.length / (C / g.group)) / (g.kernel[0] * g.kernel[1]);
  const [kh, kw] = g.kernel;
  if (kh > 30 || kw > 30) throw new Error(`conv group '${g.id}': kernels above 30 taps are not supported by the placer`);
  const cinG = C / g.group;
  const coutG = Co / g.group;
  const box = t.box!;
  const nF = gr.exps.length;
  // nz[((f·C + ci)·kh + i)·kw + j]: output channels of the tile (format f) with a nonzero weight on tap (ci, i, j).
  const nz = new Int32Array(nF * C * kh * kw);
  setExtents(acc, gr, channels(box.c), (co) => expAt(g.weightExp, co));
  for (let co = box.c[0]; co < box.c[1]; co++) {
    const f = nF === 1 ? 0 : gr.exps.indexOf(expAt(g.weightExp, co));
    const c0 = Math.floor(co / coutG) * cinG;
    for (let cl = 0; cl < cinG; cl++)
      for (let i = 0; i < kh; i++)
        for (let j = 0; j < kw; j++) if (g.weight[((co * cinG + cl) * kh + i) * kw + j] !== 0) nz[((f * C + c0 + cl) * kh + i) * kw + j]!++;
  }
  const rows = tapClasses(H, kh, g.stride[0], g.pads[0], g.dilation[0], box.y);
  const cols = tapClasses(W, kw, g.stride[1], g.pads[1], g.dilation[1], box.x);
  const rowTaps = [...rows.keys()].map(taps);
  const colTaps = [...cols.keys()].map(taps);
  const rowLists = [...rows.values()];
  const colLists = [...cols.values()];
  for (let ci = 0; ci < C; ci++) {
    for (let r = 0; r < rowTaps.length; r++) {
      for (let s = 0; s < colTaps.length; s++) {
        const times = rowLists[r]!.length * colLists[s]!.length;
        let any = false;
        for (let f = 0; f < nF; f++) {
          let e = 0;
          for (const i of rowTaps[r]!) for (const j of colTaps[s]!) e += nz[((f * C + ci) * kh + i) * kw + j]!;
          if (e === 0) continue;
          any = true;
          acc.list(gr, gr.exps[f]!, e, 0, times);
        }
        if (!any) continue;
        for (const yi of rowLists[r]!) for (const xi of colLists[s]!) acc.axons.push(srcBase + (ci * H + yi) * W + xi);
      }
    }
  }
}

/** A conv group into an arbitrary neuron set: its synapses enumerated one by one (exact, slower than boxes). */
function convNeuronUsage(gr: PreparedGroup, g: HwConvSynapses, t: Tile, srcBase: number, acc: Acc): void {
  const [C, H, W] = gr.source.shape as [number, number, number];
  const [kh, kw] = g.kernel;
  const cinG = C / g.group;
  const Co = g.weight.length / (cinG * kh * kw);
  const coutG = Co / g.group;
  const nF = gr.exps.length;
  const lists = new Map<number, number>();
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
          const key = (((c0 + cl) * H + iy) * W + ix) * nF + f;
          lists.set(key, (lists.get(key) ?? 0) + 1);
        }
      }
  }
  flushLists(acc, gr, lists, nF, srcBase);
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

/** The cost of placing tile `t` alone on a core. */
export function tileUsage(pn: PreparedNet, t: Tile, mem: SynapseMemoryModel): TileUsage {
  const pop = pn.pops.get(t.population)!;
  const acc = new Acc(mem, pn.indexBits);
  const compartmentProfiles = new Set<string>();
  const thresholds = new Set<number>();
  const shared = new Set<string>();
  if (pop.kind === "compartments") {
    const keys = profileKeys(pop);
    const used = usedProfiles(pop, t.neurons);
    for (const k of used) {
      compartmentProfiles.add(keys.compartment[k]!);
      thresholds.add(keys.threshold[k]!);
      shared.add(keys.shared[k]!);
    }
    for (const gr of pn.incoming.get(pop.id)!) {
      const srcBase = pn.base.get(gr.g.source)!;
      if (gr.g.kind === "dense") denseUsage(gr, gr.g, t, srcBase, acc);
      else if (gr.g.kind === "conv") {
        if (t.box) convUsage(gr, gr.g, t, srcBase, acc);
        else convNeuronUsage(gr, gr.g, t, srcBase, acc);
      } else sparseUsage(gr, t, srcBase, acc);
    }
  }
  const axons = uniqueSorted(acc.axons);
  return {
    neurons: t.neurons.length,
    axons,
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

function usedProfiles(pop: HwCompartmentPopulation, neurons: Int32Array): number[] {
  if (!pop.profileOf) return [0];
  const seen = new Set<number>();
  for (const i of neurons) seen.add(pop.profileOf[i]!);
  return [...seen];
}

export const fullBox = (shape: number[]): NonNullable<Tile["box"]> => ({ c: [0, shape[0]!], y: [0, shape[1]!], x: [0, shape[2]!] });

/** The neurons of a (c, y, x) box of a [C, H, W] population, ascending. */
export function boxNeurons(shape: number[], box: NonNullable<Tile["box"]>): Int32Array {
  const [, H, W] = shape as [number, number, number];
  const out = new Int32Array((box.c[1] - box.c[0]) * (box.y[1] - box.y[0]) * (box.x[1] - box.x[0]));
  let k = 0;
  for (let c = box.c[0]; c < box.c[1]; c++) for (let y = box.y[0]; y < box.y[1]; y++) for (let x = box.x[0]; x < box.x[1]; x++) out[k++] = (c * H + y) * W + x;
  return out;
}

export { delayAt };

/** Entries a set of format demands needs after exact re-encoding, when it exceeds the target's table (else its size). */
export function formatsNeeded(pn: PreparedNet, demands: Map<string, FormatDemand>, limit?: number): number {
  const cap = pn.target.coreClasses[0]!.profiles.synapseFormat;
  if (cap === null || demands.size <= cap) return demands.size;
  return coverFormats([...demands.values()], formatRulesOf(pn.target), limit).formats.length;
}

/** The distinct values of `xs`, ascending (a typed sort and one pass: faster than a Set for millions of axons). */
function uniqueSorted(xs: number[]): Int32Array {
  const a = Int32Array.from(xs).sort();
  let n = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) a[n++] = a[i]!;
  return a.slice(0, n);
}
