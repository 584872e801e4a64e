/**
 * Pass 2, weights, thresholds, biases: the integer design of every layer.
 *
 * A neuron of layer n integrates, on the tick grid, v(t) = Σ_j w_j·(t − τ_j)_+ + c0·(t − τ_a)_+ + c1·(t − t1)_+
 * (τ_j = arrival − 1, see time.ts). Once every input has arrived (t ≥ t1) v rises with the slope
 * S = c0 + c1 + Σ_j w_j, the same integer S for every neuron of the layer, so
 *   v(t) = S·(t − t1) + c0·(t1 − τ_a) + (S/δ_n)·Σ_j W_j x̂_j      with w_j = S·W_j·δ_src/δ_n,
 * where W, b are the layer's ANN weights and biases (recovered from the SNN IR: W = J/(α + ΣJ) for alpha) and
 * x̂_j = (w2_src − s_j)·δ_src the source's activation. With the threshold
 *   θ_i = S·(K − ½ − b_i/δ_n) + c0_i·(t1 − τ_a)
 * the crossing lies at t2 − (Σ W x̂ + b)/δ_n − ½, half a tick early: firing at the first tick with v > θ then
 * rounds the activation to the NEAREST tick instead of flooring it (shared/spec/ttfs-mapping.md §8).
 * The SNN's integration bias α (from the input window's start) keeps its neurons from firing before t1; on the chip
 * the firing gate (spiking.ts) does that, so c0 = 0 and one clock current c1 = S − Σ w (from t1) takes α and the
 * padded conv taps: thresholds stay near S·K instead of S·K + α·K (measured on lenet5_fmnist at 512 ticks: the
 * α term made Θ up to ~18 × S·K, and Θ's 24 bits bound the slope; the design keeps c0 for other uses).
 *
 * b1: inputs integrate until t1, then the neuron program ramps v by S per tick; θ_i = S·(K − ½ − b_i/δ_n).
 * Readout: w_j = G·W_j·δ_src, read at t1: v = G·Σ W x̂, logit = v/G + b (b in the readout offset, exact).
 *
 * Weights are mantissas with one exponent per target neuron (dense) or output channel (conv), chosen to keep the
 * most bits; S (G) is the largest slope for which every register bound (ranges.ts) fits with 10 % headroom.
 */
import { product } from "../../ann/graph.js";
import type { Term } from "../../ann/graph.js";
import type { Population, Projection, ReadoutPopulation, SpikingPopulation } from "../../snn/network.js";
import { forEachSynapse, VIRTUAL, weightSums } from "../../snn/synapses.js";
import type { Pass } from "../../util/pass.js";
import { chooseExp, exactLadder, ladderCeil, maxContribution, quantizeMantissa, rangeOf, termValue, weightFormat, type SignModeUsed, type WeightFormat } from "./fixed-point.js";
import { fitFormatBudget, type BudgetGroup, type BudgetResult } from "./format-budget.js";
import type { FormatBudgetEffect, GateDesign, LayerDesign, Lowering, PopulationTiming, QuantizedGroup, ReadoutDesign, SpikingDesign, WeightLoss, WeightPart } from "./lowering.js";
import { RangeError_, deltaAt, describePopulation, windowTicks, type Timing } from "./lowering.js";
import { registerHint, registerLimits, unitBounds, type UnitNeuron } from "./ranges.js";
import { maxOf } from "../../util/extrema.js";

/** Below this slope a tick has fewer than 64 threshold levels: the layer is rejected instead. */
export const MIN_SLOPE = 64;
const HEADROOM = 0.9;

/** A projection's ANN-domain weights in one of three layouts, per unit slope (w = r·W). */
interface RealGroup {
  source: string;
  layout: "dense" | "conv" | "sparse";
  proj: Projection;
  /** dense/conv: same layout as the SNN term; sparse: per synapse. */
  w: Float64Array;
  /** Row (exponent index) of each weight: dense target neuron, conv output channel, sparse post neuron. */
  rows: number;
  rowOf: (k: number) => number;
  pre?: Int32Array;
  post?: Int32Array;
  /** sparse: virtual taps as (post, weight). */
  virtualPost?: Int32Array;
  virtualW?: Float64Array;
}

/**
 * Activation units per tick of source neuron j over those of target neuron i: w = S·W·δ_src(j)/δ_n(i) (one ratio per
 * layer pair unless channel windows give neurons their own δ). `own` null: the readout (w = G·W·δ_src).
 */
type TickRatio = (proj: Projection, j: number, i: number) => number;

function tickRatio(t: Timing, own: PopulationTiming | null): TickRatio {
  return (proj, j, i) => deltaAt(t.populations.get(proj.source)!, j) / (own ? deltaAt(own, i) : 1);
}

function realGroups(pop: SpikingPopulation | ReadoutPopulation, byId: Map<string, Population>, gain: Float64Array, ratio: TickRatio): RealGroup[] {
  const size = product(pop.shape);
  return pop.projections.map((proj, index) => {
    projIndex.set(proj, index);
    const src = byId.get(proj.source)!;
    if (proj.kind === "dense") {
      const m = proj.weight.length / size;
      const w = proj.weight.map((x, k) => {
        const i = Math.floor(k / m);
        return (ratio(proj, k - i * m, i) * x) / gain[i]!;
      });
      return { source: proj.source, layout: "dense", proj, w, rows: size, rowOf: (k: number) => Math.floor(k / m) };
    }
    if (proj.kind === "conv") {
      const cout = pop.shape[0]!;
      const per = proj.weight.length / cout;
      const area = size / cout;
      const taps = proj.kernel[0] * proj.kernel[1];
      const cinPerGroup = per / taps;
      const coutPerGroup = cout / proj.group;
      const srcArea = product(src.shape) / src.shape[0]!;
      const w = proj.weight.map((x, k) => {
        const co = Math.floor(k / per);
        const ci = Math.floor(co / coutPerGroup) * cinPerGroup + Math.floor((k - co * per) / taps);
        return (ratio(proj, ci * srcArea, co * area) * x) / gain[co * area]!;
      });
      return { source: proj.source, layout: "conv", proj, w, rows: cout, rowOf: (k: number) => Math.floor(k / per) };
    }
    // identity, avgpool: explicit synapses (virtual taps: the ratio of the source channel feeding neuron i)
    const pre: number[] = [];
    const post: number[] = [];
    const w: number[] = [];
    const vPost: number[] = [];
    const vW: number[] = [];
    const srcArea = product(src.shape) / (src.shape.length === 3 ? src.shape[0]! : product(src.shape));
    const area = pop.shape.length === 3 ? size / pop.shape[0]! : 1;
    for (let i = 0; i < size; i++)
      forEachSynapse(proj, src.shape, pop.shape, i, (j, x) => {
        if (x === 0) return;
        if (j === VIRTUAL) {
          vPost.push(i);
          vW.push((ratio(proj, Math.floor(i / area) * srcArea, i) * x) / gain[i]!);
        } else {
          pre.push(j);
          post.push(i);
          w.push((ratio(proj, j, i) * x) / gain[i]!);
        }
      });
    const postA = Int32Array.from(post);
    return {
      source: proj.source, layout: "sparse", proj, w: Float64Array.from(w), rows: size, rowOf: (k: number) => postA[k]!,
      pre: Int32Array.from(pre), post: postA, virtualPost: Int32Array.from(vPost), virtualW: Float64Array.from(vW),
    };
  });
}

/**
 * Each projection becomes two groups, its positive and its negative weights: one sign mode each gives every weight
 * the full 8-bit magnitude (steps of 1 instead of the mixed mode's 2) and its own exponent per row. With `mixed`
 * (Lowering.mixedSign) it stays one mixed-sign group: one list per input axon instead of two (one sign mode in a
 * neuron's share of the synapse-format table, fewer list headers; a dense list of one exponent stores each entry
 * once instead of twice) at the cost of that bit.
 */
function splitBySign(groups: RealGroup[], mixed: boolean): SignedGroup[] {
  const out: SignedGroup[] = [];
  for (const g of groups)
    for (const part of mixed ? (["mixed"] as const) : (["exc", "inh"] as const)) {
      const keep = (x: number) => (part === "exc" ? Math.max(x, 0) : Math.min(x, 0));
      const w = part === "mixed" ? g.w : g.w.map(keep);
      const virtualW = part === "mixed" ? g.virtualW : g.virtualW?.map(keep);
      if (!w.some((x) => x !== 0) && !virtualW?.some((x) => x !== 0) && !(g.layout === "conv" && part !== "inh")) continue;
      out.push({ ...g, w, virtualW, part });
    }
  return out;
}

type SignedGroup = RealGroup & { part: WeightPart };

/** Per neuron: Σ positive, Σ negative real contributions and Σ virtual-tap contributions of a set of groups. */
function neuronSums(groups: RealGroup[], values: Float64Array[], pop: Population, byId: Map<string, Population>) {
  const size = product(pop.shape);
  const exc = new Float64Array(size);
  const inh = new Float64Array(size);
  const virt = new Float64Array(size);
  groups.forEach((g, gi) => {
    const v = values[gi]!;
    if (g.layout === "dense") {
      const m = v.length / size;
      for (let i = 0; i < size; i++)
        for (let j = 0; j < m; j++) {
          const x = v[i * m + j]!;
          if (x > 0) exc[i]! += x;
          else inh[i]! += x;
        }
    } else if (g.layout === "conv") {
      const term = { ...(g.proj as Term & { kind: "conv" }), weight: v, delay: 0 };
      const srcShape = byId.get(g.source)!.shape;
      for (let i = 0; i < size; i++)
        forEachSynapse(term, srcShape, pop.shape, i, (j, x) => {
          if (j === VIRTUAL) virt[i]! += x;
          else if (x > 0) exc[i]! += x;
          else inh[i]! += x;
        });
    } else {
      for (let k = 0; k < v.length; k++) {
        const i = g.post![k]!;
        const x = v[k]!;
        if (x > 0) exc[i]! += x;
        else inh[i]! += x;
      }
    }
  });
  return { exc, inh, virt };
}

/**
 * Bias correction of weight rounding: per neuron, the mean over the calibration data of what the rounded weights add
 * to v at t1, Σ_j (w_q − w)·mean(x_j)/δ_src. The threshold (readout: offset) absorbs it, so rounding errors no longer
 * shift spikes systematically; what remains is their variation around the mean. (The same correction for the time
 * grid's mean activation errors, measured by the cycle simulator, did not help on lenet5_fmnist: not kept.)
 */
function roundingBias(ir: Lowering, groups: RealGroup[], qs: { contrib: Float64Array }[], S: number, pop: Population, byId: Map<string, Population>): Float64Array {
  const size = product(pop.shape);
  const out = new Float64Array(size);
  const means = ir.activationMeans;
  groups.forEach((g, gi) => {
    const spt = ir.timing!.populations.get(g.source)!;
    const mean = means?.get(g.source);
    if (mean) addWeighted(out, g, qs[gi]!.contrib.map((c, k) => c - S * g.w[k]!), mean.map((m, j) => m / deltaAt(spt, j)), 1, pop, byId);
  });
  return out;
}

/** out_i += scale · Σ_j values(i, j) · vec_j over the group's real synapses (virtual taps carry no activation). */
function addWeighted(out: Float64Array, g: RealGroup, values: Float64Array, vec: Float64Array, scale: number, pop: Population, byId: Map<string, Population>): void {
  const size = out.length;
  if (g.layout === "dense") {
    const m = values.length / size;
    for (let i = 0; i < size; i++) {
      let e = 0;
      for (let j = 0; j < m; j++) e += values[i * m + j]! * vec[j]!;
      out[i]! += e * scale;
    }
  } else if (g.layout === "conv") {
    const term = { ...(g.proj as Term & { kind: "conv" }), weight: values, delay: 0 };
    const srcShape = byId.get(g.source)!.shape;
    for (let i = 0; i < size; i++)
      forEachSynapse(term, srcShape, pop.shape, i, (j, x) => {
        if (j !== VIRTUAL) out[i]! += x * vec[j]! * scale;
      });
  } else for (let k = 0; k < values.length; k++) out[g.post![k]!]! += values[k]! * vec[g.pre![k]!]! * scale;
}

/** Virtual-tap sums of sparse groups (scaled). */
function sparseVirtual(groups: RealGroup[], scale: number, virt: Float64Array, quantize: (x: number, row: number) => number): void {
  groups.forEach((g) => {
    if (g.layout !== "sparse") return;
    for (let k = 0; k < g.virtualPost!.length; k++) virt[g.virtualPost![k]!]! += quantize(scale * g.virtualW![k]!, g.virtualPost![k]!);
  });
}

/** The sign mode of a group's format, and per row the exponent that keeps the most precision (rowMax > 0: live). */
function rowExponents(f: WeightFormat, g: SignedGroup, S: number, fine: boolean) {
  const mode: SignModeUsed = fine || g.part === "mixed" ? "mixed" : g.part === "exc" && f.excitatory ? "excitatory" : g.part === "inh" && f.inhibitory ? "inhibitory" : "mixed";
  const range = rangeOf(f, mode);
  const rowMax = new Float64Array(g.rows);
  for (let k = 0; k < g.w.length; k++) rowMax[g.rowOf(k)] = Math.max(rowMax[g.rowOf(k)]!, Math.abs(S * g.w[k]!));
  if (g.layout === "sparse") for (let k = 0; k < g.virtualW!.length; k++) rowMax[g.virtualPost![k]!] = Math.max(rowMax[g.virtualPost![k]!]!, Math.abs(S * g.virtualW![k]!));
  const exps = new Int8Array(g.rows);
  for (let r = 0; r < g.rows; r++) exps[r] = Math.min(chooseExp(f, range, rowMax[r]!), f.expMax);
  return { mode, exps, rowMax };
}

/** Quantizes a group at slope S with the given row exponents (rowExponents' unless the format budget raised some). */
function quantizeGroup(f: WeightFormat, g: SignedGroup, S: number, delay: number, fine: boolean, mode: SignModeUsed, exps: Int8Array): { q: QuantizedGroup; contrib: Float64Array; exps: Int8Array } {
  const range = rangeOf(f, mode);
  const mant = new Int16Array(g.w.length);
  const contrib = new Float64Array(g.w.length);
  let maxErr = 0;
  let maxAbs = 0;
  for (let k = 0; k < g.w.length; k++) {
    const e = exps[g.rowOf(k)]!;
    const ideal = S * g.w[k]!;
    mant[k] = quantizeMantissa(range, f, ideal, e);
    contrib[k] = termValue(f, { mant: mant[k]!, exp: e });
    maxErr = Math.max(maxErr, Math.abs(contrib[k]! - ideal));
    maxAbs = Math.max(maxAbs, Math.abs(ideal));
  }
  let expLo = 127;
  let expHi = -128;
  for (const e of exps) (expLo = Math.min(expLo, e)), (expHi = Math.max(expHi, e));
  let group: QuantizedGroup["group"];
  if (g.layout === "dense") group = { kind: "dense", weight: mant, weightExp: exps, delay };
  else if (g.layout === "conv") {
    const p = g.proj as Projection & { kind: "conv" };
    group = { kind: "conv", group: p.group, weight: mant, weightExp: exps, delay, kernel: p.kernel, stride: p.stride, pads: p.pads, dilation: p.dilation };
  } else group = { kind: "sparse", pre: g.pre!, post: g.post!, weight: mant, weightExp: Int8Array.from(g.post!, (i) => exps[i]!), delay };
  return { q: { source: g.source, group, maxRelError: maxAbs > 0 ? maxErr / maxAbs : 0, expRange: [expLo, expHi], mode, part: g.part, fine }, contrib, exps };
}

/**
 * Row exponents of a set of groups, coarsened where a neuron's lists would need more format entries than `budget`
 * (with `fixed`'s lists, which keep theirs). Returns the exponents, the budget's result, and the groups as fixed lists
 * for a later round.
 */
function budgetedExponents(f: WeightFormat, groups: SignedGroup[], S: number, fine: boolean, fixed: BudgetGroup[], size: number, pt: PopulationTiming, budget: number | null) {
  const rows = groups.map((g) => rowExponents(f, g, S, fine));
  const lists: BudgetGroup[] = groups.map((g, gi) => {
    const d = delayOf(pt, g.proj);
    const area = g.layout === "conv" ? size / g.rows : 1;
    return {
      cls: SIGN_MODES.indexOf(rows[gi]!.mode) * 64 + (d > 0 ? Math.ceil(Math.log2(d + 1)) : 0),
      exps: rows[gi]!.exps,
      live: Uint8Array.from(rows[gi]!.rowMax, (x) => (x > 0 ? 1 : 0)),
      rowOf: area === 1 ? (i: number) => i : (i: number) => Math.floor(i / area),
      frozen: false,
    };
  });
  const own = rows.map((r) => r.exps);
  if (budget === null) return { rows, own, result: null, fixed: [...fixed, ...lists.map((l) => ({ ...l, frozen: true }))], raised: null };
  const result = fitFormatBudget([...fixed, ...lists], size, budget);
  rows.forEach((r, gi) => (r.exps = result.exps[fixed.length + gi]!));
  return { rows, own, result, fixed: [...fixed, ...lists.map((l, gi) => ({ ...l, exps: rows[gi]!.exps, frozen: true }))], raised: own.map((o, gi) => Uint8Array.from(o, (e, r) => (rows[gi]!.exps[r] !== e ? 1 : 0))) };
}

const SIGN_MODES: SignModeUsed[] = ["mixed", "excitatory", "inhibitory"];

/**
 * Format entries a neuron's weight lists may use on a core: the target's table less what the clock and latch lists
 * take (the exact ladder's exponents); null when the target states no table.
 */
function dataFormatBudget(ir: Lowering, f: WeightFormat): number | null {
  const table = ir.target.coreClasses[0]?.profiles.synapseFormat ?? null;
  return table === null ? null : Math.max(1, table - exactLadder(f).length);
}

const delayOf = (pt: PopulationTiming, proj: Projection): number => pt.delays[projIndex.get(proj)!]!;
/** Index of each projection in its population (set while building real groups). */
const projIndex = new WeakMap<Projection, number>();

/**
 * Weights at S, one group per sign; with weightTerms = 2 also a residual group per sign (the coarse rounding error
 * at its own finer exponents). Row exponents are the most precise ones unless a neuron's lists would need more
 * synapse-format entries than a core holds (format-budget.ts; the residuals get what the coarse lists leave).
 * Returns the groups, each real group's total integer contributions, and what the format budget cost.
 */
function quantizeAll(ir: Lowering, f: WeightFormat, groups: SignedGroup[], S: number, pt: PopulationTiming, size: number) {
  const budget = dataFormatBudget(ir, f);
  const c = budgetedExponents(f, groups, S, false, [], size, pt, budget);
  const coarse = groups.map((g, gi) => quantizeGroup(f, g, S, delayOf(pt, g.proj), false, c.rows[gi]!.mode, c.rows[gi]!.exps));
  const out: QuantizedGroup[] = coarse.map((q) => q.q);
  const total = coarse.map((q) => ({ contrib: Float64Array.from(q.contrib), exps: q.exps }));
  const results = [c.result];
  const modes = c.rows.map((r) => r.mode);
  const raisedError = c.raised
    ? { after: worstRowError(f, groups, modes, S, c.raised, c.rows.map((r) => r.exps)), before: worstRowError(f, groups, modes, S, c.raised, c.own) }
    : { after: 0, before: 0 };
  if (ir.weightTerms === 2) {
    const residuals = groups.flatMap((g, gi) => {
      const residual = { ...g, w: g.w.map((x, k) => x - coarse[gi]!.contrib[k]! / S), virtualW: g.virtualW?.map(() => 0) };
      return residual.w.some((x) => x !== 0) ? [{ gi, residual }] : [];
    });
    // The coarse lists keep their exponents: only the residuals' own ones may be raised.
    const r = budgetedExponents(f, residuals.map((x) => x.residual), S, true, c.fixed, size, pt, budget);
    results.push(r.result);
    residuals.forEach(({ gi, residual }, k) => {
      const q = quantizeGroup(f, residual, S, delayOf(pt, residual.proj), true, r.rows[k]!.mode, r.rows[k]!.exps);
      q.q.maxRelError = 0;
      out.push(q.q);
      const t = total[gi]!.contrib;
      for (let j = 0; j < t.length; j++) t[j]! += q.contrib[j]!;
    });
  }
  // Relative error of the total weight per group (coarse + residual).
  groups.forEach((g, gi) => {
    let err = 0;
    let max = 0;
    for (let k = 0; k < g.w.length; k++) (err = Math.max(err, Math.abs(total[gi]!.contrib[k]! - S * g.w[k]!))), (max = Math.max(max, Math.abs(S * g.w[k]!)));
    out[gi]!.maxRelError = max > 0 ? err / max : 0;
  });
  return { groups: out, total, formats: mergeBudgetResults(budget, results, raisedError) };
}

/**
 * Largest relative error of one coarse weight row (max |error| / max |weight| of the row) over the rows the format
 * budget raised, at the given row exponents: the budget's and their own, to say what the raise cost.
 */
function worstRowError(f: WeightFormat, groups: RealGroup[], modes: SignModeUsed[], S: number, raised: Uint8Array[], exps: Int8Array[]): number {
  let worst = 0;
  groups.forEach((g, gi) => {
    const mask = raised[gi]!;
    if (!mask.some((x) => x)) return;
    const range = rangeOf(f, modes[gi]!);
    const err = new Float64Array(g.rows);
    const max = new Float64Array(g.rows);
    for (let k = 0; k < g.w.length; k++) {
      const r = g.rowOf(k);
      if (!mask[r]) continue;
      const ideal = S * g.w[k]!;
      const e = exps[gi]![r]!;
      err[r] = Math.max(err[r]!, Math.abs(termValue(f, { mant: quantizeMantissa(range, f, ideal, e), exp: e }) - ideal));
      max[r] = Math.max(max[r]!, Math.abs(ideal));
    }
    for (let r = 0; r < g.rows; r++) if (max[r]! > 0) worst = Math.max(worst, err[r]! / max[r]!);
  });
  return worst;
}

/** What the format budget did to one layer (null: nothing to say). */
function mergeBudgetResults(budget: number | null, results: (BudgetResult | null)[], raisedError: { after: number; before: number }): FormatBudgetEffect | null {
  if (budget === null) return null;
  const done = results.filter((r): r is BudgetResult => r !== null);
  const effect = { budget, rowsRaised: 0, maxBitsLost: 0, over: 0, raisedRowError: raisedError.after, raisedRowErrorBefore: raisedError.before };
  for (const r of done) (effect.rowsRaised += r.rowsRaised), (effect.maxBitsLost = Math.max(effect.maxBitsLost, r.maxBitsLost)), (effect.over = Math.max(effect.over, r.over));
  return effect.rowsRaised > 0 || effect.over > 0 ? effect : null;
}

/** The ANN-domain gain g_i (W = J/g) and bias b_i of a spiking population, from its SNN parameters. */
function annParameters(pop: SpikingPopulation, model: "alpha" | "b1"): { gain: Float64Array; bias: Float64Array } {
  const size = product(pop.shape);
  const gain = new Float64Array(size).fill(1);
  const bias = new Float64Array(size);
  const t0 = pop.inputWindow.tMin;
  const t1 = pop.inputWindow.tMax;
  const t2 = pop.window.tMax;
  if (model === "b1") {
    for (let i = 0; i < size; i++) bias[i] = t2 - t1 - pop.threshold[i]!;
    return { gain, bias };
  }
  const sumJ = new Float64Array(size);
  for (const p of pop.projections) {
    const s = weightSums(p, pop.shape);
    for (let i = 0; i < size; i++) sumJ[i]! += s[i]!;
  }
  for (let i = 0; i < size; i++) {
    gain[i] = pop.alpha + sumJ[i]!;
    bias[i] = t2 - (pop.threshold[i]! + pop.alpha * t0 + sumJ[i]! * t1) / gain[i]!;
  }
  return { gain, bias };
}

/**
 * Registers whose bound grows with the input weights (not only with the slope over the window): u, q, one synapse's
 * weight, and v's lower bound (the inhibitory inputs integrated over the input window).
 */
const WEIGHT_REGISTERS = /^(u|q|one synapse|v \(lower\))/;

/** The largest slope with every register bound within its limit (with headroom), or the binding register. */
function largestSlope(ir: Lowering, pop: Population, unit: UnitNeuron[], model: "alpha" | "b1" | "readout"): number {
  const limits = registerLimits(ir.target, model === "readout");
  const K = windowTicks(ir.timing!.populations.get(pop.id)!);
  let best = Infinity;
  let binding = "";
  let need = 0;
  let limit = 0;
  for (const n of unit) {
    const b = unitBounds(n, K, model);
    const checks: [string, number, number][] = [
      ["u", Math.max(b.u[1], -b.u[0]), limits.u[1]],
      ["v (upper)", b.v[1], limits.v[1]],
      ["v (lower)", -b.v[0], -limits.v[0]],
      ["threshold", b.theta, limits.theta],
      ["one synapse's weight", b.synapse, limits.synapse],
    ];
    if (limits.q) checks.push(["q (per-tick dendritic sum)", Math.max(b.q[1], -b.q[0]), limits.q[1]]);
    for (const [name, per, lim] of checks) {
      if (!(per > 0)) continue;
      const s = lim / per;
      if (s < best) [best, binding, need, limit] = [s, name, per, lim];
    }
  }
  const S = Math.floor(best * HEADROOM * (ir.slopeFactor.get(pop.id) ?? 1));
  if (!(S >= MIN_SLOPE) && pop.kind !== "readout") {
    // Registers that hold weights shrink as the layer's window widens (w ∝ 1/δ_n): say by how much (a power of two).
    const widen = WEIGHT_REGISTERS.test(binding) ? 2 ** Math.ceil(Math.log2(MIN_SLOPE / (best * HEADROOM * (ir.slopeFactor.get(pop.id) ?? 1)))) : null;
    throw new RangeError_(
      `${describePopulation(pop)} does not fit ${ir.target.name}: register ${binding} would reach ${(need * MIN_SLOPE).toExponential(3)} ` +
        `(${need.toExponential(3)} × the slope) at the smallest usable slope ${MIN_SLOPE} per tick (${K.own} ticks per window), beyond the limit ${limit}`,
      registerHint(binding),
      pop.id,
      false,
      widen,
    );
  }
  if (!(S >= 1)) {
    throw new RangeError_(
      `${describePopulation(pop)} does not fit ${ir.target.name}: readout register ${binding} would reach ${need.toExponential(3)} per logit unit, beyond the limit ${limit}`,
      "lower --ticks, or scale down the last layer's weights",
      pop.id,
    );
  }
  return S;
}

function designSpiking(ir: Lowering, pop: SpikingPopulation, byId: Map<string, Population>): SpikingDesign {
  const f = weightFormat(ir.target);
  const t = ir.timing!;
  const pt = t.populations.get(pop.id)!;
  const { own: K, integration: Ki } = windowTicks(pt);
  const model = ir.snn.model;
  const size = product(pop.shape);
  const { gain, bias } = annParameters(pop, model);
  const groups = splitBySign(realGroups(pop, byId, gain, tickRatio(t, pt)), ir.mixedSign);
  // Unit design (S = 1) for the slope choice.
  const unitSums = neuronSums(groups, groups.map((g) => g.w), pop, byId);
  sparseVirtual(groups, 1, unitSums.virt, (x) => x);
  const unit: UnitNeuron[] = [];
  const thetaUnit = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    // The firing gate (no spike before t1) replaces what the α current before t1 protected against: every clock
    // current starts at t1 (c0 = 0), which keeps thresholds at S·K instead of S·K + α·K.
    const c0 = 0;
    const c1 = model === "alpha" ? 1 - (unitSums.exc[i]! + unitSums.inh[i]!) : 0;
    thetaUnit[i] = K - 0.5 - bias[i]! / deltaAt(pt, i) + c0 * Ki;
    unit.push({ exc: unitSums.exc[i]!, inh: unitSums.inh[i]!, c0, c1, theta: thetaUnit[i]!, thetaMax: 0, slope: 1, maxWeight: 0 });
  }
  const thetaMaxUnit = maxOf(thetaUnit, 1e-9);
  let maxW = 0;
  for (const g of groups) for (const x of g.w) maxW = Math.max(maxW, Math.abs(x));
  for (const n of unit) (n.thetaMax = thetaMaxUnit), (n.maxWeight = maxW);
  const S = largestSlope(ir, pop, unit, model);

  // Integer design at S.
  const { groups: quantized, total: qs, formats } = quantizeAll(ir, f, groups, S, pt, size);
  const sums = neuronSums(groups, qs.map((q) => q.contrib), pop, byId);
  sparseVirtual(groups, S, sums.virt, (x) => x); // only shapes c0 vs c1; the slope is exact either way
  const c0 = new Float64Array(size);
  const c1 = new Float64Array(size);
  const theta = new Float64Array(size);
  const bias0 = roundingBias(ir, groups, qs, S, pop, byId);
  for (let i = 0; i < size; i++) {
    if (model === "alpha") c1[i] = S - (sums.exc[i]! + sums.inh[i]!); // exact: the slope after t1 is S for every neuron (c0 = 0)
    theta[i] = S * (K - 0.5 - bias[i]! / deltaAt(pt, i)) + c0[i]! * Ki + bias0[i]!;
  }
  const shift = ir.target.neuron.threshold.shift;
  const th = ir.target.neuron.threshold;
  const vthMant = Math.min(th.mantissaMax, Math.max(th.mantissaMin, Math.ceil(maxOf(theta) / 2 ** shift)));
  const Theta = vthMant * 2 ** shift;
  const vInit = Int32Array.from(theta, (x) => Math.round(Theta - x));
  const push = new Float64Array(size);
  const latchDepth = new Float64Array(size);
  const gate = new Float64Array(size);
  if (model === "alpha") {
    for (let i = 0; i < size; i++) {
      // Firing gate: before t1, v is held G below its linear value, so no neuron can fire before every input has
      // arrived (an activation above the window fires at t1: clipped to X_n); the latch below then always holds.
      // (Rounded up on the exact ladder: any larger value works, and it takes one synapse fewer.)
      gate[i] = ladderCeil(f, gateDepth(vInit[i]!, sums.exc[i]!, c0[i]!, Ki, Theta));
      // Lowest v an unfired neuron can have at t2 − 1 (any input in range); the push at t2 must lift it over Θ.
      const vForceLo = vInit[i]! + Ki * sums.inh[i]! + c0[i]! * Ki + (K - 1) * S;
      // Integers, realized exactly as a few synapses each (spiking.ts), so no single weight bounds them.
      push[i] = ladderCeil(f, Math.max(1, Theta - vForceLo - S + 1));
      // A neuron latched before t2 sits at −depth when the push arrives: it must stay ≤ Θ.
      latchDepth[i] = ladderCeil(f, Math.max(0, push[i]! - Theta));
      vInit[i]! -= gate[i]!;
    }
  }
  const loss = weightLoss(groups, qs, unitSums, sums);
  return { kind: "spiking", id: pop.id, model, slope: S, groups: quantized, loss, formats, exc: sums.exc, inh: sums.inh, c0, c1, theta, vthMant, vInit, push, latchDepth, gate };
}

/**
 * A layer's values can be far smaller than its inputs' (a partial sum of a global average pool over quiet channels):
 * its window is then narrow, its input weights S·W·δ_src/δ_n large, and they can overflow u, q or v even at the
 * smallest slope. Such a layer gets a wider window (a power of two, at most MAX_WINDOW_SCALE): every weight into it
 * shrinks by that factor and its values use that much fewer of its ticks; the layers reading it see the new tick
 * length, since populations are designed in order. Beyond the bound, the error names the layer.
 */
function designWidening(ir: Lowering, pop: SpikingPopulation, byId: Map<string, Population>, widened: Map<string, number>): SpikingDesign {
  for (;;) {
    try {
      return designSpiking(ir, pop, byId);
    } catch (e) {
      const scale = e instanceof RangeError_ && e.widen !== null ? (widened.get(pop.id) ?? 1) * e.widen : Infinity;
      if (!(scale <= MAX_WINDOW_SCALE)) throw e;
      widenWindow(ir, pop.id, (e as RangeError_).widen!);
      widened.set(pop.id, scale);
    }
  }
}

/** Activations of a widened window use at least 1/MAX_WINDOW_SCALE of its ticks. */
const MAX_WINDOW_SCALE = 1024;

/** Multiplies the tick length of `id`, and of the max-pool gates passing its spikes on, by f. */
function widenWindow(ir: Lowering, id: string, f: number): void {
  const pops = ir.timing!.populations;
  const pt = pops.get(id)!;
  pops.set(id, { ...pt, delta: pt.delta * f, deltas: pt.deltas ? pt.deltas.map((d) => d * f) : null });
  for (const p of ir.snn.populations) if (p.kind === "gate" && p.projection.source === id) widenWindow(ir, p.id, f);
}

/** Weights rounded to 0, and neurons left with no input weight (ideal sums nonzero, integer sums both 0). */
function weightLoss(groups: RealGroup[], qs: { contrib: Float64Array }[], ideal: { exc: Float64Array; inh: Float64Array }, integer: { exc: Float64Array; inh: Float64Array }): WeightLoss {
  let zeroed = 0;
  let nonzero = 0;
  groups.forEach((g, gi) => {
    const c = qs[gi]!.contrib;
    for (let k = 0; k < g.w.length; k++) if (g.w[k] !== 0) (nonzero++, c[k] === 0 && zeroed++);
  });
  let neuronsLost = 0;
  for (let i = 0; i < ideal.exc.length; i++) if ((ideal.exc[i] !== 0 || ideal.inh[i] !== 0) && integer.exc[i] === 0 && integer.inh[i] === 0) neuronsLost++;
  return { zeroed, nonzero, neuronsLost };
}

/**
 * The firing gate's depth G (an integer ≥ 0): before t1 the linear v is at most vInit + (Ki − 1)·(Σw⁺ + c0)
 * (every excitatory input and α integrating since the window's start; τ_j ≥ τ_a), and v − G must stay ≤ Θ.
 */
export function gateDepth(vInit: number, exc: number, c0: number, Ki: number, Theta: number): number {
  return Math.max(0, Math.ceil(vInit + (Ki - 1) * (exc + c0) - Theta));
}

function designReadout(ir: Lowering, pop: ReadoutPopulation, byId: Map<string, Population>): ReadoutDesign {
  const f = weightFormat(ir.target);
  const t = ir.timing!;
  const pt = t.populations.get(pop.id)!;
  const size = product(pop.shape);
  const groups = splitBySign(realGroups(pop, byId, new Float64Array(size).fill(1), tickRatio(t, null)), ir.mixedSign);
  const unitSums = neuronSums(groups, groups.map((g) => g.w), pop, byId);
  let maxW = 0;
  for (const g of groups) for (const x of g.w) maxW = Math.max(maxW, Math.abs(x));
  const unit: UnitNeuron[] = Array.from({ length: size }, (_, i) => ({ exc: unitSums.exc[i]!, inh: unitSums.inh[i]!, c0: 0, c1: 0, theta: 0, thetaMax: 0, slope: 0, maxWeight: maxW }));
  const G = largestSlope(ir, pop, unit, "readout");
  const { groups: quantized, total: qs, formats } = quantizeAll(ir, f, groups, G, pt, size);
  const sums = neuronSums(groups, qs.map((q) => q.contrib), pop, byId);
  const ramp = pop.window.tMin - pop.inputWindow.tMin;
  const bias0 = roundingBias(ir, groups, qs, G, pop, byId);
  const offset = Float64Array.from(pop.alpha, (a, i) => a * ramp - bias0[i]! / G);
  return { kind: "readout", id: pop.id, gain: G, groups: quantized, loss: weightLoss(groups, qs, unitSums, sums), formats, exc: sums.exc, inh: sums.inh, offset, relu: pop.relu };
}

function designGate(pop: Population & { kind: "gate" }, byId: Map<string, Population>): GateDesign {
  const size = product(pop.shape);
  const src = byId.get(pop.projection.source)!;
  const taps = new Int32Array(size);
  for (let i = 0; i < size; i++) forEachSynapse(pop.projection, src.shape, pop.shape, i, (j) => void (j !== VIRTUAL && taps[i]!++));
  const area = size / pop.shape[0]!;
  return { kind: "gate", id: pop.id, taps, sign: Int8Array.from({ length: size }, (_, i) => pop.channelSign[Math.floor(i / area)]!) };
}

/** Why the lists are mixed-sign, and what that costs a weight in the target's own terms (Loihi: mantissas in steps of 2). */
function mixedListText(f: WeightFormat): string {
  if (!f.excitatory || !f.inhibitory) return `the target has no one-signed lists; mantissas ${f.mixed.min}..${f.mixed.max}${f.mixed.step > 1 ? ` in steps of ${f.mixed.step}` : ""}`;
  const step = Math.min(f.excitatory.step, f.inhibitory.step);
  return f.mixed.step > step ? `--mixed-sign: the sign takes a bit, mantissas in steps of ${f.mixed.step} instead of ${step}` : `--mixed-sign: mantissas ${f.mixed.min}..${f.mixed.max}, as precise as the one-signed lists`;
}

export const quantizePass: Pass<Lowering, Lowering> = {
  name: "hw-quantize",
  description: "weights as mantissa/exponent per neuron or channel, slopes, thresholds and integration currents in integers",
  run(input) {
    const byId = new Map(input.snn.populations.map((p) => [p.id, p]));
    const designs = new Map<string, LayerDesign>();
    // Windows this pass widens (and the gates that pass a widened layer's spikes on) get new tick lengths.
    const ir: Lowering = { ...input, timing: { ...input.timing!, populations: new Map(input.timing!.populations) } };
    const widened = new Map<string, number>();
    for (const p of ir.snn.populations) {
      if (p.kind === "spiking") designs.set(p.id, designWidening(ir, p, byId, widened));
      else if (p.kind === "readout") designs.set(p.id, designReadout(ir, p, byId));
      else if (p.kind === "gate") designs.set(p.id, designGate(p, byId));
    }
    const worst = [...designs.values()].flatMap((d) => (d.kind === "gate" ? [] : d.groups.map((g) => g.maxRelError)));
    const lossy = [...designs.values()].flatMap((d) => (d.kind !== "gate" && d.loss.zeroed > 0 ? [d] : []));
    const sizes = new Map(ir.snn.populations.map((p) => [p.id, product(p.shape)]));
    const coarsened = [...designs.values()].flatMap((d) => (d.kind !== "gate" && d.formats ? [{ id: d.id, e: d.formats }] : []));
    return {
      ...ir,
      designs,
      notes: [
        ...ir.notes,
        `quantize: weights as ${ir.target.synapse.weightBits}-bit mantissas with one exponent per target neuron (dense) or output channel (conv); ` +
          (ir.mixedSign ? `one mixed-sign synapse list per projection (${mixedListText(weightFormat(ir.target))}); ` : `an excitatory and an inhibitory list per projection; `) +
          `largest weight error ${(100 * Math.max(0, ...worst)).toPrecision(3)} % of the group's largest weight; per-layer slope S chosen as large as the registers allow`,
        ...(lossy.length
          ? [
              // Small weights next to large ones in the same neuron (one exponent per row) round to 0: said per layer,
              // with the neurons left with no input at all (they ignore their inputs on the chip).
              `quantize: weights rounded to 0 (smaller than half the step of their row's exponent): ` +
                lossy.map((d) => `${d.id} ${d.loss.zeroed.toLocaleString("en-US")} of ${d.loss.nonzero.toLocaleString("en-US")}` + (d.loss.neuronsLost ? `, ${d.loss.neuronsLost} of ${sizes.get(d.id)!.toLocaleString("en-US")} neurons left with no input weight` : "")).join("; "),
            ]
          : []),
        ...(widened.size
          ? [
              `quantize: wider windows than the activations need (input weights S·W·δ_src/δ_n overflowed a register at the smallest slope ${MIN_SLOPE}; ` +
                `a layer on an f× wider window uses 1/f of its ticks, an f× coarser grid; cycle agreement measures the effect): ` +
                [...widened].map(([id, f]) => `${id} ${f}×`).join(", "),
            ]
          : []),
        ...(coarsened.length
          ? [
              // A neuron reading more (sign mode, exponent) pairs than a core's format table holds fits no core: the
              // rows at its finest exponents were coarsened, which costs weight bits, said here with the error left.
              `quantize: synapse formats: a core's table holds ${ir.target.coreClasses[0]!.profiles.synapseFormat} entries, ${exactLadder(weightFormat(ir.target)).length} of them for clock and latch, so a neuron's weights may use ${coarsened[0]!.e.budget}; ` +
                coarsened
                  .map(({ id, e }) =>
                    e.rowsRaised
                      ? `${id}: ${e.rowsRaised.toLocaleString("en-US")} weight rows at a coarser exponent (up to ${e.maxBitsLost} bit${e.maxBitsLost === 1 ? "" : "s"} fewer; their largest weight error ${(100 * e.raisedRowError).toPrecision(3)} % of the row's largest weight, ${(100 * e.raisedRowErrorBefore).toPrecision(3)} % at their own exponents)` +
                        (e.over ? `, ${e.over.toLocaleString("en-US")} neurons still over` : "")
                      : `${id}: ${e.over.toLocaleString("en-US")} neurons over (each sign mode already at one exponent)`,
                  )
                  .join("; "),
            ]
          : []),
      ],
    };
  },
  verify(ir) {
    if (!ir.designs) throw new Error("no designs");
    const f = weightFormat(ir.target);
    for (const d of ir.designs.values()) {
      if (d.kind === "gate") continue;
      for (const g of d.groups) {
        const r = rangeOf(f, g.mode);
        for (const m of g.group.weight) if (m < r.min || m > r.max || (m - r.min) % r.step !== 0) throw new Error(`${d.id}: mantissa ${m} outside ${r.min}..${r.max}/${r.step}`);
        if (g.expRange[0] < f.expMin || g.expRange[1] > f.expMax) throw new Error(`${d.id}: exponents ${g.expRange} outside ${f.expMin}..${f.expMax}`);
      }
      if (d.kind === "spiking") {
        if (!Number.isInteger(d.slope) || d.slope < 1) throw new Error(`${d.id}: slope ${d.slope}`);
        for (let i = 0; i < d.c0.length; i++) {
          if (!Number.isInteger(d.c0[i]!) || !Number.isInteger(d.c1[i]!)) throw new Error(`${d.id}: clock currents must be integers`);
          if (d.model === "alpha" && d.c0[i]! + d.c1[i]! + d.exc[i]! + d.inh[i]! !== d.slope) throw new Error(`${d.id}: neuron ${i} slope is not S`);
        }
      }
    }
  },
};

export { maxContribution };
