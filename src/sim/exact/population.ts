/**
 * One population of the exact simulator, for a batch of samples, given its sources' spike times.
 *
 * Fast path (alpha model): when every input has arrived before the crossing, the spike time has the closed form
 * t_i = (ϑ_i + α·t0 + Σ_j J_ij·t_j) / (α + Σ_j J_ij), whose input sum is the projection applied to the decoded
 * activations (the ANN kernels do it). It is the first crossing unless the potential reached ϑ before t1 while
 * inputs were still arriving (a premature crossing, possible only with late inhibitory inputs). Since the potential
 * never exceeds its excitatory part, which only grows, V_exc(t1) = α·(t1 − t0) + Σ_j max(J_ij,0)·x_j < ϑ_i proves
 * there was none. It is checked from the cheapest bound up: Σ_j max(J_ij,0)·max_j x_j; then the exact excitatory
 * input, per neuron when few are left (excitatory-at.ts), else as a whole projection — which costs nothing extra when
 * every projection is a convolution of unit column stride: the drive's pass yields it (conv2d-signed.ts, positive
 * weights summed first). Neurons without that proof take the exact sweep over shared receptive fields (proof-sweep.ts)
 * or the reference solver's sorted scan (scan.ts), so premature crossings are simulated, not assumed away.
 */
import { product } from "../../ann/graph.js";
import { maxPool2d } from "../../ann/kernels/pool2d.js";
import type { GatePopulation, NeuronModel, Population, Projection } from "../../snn/network.js";
import { decodeTimes, NO_SPIKE } from "./encode.js";
import type { PreparedReadout, PreparedSpiking } from "./prepare.js";
import { gatherEvents } from "./gather.js";
import { binnedBoundBelow, firstCrossing, scanBuffers } from "./scan.js";
import { proveBySweep, splitByShare, sweepApplies } from "./proof-sweep.js";
import { applySignedInParts, applyTermsInParts } from "./drive-threads.js";
import { excitatoryAt } from "./excitatory-at.js";
import { boundBelow, loadSample, sampleBounds } from "./binned-bounds.js";
import { scratchF64, scratchI32, takeF64 } from "./scratch.js";
import { simd } from "../../ann/kernels/simd.js";

export interface SpikingStats {
  /** Neurons (over the batch) inspected input by input (binned bound, then the sorted scan if needed). */
  scanned: number;
  /** Neurons that spiked before their firing window (premature crossing or activation above the window). */
  early: number;
  /**
   * Largest window extension (in time units) that would have prevented every early crossing seen, or −∞.
   * Only the scanned neurons can need one: the others were proven safe.
   */
  widenBy: number;
  /** Spikes emitted over the batch (times other than NO_SPIKE). */
  spikes: number;
}

type Times = (id: string) => Float64Array;

/** The decoded activations of each projection's source. */
function decodeSources(sources: Population[], times: Times): Float64Array[] {
  return sources.map((src, k) => {
    const t = times(src.id);
    return decodeTimes(t, src.window.tMax, scratchF64(`x${k}`, t.length));
  });
}

/** Σ_k projection_k(decoded source activations), [batch, size]: the drive Σ_j J_ij·x_j of simulateSpiking. */
export function projectionDrive(projections: Projection[], sources: Population[], times: Times, shape: number[], batch: number): Float64Array {
  return inputDrive(projections, sources, decodeSources(sources, times), shape, batch, new Float64Array(batch * product(shape)));
}

/** out = Σ_k projection_k(decoded source activations), [batch, size]. */
function inputDrive(projections: Projection[], sources: Population[], xs: Float64Array[], shape: number[], batch: number, out: Float64Array): Float64Array {
  out.fill(0);
  applyTermsInParts(projections, xs, sources.map((s) => s.shape), shape, batch, out);
  return out;
}

/** Largest decoded activation per sample over all sources (decoded activations are ≥ 0). */
function maxActivation(xs: Float64Array[], batch: number): Float64Array {
  const out = new Float64Array(batch);
  for (const x of xs) {
    const n = x.length / batch;
    for (let b = 0; b < batch; b++) {
      let m = out[b]!;
      for (let j = b * n; j < (b + 1) * n; j++) if (x[j]! > m) m = x[j]!;
      out[b] = m;
    }
  }
  return out;
}

/** The excitatory projection J⁺·x for samples [from, to), [to − from, size]. */
function excitatoryDrive(prep: PreparedSpiking, xs: Float64Array[], from: number, to: number): Float64Array {
  const { pop, sources } = prep;
  const out = scratchF64("excitatory", (to - from) * product(pop.shape)).fill(0);
  const part = xs.map((x, k) => x.subarray(from * product(sources[k]!.shape), to * product(sources[k]!.shape)));
  applyTermsInParts(prep.excitatory, part, sources.map((s) => s.shape), pop.shape, to - from, out);
  return out;
}

/** Share of the first sample's pending neurons the exact excitatory input must clear to be computed for the batch. */
const EXCITATORY_PAYS = 0.3;
/** Fewest neurons reading one receptive field for the sweep to beat the sorted scan's per-neuron bound. */
const SWEEP_SHARE = 4;
/**
 * Whether the population's projections run on the SIMD kernels (src/ann/kernels/simd.ts). Then a whole excitatory
 * projection costs less than the group bound (lenet5's stem conv: 45 µs/sample against 55), and a multiply-add in it
 * ~16× less than in the per-neuron loops (~4× with the JS kernels).
 */
function simdProjections(prep: PreparedSpiking): boolean {
  return simd && prep.pop.projections.every((p) => p.kind === "conv" || p.kind === "dense");
}

/**
 * Whether the whole excitatory projection will be computed (alpha model, SIMD kernels), predicted from the first
 * sample: over 1/16 of its neurons left by the global bound, and (where the sweep applies) the exact excitatory input
 * clearing at least EXCITATORY_PAYS of them — the rules simulateSpiking applies to the whole batch. "not-exact": the
 * latter test failed (it is not repeated); "no": too few left to tell.
 */
function excitatoryForAll(prep: PreparedSpiking, xs: Float64Array[], drive: Float64Array, xMax: Float64Array, rampBefore: number): "whole" | "no" | "not-exact" {
  const { pop, offset, slope, excitatorySum } = prep;
  const size = product(pop.shape);
  const t1 = pop.window.tMin;
  const pending = scratchI32("pending", size);
  let left = 0;
  for (let i = 0; i < size; i++) {
    const t = (offset[i]! - drive[i]!) / slope[i]!;
    if (!(t >= t1 && rampBefore + excitatorySum[i]! * xMax[0]! < pop.threshold[i]!)) pending[left++] = i;
  }
  if (left <= size / 16) return "no";
  if (!sweepApplies(prep)) return "whole";
  const e = excitatoryAt(prep.excitatory, prep.sources.map((s) => s.shape), pop.shape, xs, pending, left);
  let cleared = 0;
  for (let n = 0; n < left; n++) {
    const i = pending[n]!;
    if ((offset[i]! - drive[i]!) / slope[i]! >= t1 && rampBefore + e[n]! < pop.threshold[i]!) cleared++;
  }
  // Not paying: simulateSpiking's own first-sample test would find the same (same neurons, same sums).
  return cleared >= EXCITATORY_PAYS * left ? "whole" : "not-exact";
}

export function simulateSpiking(
  prep: PreparedSpiking,
  model: NeuronModel,
  times: Times,
  batch: number,
  /** The drive, if already computed by projectionDrive with this population's projections and sources. */
  given?: Float64Array,
): { times: Float64Array; stats: SpikingStats } {
  const { pop, sources } = prep;
  const size = product(pop.shape);
  const t1 = pop.window.tMin;
  const t2 = pop.window.tMax;
  const xs = decodeSources(sources, times);
  // Alpha with every projection a convolution of unit column stride: the drive and its excitatory part in one pass.
  const onePass = model === "alpha" && given === undefined && prep.signedConvs;
  const drive = given ?? scratchF64("drive", batch * size);
  const oneExcitatory = onePass ? scratchF64("excitatory", batch * size).fill(0) : undefined;
  if (oneExcitatory) applySignedInParts(pop.projections, xs, sources.map((s) => s.shape), pop.shape, batch, drive.fill(0), oneExcitatory);
  else if (given === undefined) inputDrive(pop.projections, sources, xs, pop.shape, batch, drive);
  const out = takeF64(batch * size);
  const stats: SpikingStats = { scanned: 0, early: 0, widenBy: Number.NEGATIVE_INFINITY, spikes: 0 };

  if (model === "b1") {
    const silent = b1Times(pop.threshold, drive, out, batch, size, t1, t2, stats);
    stats.spikes = batch * size - silent;
    return { times: out, stats };
  }

  const rampBefore = pop.alpha * (t1 - pop.inputWindow.tMin);
  const xMax = maxActivation(xs, batch);
  const srcShapes = sources.map((src) => src.shape);
  const { threshold } = pop;
  const { offset, slope, excitatorySum } = prep;
  const simdFast = simdProjections(prep);
  const scan: number[] = [];
  const plan = oneExcitatory ? "whole" : simdFast && batch > 1 ? excitatoryForAll(prep, xs, drive, xMax, rampBefore) : "no";
  if (plan === "whole") {
    // One pass: the closed form, cleared by the exact excitatory input or the global bound (same neurons as the phases
    // below when they take the whole projection, without the list of pending neurons in between).
    const excitatory = oneExcitatory ?? excitatoryDrive(prep, xs, 0, batch); // [batch, size]
    const clamp = Float64Array.of(t2, 0);
    for (let b = 0, k = 0; b < batch; b++) {
      const xm = xMax[b]!;
      for (let i = 0; i < size; i++, k++) {
        const t = (offset[i]! - drive[k]!) / slope[i]!;
        const th = threshold[i]!;
        if (t >= t1 && (rampBefore + excitatory[k]! < th || rampBefore + excitatorySum[i]! * xm < th)) {
          // min(t, t2) without a branch (a fair share of neurons are silent, unpredictably): pick from [t2, t].
          clamp[1] = t;
          out[k] = clamp[+(t < t2)]!;
        }
        else {
          out[k] = t;
          scan.push(k);
        }
      }
    }
  } else {
    // Neurons left for the exact excitatory input, ascending. First the closed form and the bound with the sample's
    // largest activation.
    const pending = scratchI32("pending", batch * size);
    let left = 0;
    for (let b = 0, k = 0; b < batch; b++) {
      const xm = xMax[b]!;
      for (let i = 0; i < size; i++, k++) {
        const t = (offset[i]! - drive[k]!) / slope[i]!;
        if (t >= t1 && rampBefore + excitatorySum[i]! * xm < threshold[i]!) out[k] = t < t2 ? t : t2;
        else {
          out[k] = t; // the closed form, kept for the exact check
          pending[left++] = k;
        }
      }
    }
    // Then the exact excitatory input of what is left: per neuron when few are left (under 1/16 of the population with
    // the SIMD kernels, 1/4 with the JS ones), else the whole projection.
    // Where the exact sweep applies, that work pays only if it clears many neurons (residual sums, the stem conv), not
    // when it clears few (~5–30 % of the inner convs with random weights): the first sample decides.
    let exact = left > 0 && plan !== "not-exact";
    if (exact && sweepApplies(prep) && batch > 1) {
      let tried = 0;
      while (tried < left && pending[tried]! < size) tried++;
      if (tried > 0) {
        const e = excitatoryAt(prep.excitatory, srcShapes, pop.shape, xs, pending, tried);
        let cleared = 0;
        for (let n = 0; n < tried; n++) if (out[pending[n]!]! >= t1 && rampBefore + e[n]! < threshold[pending[n]!]!) cleared++;
        exact = cleared >= EXCITATORY_PAYS * tried;
      }
    }
    if (!exact) for (let n = 0; n < left; n++) scan.push(pending[n]!);
    else {
      const whole = left > (simdFast ? 1 / 16 : 1 / 4) * batch * size;
      // [batch, size] (indexed by k), or [left] (indexed by n)
      const excitatory = whole ? excitatoryDrive(prep, xs, 0, batch) : excitatoryAt(prep.excitatory, srcShapes, pop.shape, xs, pending, left);
      for (let n = 0, first = 0; n < left; n++) {
        const k = pending[n]!;
        while (k >= first + size) first += size;
        const t = out[k]!;
        if (t >= t1 && rampBefore + excitatory[whole ? k : n]! < threshold[k - first]!) out[k] = t < t2 ? t : t2;
        else scan.push(k);
      }
    }
  }
  // Then the exact sweep over receptive fields shared by several of these neurons (proof-sweep.ts); the sorted scan
  // for the others and for what the sweep leaves.
  if (scan.length > 0 && sweepApplies(prep)) {
    const { shared, alone } = splitByShare(prep, scan, SWEEP_SHARE);
    const rest = proveBySweep(prep, times, batch, shared, drive, out, xs);
    scanNeurons(prep, times, batch, alone.concat(rest), drive, out, stats);
  } else if (scan.length > 0) scanNeurons(prep, times, batch, scan, drive, out, stats);
  // Every neuron outside `scan` was given a time in [t1, t2]: only the scanned ones can be early or silent.
  let silent = 0;
  const tol = earlyTolerance(t1, t2);
  for (const k of scan) {
    const t = out[k]!;
    if (t < t1 - tol) stats.early++;
    else if (t === NO_SPIKE) silent++;
  }
  stats.spikes = out.length - silent;
  return { times: out, stats };
}

/**
 * How far before t1 a spike time must be to count as early: 64 ulps of the window's end. A neuron at the calibration
 * maximum with margin ζ = 0 fires at t1 exactly, and rounding can put its computed time (or, b1, its drive) a few ulps
 * on the wrong side; that is not a premature crossing.
 */
export function earlyTolerance(t1: number, t2: number): number {
  return 64 * Number.EPSILON * Math.max(Math.abs(t1), Math.abs(t2));
}

/**
 * The b1 model's spike times: V(t1) = Σ J·x, then a unit ramp, compared only in the firing phase. Returns the silent
 * count (counts early ones in stats). A function of its own: inside simulateSpiking the loop compiled ~2× slower.
 */
function b1Times(threshold: Float64Array, drive: Float64Array, out: Float64Array, batch: number, size: number, t1: number, t2: number, stats: SpikingStats): number {
  let silent = 0;
  let early = 0;
  const tol = earlyTolerance(t1, t2);
  for (let b = 0, k = 0; b < batch; b++)
    for (let i = 0; i < size; i++, k++) {
      const rest = threshold[i]! - drive[k]!;
      const t = t1 + rest;
      if (rest <= 0) {
        // At (or, by rounding, just above) the window's top: fires at t1. Above it by more: clipped, counted.
        out[k] = t1;
        if (rest < -tol) early++;
      } else {
        // Silent when t ≥ t2, without a branch (about half the neurons are silent, unpredictably): t + ∞ = NO_SPIKE,
        // t + 0 = t (t is not −0: rest > 0).
        const quiet = +(t >= t2);
        out[k] = t + SILENT[quiet]!;
        silent += quiet;
      }
    }
  stats.early += early;
  return silent;
}

/** Added to a b1 spike time: 0 if it fires (index 0), NO_SPIKE if silent (index 1). */
const SILENT = Float64Array.of(0, NO_SPIKE);

/** Fewest listed neurons of one sample for the per-sample bins of binned-bounds.ts (more on large sources, see scanNeurons). */
const GRID_NEURONS = 8;

/** The sorted scan for the listed neurons (flat batch indices). */
function scanNeurons(
  prep: PreparedSpiking,
  times: Times,
  batch: number,
  list: number[],
  drive: Float64Array,
  out: Float64Array,
  stats: SpikingStats,
): void {
  const { pop, sources } = prep;
  const size = product(pop.shape);
  const t0 = pop.inputWindow.tMin;
  const t1 = pop.window.tMin;
  const buf = scanBuffers(prep.maxEvents);
  const srcTimes = sources.map((s) => times(s.id));
  // All-conv and all-dense populations: samples whose listed neurons read more taps in all than the sources hold take
  // the bound from per-sample bins (binned-bounds.ts, the same answers): loading a sample's bins costs about one pass
  // over its inputs. gridState per sample: 0 = not tried, 1 = loaded, −1 = not applicable.
  const perSample = new Int32Array(batch);
  for (const k of list) perSample[Math.floor(k / size)]!++;
  const srcCells = sources.reduce((a, s) => a + product(s.shape), 0);
  const minNeurons = Math.max(GRID_NEURONS, Math.ceil(srcCells / Math.max(1, prep.maxEvents - 1)));
  const grids = perSample.some((n) => n >= minNeurons) ? sampleBounds(pop.projections, sources, pop.shape) : undefined;
  const gridState = new Int8Array(batch);
  for (const k of list) {
    const b = Math.floor(k / size);
    const i = k % size;
    if (grids && perSample[b]! >= minNeurons && gridState[b] !== -1) {
      if (grids.sample !== b) gridState[b] = loadSample(grids, srcTimes, b, t0, t1) ? 1 : -1;
      const closed = (prep.offset[i]! - drive[k]!) / prep.slope[i]!;
      if (gridState[b] === 1 && closed >= t1 && boundBelow(grids, i, t0, pop.alpha, t1, pop.threshold[i]!)) {
        stats.scanned++;
        out[k] = closed < pop.window.tMax ? closed : pop.window.tMax;
        continue;
      }
    }
    let n = 0;
    buf.times[n] = t0;
    buf.weights[n++] = pop.alpha;
    for (let p = 0; p < pop.projections.length; p++) {
      const srcSize = srcTimes[p]!.length / batch;
      n = gatherEvents(pop.projections[p]!, sources[p]!.shape, pop.shape, i, srcTimes[p]!, b * srcSize, t1, buf, n);
    }
    const th = pop.threshold[i]!;
    // The closed form holds when every input arrived before it and V provably stayed below ϑ until t1.
    const closed = (prep.offset[i]! - drive[k]!) / prep.slope[i]!;
    stats.scanned++;
    if (closed >= t1 && binnedBoundBelow(buf, n, th, t1)) {
      out[k] = closed < pop.window.tMax ? closed : pop.window.tMax;
      continue;
    }
    const r = firstCrossing(buf, n, th, pop.window.tMax, t1);
    out[k] = r.time;
    const need = (r.maxBefore - th) / prep.slope[i]!;
    if (need >= 0 && need > stats.widenBy) stats.widenBy = need;
  }
}

/** Max-pool gate: the first spike wins (channelSign +1), or the last (−1). Padding never wins. */
export function simulateGate(pop: GatePopulation, source: Population, sourceTimes: Float64Array, batch: number): Float64Array {
  const [c, ih, iw] = source.shape as [number, number, number];
  const [, oh, ow] = pop.shape as [number, number, number];
  // The first spike is a min pool (a max pool with sign −1), the last a max pool. The delay shifts every input
  // equally, so it is added after the pool: rounding is monotone, so the same winner and the same sum.
  const out = takeF64(batch * c * oh * ow);
  const { kernel, stride, pads, dilation } = pop.projection;
  if (kernel[0] === 2 && kernel[1] === 2 && stride[0] === 2 && stride[1] === 2 && dilation[0] === 1 && dilation[1] === 1 && pads.every((p) => p === 0) && 2 * oh <= ih && 2 * ow <= iw && pop.channelSign.every((s) => s * s === 1))
    gate2x2(sourceTimes, out, batch, pop.channelSign, ih, iw, oh, ow);
  else maxPool2d({ ...pop.projection, input: sourceTimes, batch, channels: c, inH: ih, inW: iw, output: out, outH: oh, outW: ow }, Int8Array.from(pop.channelSign, (s) => -s));
  const d = pop.projection.delay;
  if (d !== 0) for (let i = 0; i < out.length; i++) out[i]! += d;
  return out;
}

/**
 * The usual gate, 2×2 windows at stride 2 inside the image: per window the first spike (channelSign +1) or the last
 * (−1), ties to the first tap in row-major order — maxPool2d's answer, without its sign flips. Compared as a tree of
 * pairs, each picked by indexing with the comparison (no branch: half of lenet5's windows hold equal times, and the
 * winner's position is unpredictable).
 */
function gate2x2(input: Float64Array, output: Float64Array, batch: number, channelSign: ArrayLike<number>, ih: number, iw: number, oh: number, ow: number): void {
  const c = channelSign.length;
  // Pairs: [top-left, top-right], [bottom-left, bottom-right], [top winner, bottom winner].
  const pair = new Float64Array(6);
  let dst = 0;
  for (let b = 0; b < batch; b++)
    for (let ch = 0; ch < c; ch++) {
      const src = (b * c + ch) * ih * iw;
      // The first spike: the second of a pair wins if strictly earlier; the last: if strictly later.
      const sign = channelSign[ch]! > 0 ? 1 : -1;
      for (let oy = 0; oy < oh; oy++) {
        let r = src + 2 * oy * iw;
        for (let ox = 0; ox < ow; ox++, r += 2) {
          const t00 = input[r]!;
          const t01 = input[r + 1]!;
          const t10 = input[r + iw]!;
          const t11 = input[r + iw + 1]!;
          pair[0] = t00;
          pair[1] = t01;
          pair[2] = t10;
          pair[3] = t11;
          const top = pair[+(sign * t01 < sign * t00)]!;
          const bottom = pair[2 + +(sign * t11 < sign * t10)]!;
          pair[4] = top;
          pair[5] = bottom;
          output[dst++] = pair[4 + +(sign * bottom < sign * top)]!;
        }
      }
    }
}

/** Readout potentials at the read time: V_i = α_i·(tRead − t0) + Σ_j J_ij·x_j. */
export function simulateReadout(prep: PreparedReadout, times: Times, batch: number): Float64Array {
  const { pop, sources } = prep;
  const size = product(pop.shape);
  const v = inputDrive(pop.projections, sources, decodeSources(sources, times), pop.shape, batch, new Float64Array(batch * size));
  const ramp = pop.window.tMin - pop.inputWindow.tMin;
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < size; i++) {
      const k = b * size + i;
      v[k]! += pop.alpha[i]! * ramp;
      if (pop.relu && v[k]! < 0) v[k] = 0;
    }
  return v;
}
