/**
 * How the cycle engine routes a spike: every synapse group becomes a projection, the cheapest form its structure
 * allows. The CSR (./synapses.ts) loads a post index and a contribution per synaptic event (lenet5: ~6 MB of it per
 * sample) and visits an excitatory/inhibitory pair of groups twice. Instead:
 * - conv: the pre-scaled kernel (a few KB, stays in cache) and, per source row/column, the valid (tap, output)
 *   pairs; targets are computed, not loaded.
 * - dense: source-major rows of contributions; a spike adds one contiguous row to the target's ring slot.
 * - csr: everything else (sparse groups), split into one CSR per delay when synapses have their own delays; a
 *   uniform-delay CSR full enough (a clock's group) becomes dense rows too.
 * Groups with the same source, target, geometry and delay (the lowering's excitatory/inhibitory pairs) merge into
 * one projection by summing their contributions: the ring holds exact integer sums, so the order and grouping of
 * additions never changes a result. Events are still counted per nonzero synapse, as the CSR counts them.
 */
import type { HwConvSynapses, HwDenseSynapses, HwPopulation, HwSynapseGroup } from "../../hw/network.js";
import { populationSize } from "../../hw/network.js";
import { synapseContribution, type CompiledSynapses, type GroupSummary, type SynapseArithmetic } from "./synapses.js";
import type { CycleKernels } from "./simd.js";

export const CSR = 0;
export const CONV = 1;
export const DENSE = 2;

/** One class for every form (a single hidden class keeps the router's property loads monomorphic). */
export class Projection {
  kind = CSR;
  /** Source and target population indices. */
  source = -1;
  target = -1;
  /** Delay of every synapse (conv, dense, and csr without per-synapse delays). */
  delay = 0;
  /** Nonzero synapses of each source neuron (the synaptic events one spike causes). */
  events = new Int32Array(0);
  // csr
  csr: CompiledSynapses | null = null;
  // dense: contribution[j * nTarget + i]
  nTarget = 0;
  dense = new Float64Array(0);
  // conv: source (ci, iy, ix) = decomposition of j by [H, W]; kernel[((ci * kh + ky) * kw + kx) * coutG + co mod coutG]
  kernel = new Float64Array(0);
  H = 0;
  W = 0;
  kh = 0;
  kw = 0;
  cinG = 0;
  coutG = 0;
  /** Output plane size Ho·Wo and row length Wo. */
  plane = 0;
  Wo = 0;
  /** Per source row iy: valid (ky, oy) pairs at [rowStart[iy], rowStart[iy+1]) of rowK / rowO. */
  rowStart = new Int32Array(0);
  rowK = new Int32Array(0);
  rowO = new Int32Array(0);
  /** Per source column ix: valid (kx, ox) pairs, and the smallest and largest ox (for the input flags). */
  colStart = new Int32Array(0);
  colK = new Int32Array(0);
  colO = new Int32Array(0);
  colOMin = new Int32Array(0);
  colOMax = new Int32Array(0);
  /** Column stride and dilation 1: a source column's taps hit a contiguous run of output columns (the SIMD form). */
  unitColumns = false;
  // SIMD delivery (./simd-layout.ts), byte addresses in the program's kernel memory, −1 for the JS delivery:
  // conv: kernel [ci][ky][co mod coutG][kw − 1 − kx], and per row pair a the byte offsets (ky·coutG·kw·8, oy·Wo·8);
  // dense: `dense` itself (then a view of that memory)
  simdKernel = -1;
  simdPairs = -1;
  simdDense = -1;
}

/** Valid (tap, output) pairs per input coordinate along one axis: out·stride = in + pad − tap·dilation. */
function axisPairs(n: number, nOut: number, taps: number, stride: number, pad: number, dilation: number) {
  const start = new Int32Array(n + 1);
  const tap: number[] = [];
  const out: number[] = [];
  const oMin = new Int32Array(n);
  const oMax = new Int32Array(n);
  for (let x = 0; x < n; x++) {
    start[x] = tap.length;
    oMin[x] = nOut;
    oMax[x] = -1;
    for (let k = 0; k < taps; k++) {
      const num = x + pad - k * dilation;
      if (num < 0 || num % stride !== 0) continue;
      const o = num / stride;
      if (o >= nOut) continue;
      tap.push(k);
      out.push(o);
      oMin[x] = Math.min(oMin[x]!, o);
      oMax[x] = Math.max(oMax[x]!, o);
    }
  }
  start[n] = tap.length;
  return { start, tap: Int32Array.from(tap), out: Int32Array.from(out), oMin, oMax };
}

const expAt = (e: number | Int8Array, i: number): number => (typeof e === "number" ? e : e[i]!);

function sameGeometry(a: HwConvSynapses, b: HwConvSynapses): boolean {
  const eq = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return a.group === b.group && a.delay === b.delay && eq(a.kernel, b.kernel) && eq(a.stride, b.stride) && eq(a.pads, b.pads) && eq(a.dilation, b.dilation);
}

export function uniformDelay(g: HwDenseSynapses): number | null {
  if (typeof g.delay === "number") return g.delay;
  const d = g.delay[0] ?? 0;
  return g.delay.every((x) => x === d) ? d : null;
}

/** Adds conv group g's clipped contributions into p.kernel (already shaped). */
function addConvKernel(p: Projection, g: HwConvSynapses, arith: SynapseArithmetic): void {
  const per = p.cinG * p.kh * p.kw;
  for (let k = 0; k < g.weight.length; k++) {
    const w = g.weight[k]!;
    if (w !== 0) p.kernel[k] = p.kernel[k]! + synapseContribution(g, arith, w, expAt(g.weightExp, Math.floor(k / per)));
  }
}

function convProjection(gs: HwConvSynapses[], src: HwPopulation, dst: HwPopulation, arith: SynapseArithmetic): Projection {
  const g = gs[0]!;
  const [C, H, W] = src.shape as [number, number, number];
  const [Co, Ho, Wo] = dst.shape as [number, number, number];
  const p = new Projection();
  p.kind = CONV;
  // integer fields as Smis (`| 0`; see deliverConv)
  p.delay = g.delay | 0;
  p.H = H | 0;
  p.W = W | 0;
  p.kh = g.kernel[0] | 0;
  p.kw = g.kernel[1] | 0;
  // `| 0`: a quotient is a float64 to V8 even when whole, and a float64 field makes every index computed from it
  // (the delivery's inner loops) float64 arithmetic with a conversion check per access
  p.cinG = (C / g.group) | 0;
  p.coutG = (Co / g.group) | 0;
  p.plane = (Ho * Wo) | 0;
  p.Wo = Wo | 0;
  p.kernel = new Float64Array(g.weight.length);
  for (const gi of gs) addConvKernel(p, gi, arith);
  // [co][cl][ky][kx] → [ci][ky][kx][co within its group]
  const taps = p.kh * p.kw;
  const byOutput = p.kernel;
  p.kernel = new Float64Array(byOutput.length);
  for (let co = 0; co < Co; co++) {
    const gi = Math.floor(co / p.coutG);
    for (let cl = 0; cl < p.cinG; cl++)
      for (let t = 0; t < taps; t++) p.kernel[((gi * p.cinG + cl) * taps + t) * p.coutG + (co - gi * p.coutG)] = byOutput[(co * p.cinG + cl) * taps + t]!;
  }
  const rows = axisPairs(H, Ho, p.kh, g.stride[0], g.pads[0], g.dilation[0]);
  const cols = axisPairs(W, Wo, p.kw, g.stride[1], g.pads[1], g.dilation[1]);
  p.rowStart = rows.start;
  p.rowK = rows.tap;
  p.rowO = rows.out;
  p.colStart = cols.start;
  p.colK = cols.tap;
  p.colO = cols.out;
  p.colOMin = cols.oMin;
  p.colOMax = cols.oMax;
  p.unitColumns = g.stride[1] === 1 && g.dilation[1] === 1;
  return p;
}

/** Target rows transposed at a time into source-major rows: both sides then stay in cache (16.7 M weights: ~2× faster). */
const TRANSPOSE_BLOCK = 64;

function denseProjection(gs: HwDenseSynapses[], nS: number, nT: number, delay: number, arith: SynapseArithmetic): Projection {
  const p = new Projection();
  p.kind = DENSE;
  p.delay = delay | 0;
  p.nTarget = nT | 0;
  const dense = (p.dense = new Float64Array(nS * nT));
  const clipAt = arith.perSynapseClip ?? Infinity;
  for (const g of gs) {
    // w · 2^(shift + exp) per target row; rows whose factor is fractional, or weights the chip clips, take
    // synapseContribution's checks.
    const unit = Float64Array.from({ length: nT }, (_, i) => 2 ** (arith.weightShift + expAt(g.weightExp, i)));
    for (let i0 = 0; i0 < nT; i0 += TRANSPOSE_BLOCK) {
      const i1 = Math.min(nT, i0 + TRANSPOSE_BLOCK);
      for (let j = 0; j < nS; j++) {
        const out = j * nT;
        for (let i = i0; i < i1; i++) {
          const w = g.weight[i * nS + j]!;
          if (w === 0) continue;
          let c = w * unit[i]!;
          if (!Number.isInteger(c) || Math.abs(c) > clipAt) c = synapseContribution(g, arith, w, expAt(g.weightExp, i));
          dense[out + i] = dense[out + i]! + c;
        }
      }
    }
  }
  return p;
}

/** Below this share of nonzero entries a group stays CSR (a dense row would add mostly zeros). */
const DENSE_MIN_FILL = 0.25;
/** Above this many source × target entries a group stays CSR (dense float64 rows would cost 8 bytes each). */
const DENSE_MAX_ENTRIES = 2 ** 24;
const denseFits = (nnz: number, nS: number, nT: number): boolean => nS * nT <= DENSE_MAX_ENTRIES && nnz >= DENSE_MIN_FILL * nS * nT;

/** A uniform-delay CSR (e.g. a clock's group, with duplicate synapses) as dense rows: duplicates summed. */
function denseFromCsr(c: CompiledSynapses, nS: number, nT: number): Projection {
  const p = new Projection();
  p.kind = DENSE;
  p.delay = c.delay | 0;
  p.nTarget = nT | 0;
  p.dense = new Float64Array(nS * nT);
  for (let j = 0; j < nS; j++) for (let k = c.offsets[j]!; k < c.offsets[j + 1]!; k++) p.dense[j * nT + c.post[k]!] += c.contribution[k]!;
  return p;
}

/** A CSR with per-synapse delays split into one uniform-delay CSR per delay (each spike then fills whole slots). */
function splitByDelay(c: CompiledSynapses, nS: number): CompiledSynapses[] {
  const delays = c.delays!;
  const out: CompiledSynapses[] = [];
  for (let d = 0; d <= c.maxDelay; d++) {
    const offsets = new Int32Array(nS + 1);
    for (let j = 0; j < nS; j++) {
      let n = 0;
      for (let k = c.offsets[j]!; k < c.offsets[j + 1]!; k++) if (delays[k] === d) n++;
      offsets[j + 1] = offsets[j]! + n;
    }
    const total = offsets[nS]!;
    if (total === 0) continue;
    const post = new Int32Array(total);
    const contribution = new Float64Array(total);
    let at = 0;
    for (let k = 0; k < c.post.length; k++) {
      if (delays[k] !== d) continue;
      post[at] = c.post[k]!;
      contribution[at++] = c.contribution[k]!;
    }
    out.push({ ...c, offsets, post, contribution, delays: null, delay: d, maxDelay: d });
  }
  return out;
}

/**
 * A uniform-delay CSR with the synapses of each (source, target) pair summed into one (the lowering repeats a
 * synapse to reach weights beyond one mantissa, e.g. the latch); pairs summing to 0 are dropped (no input).
 */
function mergePairs(c: CompiledSynapses, nS: number, nT: number): CompiledSynapses {
  const sum = new Float64Array(nT);
  const seen = new Uint8Array(nT);
  const offsets = new Int32Array(nS + 1);
  const post: number[] = [];
  const contribution: number[] = [];
  const touched: number[] = [];
  for (let j = 0; j < nS; j++) {
    for (let k = c.offsets[j]!; k < c.offsets[j + 1]!; k++) {
      const i = c.post[k]!;
      if (!seen[i]) (seen[i] = 1), touched.push(i);
      sum[i] += c.contribution[k]!;
    }
    for (const i of touched) {
      if (sum[i] !== 0) post.push(i), contribution.push(sum[i]!);
      sum[i] = 0;
      seen[i] = 0;
    }
    touched.length = 0;
    offsets[j + 1] = post.length;
  }
  return { ...c, offsets, post: Int32Array.from(post), contribution: Float64Array.from(contribution) };
}

/** Group a and the later dense groups with its source, target and uniform delay (merged into one set of rows). */
function denseMembers(groups: HwSynapseGroup[], done: Uint8Array, a: number): number[] {
  const g = groups[a] as HwDenseSynapses;
  const d = uniformDelay(g);
  const out = [a];
  for (let b = a + 1; b < groups.length; b++) {
    const h = groups[b]!;
    if (!done[b] && h.kind === "dense" && h.source === g.source && h.target === g.target && uniformDelay(h) === d) out.push(b);
  }
  return out;
}

/** Nonzero synapses per source neuron of CSR c, added into `events`. */
function countEvents(events: Int32Array, c: CompiledSynapses): void {
  for (let j = 0; j < events.length; j++) events[j] = events[j]! + c.offsets[j + 1]! - c.offsets[j]!;
}

/**
 * The projections of every group, merged where they can be; all CSR when not `structured`. `summaries` (same order as
 * `groups`) say each group's synapses per source; `csr(a)` compiles group a to CSR (compileSynapses, which validates
 * it) when its form needs one. `index` maps a population id to its index.
 */
export function buildProjections(
  groups: HwSynapseGroup[],
  summaries: GroupSummary[],
  csr: (a: number) => CompiledSynapses,
  pops: Map<string, HwPopulation>,
  index: Map<string, number>,
  arith: SynapseArithmetic,
  structured = true,
): Projection[] {
  const out: Projection[] = [];
  const done = new Uint8Array(groups.length);
  const finish = (p: Projection, g: HwSynapseGroup): Projection => {
    p.source = index.get(g.source)!;
    p.target = index.get(g.target)!;
    return p;
  };
  for (let a = 0; a < groups.length; a++) {
    if (done[a]) continue;
    const g = groups[a]!;
    const src = pops.get(g.source)!;
    const dst = pops.get(g.target)!;
    const nS = populationSize(src);
    const nT = populationSize(dst);
    // Partners: later groups of the same kind, source, target and structure.
    const members = [a];
    let p: Projection;
    const rows = structured && g.kind === "dense" && uniformDelay(g) !== null ? denseMembers(groups, done, a) : null;
    if (structured && g.kind === "conv") {
      for (let b = a + 1; b < groups.length; b++) {
        const h = groups[b]!;
        if (!done[b] && h.kind === "conv" && h.source === g.source && h.target === g.target && sameGeometry(g, h)) members.push(b);
      }
      p = convProjection(members.map((m) => groups[m] as HwConvSynapses), src, dst, arith);
    } else if (rows !== null && denseFits(rows.reduce((n, m) => n + summaries[m]!.nnz, 0), nS, nT)) {
      // The fill of the merged rows decides: a layer's positive and negative weights (two groups) fill them together.
      members.push(...rows.slice(1));
      p = denseProjection(members.map((m) => groups[m] as HwDenseSynapses), nS, nT, uniformDelay(g as HwDenseSynapses)!, arith);
    } else {
      // CSR forms: per delay when the group has per-synapse delays; dense rows when full enough.
      const c = csr(a);
      done[a] = 1;
      const parts = structured && c.delays !== null ? splitByDelay(c, nS) : [c];
      for (const part of parts) {
        if (structured && part.delays === null && denseFits(part.post.length, nS, nT)) p = denseFromCsr(part, nS, nT);
        else {
          p = new Projection();
          p.kind = CSR;
          p.csr = structured ? mergePairs(part, nS, nT) : part;
          p.delay = part.delay | 0;
        }
        p.events = new Int32Array(nS);
        countEvents(p.events, part);
        out.push(finish(p, g));
      }
      continue;
    }
    p.events = new Int32Array(nS);
    for (const m of members) {
      done[m] = 1;
      const e = summaries[m]!.events;
      for (let j = 0; j < nS; j++) p.events[j] = p.events[j]! + e[j]!;
    }
    out.push(finish(p, g));
  }
  return out;
}

/** What a projection delivers into: a compartment population's delay ring (engine.ts, Compartments). */
export interface RingTarget {
  readonly n: number;
  /** Ring slots − 1 (a power of two minus one): the slot of tick t is t & slotMask. */
  slotMask: number;
  ring: Float64Array;
  /** Byte addresses of `ring` and `blockFlag` in the program's SIMD kernel memory, or −1 (./simd-layout.ts). */
  ringAddr: number;
  flagAddr: number;
  blocks: number;
  blockFlag: Uint8Array;
  slotFlag: Uint8Array;
}

/** Sets flags[from..to] (a loop: TypedArray.fill is a builtin call, costly for the few entries set here). */
function flagBlocks(flags: Uint8Array, from: number, to: number): void {
  for (let b = from; b <= to; b++) flags[b] = 1;
}

/**
 * Delivery of source neuron j's spike into ring slot s of dst (all synapses of a projection share one delay): add
 * the contributions, flag the blocks of 32 neurons that may now have input, and the slot. One small function per
 * form, so the router's call of the CSR one (most projections of a lenet, 1–3 synapses a spike) is inlined.
 * `kernels`: the program's SIMD kernels (./simd.ts), used when the projection and ring were placed in their memory.
 */
export function deliverConv(p: Projection, dst: RingTarget, j: number, s: number, kernels: CycleKernels | null): void {
  // Every integer read from a field as int32 (`| 0`): a field V8 holds as float64 (a whole number computed by a
  // division or Math.floor somewhere upstream) would make all index arithmetic below float64, with a conversion
  // check per ring and kernel access.
  const base = (s * dst.n) | 0;
  const blockBase = (s * dst.blocks) | 0;
  const { ring, blockFlag } = dst;
  dst.slotFlag[s] = 1;
  // Source (ci, iy, ix); targets (co, oy, ox) over the valid taps of its row and column.
  const W = p.W | 0;
  const HW = (p.H * W) | 0;
  const ci = (j / HW) | 0;
  const r = j - ci * HW;
  const iy = (r / W) | 0;
  const ix = r - iy * W;
  const gi = (ci / p.cinG) | 0;
  const { rowK, rowO } = p;
  const kh = p.kh | 0;
  const kw = p.kw | 0;
  const Wo = p.Wo | 0;
  const plane = p.plane | 0;
  const r0 = p.rowStart[iy]!;
  const r1 = p.rowStart[iy + 1]!;
  const c0 = p.colStart[ix]!;
  const c1 = p.colStart[ix + 1]!;
  const oMin = p.colOMin[ix]!;
  const oMax = p.colOMax[ix]!;
  const coutG = p.coutG | 0;
  const coEnd = (gi + 1) * coutG;
  // Rows of one output channel lie between the first and last valid oy: flag those blocks once per channel.
  const yFirst = rowO[r0]! < rowO[r1 - 1]! ? rowO[r0]! : rowO[r1 - 1]!;
  const yLast = rowO[r0]! < rowO[r1 - 1]! ? rowO[r1 - 1]! : rowO[r0]!;
  // Channels innermost: for each valid (tap, output) pair of the row and column, one run over the group's
  // output channels (the kernel is stored [ci][ky][kx][co] so the run reads it contiguously).
  const { colK, colO, kernel } = p;
  const kci = ci * kh;
  const co0 = base + gi * coutG * plane;
  const kEnd4 = coutG & ~3;
  const plane2 = 2 * plane;
  const plane3 = 3 * plane;
  const plane4 = 4 * plane;
  if (kernels !== null && p.simdKernel >= 0 && dst.ringAddr >= 0 && dst.flagAddr >= 0) {
    if (c1 > c0 && r1 > r0) {
      // The taps of column ix, kx = colK[c0 .. c1), hit output columns colO[c1 − 1] .. colO[c0] (ascending as kx
      // descends): one vector run per (row pair, channel) over the reversed kernel columns; the flags below too.
      const kxHi = p.colK[c1 - 1]!;
      const first = gi * coutG * plane;
      kernels.conv(
        dst.ringAddr + (co0 + colO[c1 - 1]!) * 8, p.simdKernel + (kci * coutG * kw + (kw - 1 - kxHi)) * 8, p.simdPairs + r0 * 8, r1 - r0,
        coutG, plane * 8, kw * 8, c1 - c0, dst.flagAddr + blockBase, first + yFirst * Wo + oMin, first + yLast * Wo + oMax,
      );
      return;
    }
  } else {
    for (let a = r0; a < r1; a++) {
      const kRow = (kci + rowK[a]!) * kw;
      const oRow = co0 + rowO[a]! * Wo;
      for (let c = c0; c < c1; c++) {
        const k = (kRow + colK[c]!) * coutG;
        let o = oRow + colO[c]!;
        // four channels per step, then the rest (less loop overhead; the adds are independent)
        let e = k;
        const e4 = k + kEnd4;
        for (; e < e4; e += 4, o += plane4) {
          ring[o] += kernel[e]!;
          ring[o + plane] += kernel[e + 1]!;
          ring[o + plane2] += kernel[e + 2]!;
          ring[o + plane3] += kernel[e + 3]!;
        }
        for (const eEnd = k + coutG; e < eEnd; e++, o += plane) ring[o] += kernel[e]!;
      }
    }
  }
  for (let co = gi * coutG; co < coEnd; co++)
    flagBlocks(blockFlag, blockBase + ((co * plane + yFirst * Wo + oMin) >> 5), blockBase + ((co * plane + yLast * Wo + oMax) >> 5));
}

export function deliverDense(p: Projection, dst: RingTarget, j: number, s: number, kernels: CycleKernels | null): void {
  const base = (s * dst.n) | 0; // int32 (see deliverConv)
  const { ring, blockFlag } = dst;
  dst.slotFlag[s] = 1;
  const { dense } = p;
  const nTarget = p.nTarget | 0;
  const row = (j * nTarget) | 0;
  if (kernels !== null && p.simdDense >= 0 && dst.ringAddr >= 0) kernels.dense(dst.ringAddr + base * 8, p.simdDense + row * 8, nTarget);
  else for (let i = 0; i < nTarget; i++) ring[base + i] += dense[row + i]!;
  flagBlocks(blockFlag, s * dst.blocks, (s + 1) * dst.blocks - 1);
}

export function deliverCsr(p: Projection, dst: RingTarget, j: number, s: number): void {
  const base = (s * dst.n) | 0; // int32 (see deliverConv)
  const blockBase = (s * dst.blocks) | 0;
  const { ring, blockFlag } = dst;
  dst.slotFlag[s] = 1;
  const { offsets, post, contribution } = p.csr!;
  for (let k = offsets[j]!; k < offsets[j + 1]!; k++) {
    const i = post[k]!;
    ring[base + i] += contribution[k]!;
    blockFlag[blockBase + (i >> 5)] = 1;
  }
}
