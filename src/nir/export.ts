/**
 * SNN IR → NIR graph (the spikec TTFS profile). Each population becomes standard NIR primitives whose
 * continuous-time semantics (Dirac spikes, exact integration, nodes at rest at t = 0, fan-in summed) reproduce the
 * exact simulator's spike times and logits (src/nir/interpret.ts runs the graph to show it):
 *
 * - input population → `Input` (its spikes, at t = 1 − (x − low)/(high − low), are fed by the user);
 * - projection q from S with delay d → [`Delay`(d)] → `I`(r = 1) (turns S's Dirac spikes into steps H(t − t_j))
 *   → weights: `Linear` (dense, after a `Flatten` for an image source), `Conv2d`, `SumPool2d` + `Scale`
 *   (average: gain/count per output position), or `Scale` (identity skip path); all projections of a population
 *   sum into its membrane, so dV/dt = Σ_j J_j·H(t − t_j) + clock terms;
 * - clock terms (clocks.ts: an IF driven by a constant 1 fires once at exactly t; its spike, weighted per neuron
 *   by a Conv2d/Linear, either enters the membrane as a Dirac jump or, through an `I`, as a step current):
 *   · alpha: the integration bias α·[t − t0]_+ (a step at t0, weight α); the padded taps of conv / count-include-
 *     pad average projections, virtual inputs at t1 (a step at t1, weight Σ of the neuron's padded taps' J); the
 *     forced spike at t2 (a jump at t2 bigger than ϑ − min V(t2), so a neuron that has not fired fires at t2; one
 *     that has, sits at v_reset = −1e30 and stays silent);
 *   · b1: the threshold is raised by B_i > max V before t1 and a jump of +B_i at t1 opens the firing phase; a unit
 *     step at t1 gives the ramp [t − t1]_+; a jump of −1e30 at t2 closes it (no spike after t2 = silent); each
 *     source's step current is ended at t1 by a latch IF (threshold 1.5: its arrival + a clock spike at t1) whose
 *     spike, negated by a `Scale`(−1), enters the same `I` — so V(t) = Σ J·([min(t, t1) − t_j]_+) + [t − t1]_+;
 * - spiking population → `IF`(r = 1, v_threshold = ϑ (b1: ϑ + B), v_reset = −1e30): fires at the first crossing
 *   (premature crossings included, like the exact simulator) and, reset far below threshold, only once;
 * - max-pool gate (first spike wins) → [`Delay`] → `SumPool2d` → `IF`(θ = 0.5): the first Dirac in the window
 *   lifts v to 1. A min-pool channel (last spike wins) gets θ = (taps inside the input) − 0.5;
 * - readout → `I` membrane (dV/dt = Σ J·H + α from t = 0), then `Affine`(identity, bias −α·t0) → `Output`: the
 *   logits are the Output signal at the readout time t_read = t1 (metadata `spikec/read_time`).
 * Spike thresholds are strict in NIR (v > θ) and non-strict in the simulator (V ≥ ϑ); with piecewise-linear
 * membranes both give the same crossing time. The graph needs no metadata to run; the metadata (TTFS parameters
 * in float64: windows, model, thresholds, time unit, read time) lets our importer restore the SNN IR bit for bit.
 *
 * Not expressible (metadata `spikec/not_expressible` lists the cases that occur in the exported network):
 * - a readout ReLU max(V, 0) (no NIR primitive clips an analog output): the Output carries V;
 * - negative thresholds in the alpha model (the simulator's crossing lies before t0; the NIR neuron fires at 0);
 * - a readout read after its input window ends (never produced by the compiler).
 * Geometry NIR primitives lack (asymmetric padding, pooling ceil mode that changes the output size, an average
 * pool without a linear map to carry a readout bias, a [C,H,W] population under a vector input) is refused with
 * a SpikecError naming the population. Non-square feature maps give non-square clock kernels, which the reference
 * package's type inference gets wrong (our checker warns; PyTorch semantics are what the file means).
 */
import { product } from "../ann/graph.js";
import { withWeights } from "../ann/term.js";
import type { GatePopulation, Population, Projection, ReadoutPopulation, SnnNetwork, SpikingPopulation } from "../snn/network.js";
import { VIRTUAL, forEachSynapse, weightSums } from "../snn/synapses.js";
import { SpikecError } from "../util/errors.js";
import { Clocks } from "./clocks.js";
import { ExportBuilder, full, int64s } from "./export-builder.js";
import { type NirGraph, nirGraph } from "./graph.js";
import type { NirMetadata } from "./metadata.js";
import { affine } from "./nodes/affine.js";
import { conv2d } from "./nodes/conv2d.js";
import { delay } from "./nodes/delay.js";
import { flatten } from "./nodes/flatten.js";
import { ifNeuron } from "./nodes/if.js";
import { input } from "./nodes/input.js";
import { integrator } from "./nodes/integrator.js";
import { linear } from "./nodes/linear.js";
import { output } from "./nodes/output.js";
import { scale } from "./nodes/scale.js";
import { sumPool2d } from "./nodes/sumpool2d.js";
import { f64, tensor } from "./tensor.js";
import { FIRE_ONCE_V_RESET, TTFS_PROFILE, TTFS_PROFILE_VERSION, metadataDigest, nodeBaseName, weightDigest } from "./ttfs-profile.js";
import { convOutSize } from "./types.js";
import { blockDiagonal } from "./grouped-conv.js";

const originMeta = (p: Population): NirMetadata => ({ origin_names: p.origin.map((o) => o.name), origin_ops: p.origin.map((o) => o.op) });
const windowMeta = (w: { tMin: number; tMax: number }) => f64([w.tMin, w.tMax], [2]);

type Builder = ExportBuilder;

function fail(pop: Population, what: string): never {
  throw new SpikecError(
    `NIR export: population '${pop.id}' (${pop.origin.map((o) => `'${o.name}' (${o.op})`).join(" + ") || "no ONNX origin"}) ${what}`,
    "export the network without this layer shape, or keep it in spikec's own format (network.json)",
  );
}

function symmetricPads(pop: Population, pads: readonly number[]): number[] {
  if (pads[0] !== pads[2] || pads[1] !== pads[3]) fail(pop, `has asymmetric padding [${pads.join(", ")}], which NIR's Conv2d/SumPool2d cannot express`);
  return [pads[0]!, pads[1]!];
}

/** Emits the weights of one projection; returns [first node, last node] and whether it can carry a bias. */
function projectionNodes(b: Builder, pop: SpikingPopulation | ReadoutPopulation, q: Projection, k: number, srcShape: number[], base: string, bias: Float64Array | null): { first: string; last: string; carriedBias: boolean } {
  const name = `${base}_w${k}`;
  switch (q.kind) {
    case "dense": {
      let first: string | undefined;
      let from: string | undefined;
      if (srcShape.length > 1) {
        first = from = b.add(`${base}_flat${k}`, flatten({ start_dim: 0, end_dim: -1, input_type: srcShape }));
      }
      const w = tensor(q.weight.slice(), [product(pop.shape), product(srcShape)]);
      const node = bias ? affine(w, f64(bias, [bias.length])) : linear(w);
      const last = b.add(name, node);
      if (from) b.edge(from, last);
      return { first: first ?? last, last, carriedBias: bias !== null };
    }
    case "conv": {
      const [cout] = pop.shape as [number, number, number];
      // Grouped convs are written ungrouped, block-diagonal: the reference package takes a conv's input channels
      // from weight.shape[1] (ignoring groups) and rejects grouped convs when it type-checks (nir.md §3).
      const w = tensor(blockDiagonal(q.weight, cout, srcShape[0]!, q.group, q.kernel), [cout, srcShape[0]!, q.kernel[0], q.kernel[1]]);
      const perChannel = new Float64Array(cout);
      if (bias) perChannel.set(bias.subarray(0, cout));
      const node = conv2d({
        weight: w,
        bias: f64(perChannel, [cout]),
        stride: [...q.stride],
        padding: symmetricPads(pop, q.pads),
        dilation: [...q.dilation],
        groups: 1,
        input_shape: srcShape.slice(1),
      });
      const last = b.add(name, node);
      return { first: last, last, carriedBias: bias !== null };
    }
    case "avgpool": {
      const [c, oh, ow] = pop.shape as [number, number, number];
      const [, ih, iw] = srcShape as [number, number, number];
      const pads = symmetricPads(pop, q.pads);
      const outH = convOutSize(ih, pads[0]!, 1, q.kernel[0], q.stride[0]);
      const outW = convOutSize(iw, pads[1]!, 1, q.kernel[1], q.stride[1]);
      if (outH !== oh || outW !== ow) fail(pop, `uses pooling with ceil mode that changes the output size (${outH}×${outW} vs ${oh}×${ow}); NIR's SumPool2d has no ceil mode`);
      const pool = b.add(`${base}_pool${k}`, sumPool2d({ kernel_size: [...q.kernel], stride: [...q.stride], padding: pads }));
      // gain per channel / divisor per position (count_include_pad: the full window; else the taps inside)
      const s = new Float64Array(c * oh * ow);
      for (let ch = 0; ch < c; ch++)
        for (let y = 0; y < oh; y++)
          for (let x = 0; x < ow; x++) {
            let count = q.kernel[0] * q.kernel[1];
            if (!q.countIncludePad) {
              const y0 = y * q.stride[0] - pads[0]!;
              const x0 = x * q.stride[1] - pads[1]!;
              const hy = Math.min(y0 + q.kernel[0], ih) - Math.max(y0, 0);
              const hx = Math.min(x0 + q.kernel[1], iw) - Math.max(x0, 0);
              count = hy * hx;
            }
            s[(ch * oh + y) * ow + x] = q.weight[ch]! / count;
          }
      const last = b.add(name, scale(f64(s, pop.shape)));
      b.edge(pool, last);
      return { first: pool, last, carriedBias: false };
    }
    case "identity": {
      const inner = product(pop.shape) / q.weight.length;
      const s = new Float64Array(product(pop.shape));
      for (let c = 0; c < q.weight.length; c++) s.fill(q.weight[c]!, c * inner, (c + 1) * inner);
      const last = b.add(name, scale(f64(s, pop.shape)));
      return { first: last, last, carriedBias: false };
    }
  }
}

function projectionMeta(q: Projection, weightNode: string): NirMetadata {
  const m: NirMetadata = { kind: q.kind, source: q.source, delay: q.delay, weight_node: weightNode };
  if (q.kind === "dense" || q.kind === "conv") m.weight_sha256 = weightDigest(q.weight);
  if (q.kind === "conv" || q.kind === "avgpool") {
    Object.assign(m, { kernel: int64s(q.kernel), stride: int64s(q.stride), pads: int64s(q.pads), dilation: int64s(q.dilation) });
  }
  if (q.kind === "conv") m.group = BigInt(q.group);
  if (q.kind === "avgpool") Object.assign(m, { count_include_pad: BigInt(q.countIncludePad ? 1 : 0), ceil_mode: BigInt(q.ceilMode ? 1 : 0) });
  if (q.kind === "avgpool" || q.kind === "identity") m.weight = f64(q.weight, [q.weight.length]);
  return m;
}

/**
 * Delay (if any) → integrator → weights of every projection, summed into `target`. `cancel` (b1) adds, per
 * projection, a node whose spikes are subtracted at the integrator (see cancelAtT1).
 */
function wireProjections(
  b: Builder,
  pop: SpikingPopulation | ReadoutPopulation,
  byId: Map<string, Population>,
  base: string,
  target: string,
  bias: Float64Array | null,
  cancel?: (arrival: string, srcShape: number[], k: number) => string,
): { meta: NirMetadata; carriedBias: boolean } {
  const meta: NirMetadata = {};
  let pendingBias = bias;
  pop.projections.forEach((q, k) => {
    const src = byId.get(q.source)!;
    let from = b.spikeNode.get(q.source)!;
    if (q.delay !== 0) {
      const d = b.add(`${base}_delay${k}`, delay(full(src.shape, q.delay)));
      b.edge(from, d);
      from = d;
    }
    const syn = b.add(`${base}_syn${k}`, integrator({ r: full(src.shape, 1) }));
    b.edge(from, syn);
    if (cancel) b.edge(cancel(from, src.shape, k), syn);
    const takesBias = pendingBias !== null && (q.kind === "dense" || q.kind === "conv") && (q.kind === "dense" || uniformPerChannel(pendingBias, pop.shape));
    const { first, last, carriedBias } = projectionNodes(b, pop, q, k, src.shape, base, takesBias ? pendingBias : null);
    if (carriedBias) pendingBias = null;
    b.edge(syn, first);
    b.edge(last, target);
    meta[`p${k}`] = projectionMeta(q, last);
  });
  return { meta, carriedBias: pendingBias === null };
}

/** A conv bias is per channel: the bias map must be constant within each channel. */
function uniformPerChannel(bias: Float64Array, shape: number[]): boolean {
  const inner = product(shape.slice(1));
  for (let i = 0; i < bias.length; i++) if (bias[i] !== bias[Math.floor(i / inner) * inner]) return false;
  return true;
}

/** Σ_j f(J_ij) over every synapse of each neuron (virtual taps included), for f = max(±J, 0). */
function signedWeightSums(pop: SpikingPopulation, sign: 1 | -1): Float64Array {
  const out = new Float64Array(product(pop.shape));
  for (const q of pop.projections) {
    const weight = q.weight; // hoisted: q's hidden class varies by projection kind
    const part = new Float64Array(weight.length);
    for (let k = 0; k < part.length; k++) {
      const w = sign * weight[k]!;
      part[k] = w > 0 ? w : 0;
    }
    const s = weightSums(withWeights(q, part), pop.shape);
    for (let i = 0; i < out.length; i++) out[i]! += s[i]!;
  }
  return out;
}

/**
 * Σ of the padded taps' weights per neuron (the alpha model's virtual inputs at t1), or null when there are none.
 * Conv: per filter, the kernel sums over input channels at each tap, added up over the taps a position's window
 * puts outside the image (no per-synapse enumeration: ResNet-sized layers stay fast).
 */
function paddedTapSums(pop: SpikingPopulation, byId: Map<string, Population>): Float64Array | null {
  const n = product(pop.shape);
  const sums = new Float64Array(n);
  let any = false;
  for (const q of pop.projections) {
    if (!(q.kind === "conv" || (q.kind === "avgpool" && q.countIncludePad)) || !q.pads.some((p) => p > 0)) continue;
    any = true;
    const [, ih, iw] = byId.get(q.source)!.shape as [number, number, number];
    const [cout, oh, ow] = pop.shape as [number, number, number];
    const [kh, kw] = q.kernel;
    if (q.kind === "avgpool") {
      for (let i = 0; i < n; i++)
        forEachSynapse(q, byId.get(q.source)!.shape, pop.shape, i, (j, w) => {
          if (j === VIRTUAL) sums[i]! += w;
        });
      continue;
    }
    const weight = q.weight;
    const cpg = weight.length / (cout * kh * kw);
    const tapSum = new Float64Array(cout * kh * kw);
    for (let o = 0; o < cout; o++)
      for (let c = 0; c < cpg; c++)
        for (let t = 0; t < kh * kw; t++) tapSum[o * kh * kw + t]! += weight[(o * cpg + c) * kh * kw + t]!;
    // which kernel rows (columns) fall outside the image, per output row (column); interior positions have none
    const outsideTaps = (out: number, k: number, axis: 0 | 1, size: number): Uint8Array => {
      const m = new Uint8Array(out * k);
      for (let o = 0; o < out; o++)
        for (let t = 0; t < k; t++) {
          const p = o * q.stride[axis] - q.pads[axis] + t * q.dilation[axis];
          m[o * k + t] = p < 0 || p >= size ? 1 : 0;
        }
      return m;
    };
    const rows = outsideTaps(oh, kh, 0, ih);
    const cols = outsideTaps(ow, kw, 1, iw);
    const rowAny = Uint8Array.from({ length: oh }, (_, y) => (rows.subarray(y * kh, (y + 1) * kh).some((v) => v === 1) ? 1 : 0));
    const colAny = Uint8Array.from({ length: ow }, (_, x) => (cols.subarray(x * kw, (x + 1) * kw).some((v) => v === 1) ? 1 : 0));
    for (let o = 0; o < cout; o++)
      for (let y = 0; y < oh; y++)
        for (let x = 0; x < ow; x++) {
          if (!rowAny[y] && !colAny[x]) continue;
          let s = 0;
          for (let ky = 0; ky < kh; ky++) {
            const rowOut = rows[y * kh + ky] === 1;
            for (let kx = 0; kx < kw; kx++) if (rowOut || cols[x * kw + kx] === 1) s += tapSum[(o * kh + ky) * kw + kx]!;
          }
          sums[(o * oh + y) * ow + x]! += s;
        }
  }
  return any ? sums : null;
}

/**
 * b1 cuts input currents off at t1: a latch IF per source neuron (threshold 1.5) counts the neuron's arrival
 * (+1) and a clock spike at t1 (+1), so it fires at t1 exactly when the source spiked; its spike, negated into the
 * same integrator, ends that source's step current: H(t − t_j) − H(t − t1) = 0 after t1.
 */
function cancelAtT1(b: Builder, clocks: Clocks, t1: number, base: string) {
  return (arrival: string, srcShape: number[], k: number): string => {
    const latch = b.add(`${base}_latch${k}`, ifNeuron({ r: full(srcShape, 1), v_threshold: full(srcShape, 1.5), v_reset: full(srcShape, FIRE_ONCE_V_RESET) }));
    b.edge(arrival, latch);
    clocks.dirac(t1, new Float64Array(product(srcShape)).fill(1), srcShape, latch, `${latch}_clock`);
    const negate = b.add(`${base}_cancel${k}`, scale(full(srcShape, -1)));
    b.edge(latch, negate);
    return negate;
  };
}

function exportSpiking(b: Builder, clocks: Clocks, pop: SpikingPopulation, byId: Map<string, Population>, model: SnnNetwork["model"]): void {
  const base = nodeBaseName(pop.origin, pop.id);
  const name = b.unique(base);
  const n = product(pop.shape);
  const t0 = pop.inputWindow.tMin;
  const t1 = pop.window.tMin;
  const t2 = pop.window.tMax;
  const theta = Float64Array.from(pop.threshold);
  // b1: membrane held B below threshold until t1 (B bounds the pre-t1 potential), released by a jump of +B at t1
  const hold = model === "b1" ? Float64Array.from(signedWeightSums(pop, 1), (pos, i) => Math.max(0, pos * t1 - pop.threshold[i]!) + 1) : null;
  if (hold) for (let i = 0; i < n; i++) theta[i]! += hold[i]!;
  b.nodes.set(name, ifNeuron({ r: full(pop.shape, 1), v_threshold: f64(theta, pop.shape), v_reset: full(pop.shape, FIRE_ONCE_V_RESET) }));
  const { meta } = wireProjections(b, pop, byId, base, name, null, model === "b1" ? cancelAtT1(b, clocks, t1, base) : undefined);
  if (model === "alpha") {
    if (pop.alpha !== 0) clocks.ramp(t0, new Float64Array(n).fill(pop.alpha), pop.shape, name, `${base}_bias`);
    const padded = paddedTapSums(pop, byId);
    if (padded) clocks.ramp(t1, padded, pop.shape, name, `${base}_padding`);
    // forced spike at t2: a jump past threshold from any potential the inputs allow (arrivals are at t ≥ 0)
    const force = signedWeightSums(pop, -1);
    for (let i = 0; i < n; i++) force[i] = Math.max(pop.threshold[i]!, 0) + force[i]! * t2 + 1;
    clocks.dirac(t2, force, pop.shape, name, `${base}_force`);
    if (pop.threshold.some((v) => v < 0)) b.notExpressible.add("negative thresholds (alpha model): the exact simulator extrapolates the crossing before t0, the NIR neuron fires at t = 0");
  } else {
    clocks.ramp(t1, new Float64Array(n).fill(1), pop.shape, name, `${base}_ramp`);
    clocks.dirac(t1, hold!, pop.shape, name, `${base}_open`);
    clocks.dirac(t2, new Float64Array(n).fill(FIRE_ONCE_V_RESET), pop.shape, name, `${base}_close`);
  }
  b.nodes.get(name)!.metadata = {
    spikec_population: {
      id: pop.id,
      kind: "spiking",
      ...originMeta(pop),
      shape: int64s(pop.shape),
      window: windowMeta(pop.window),
      input_window: windowMeta(pop.inputWindow),
      alpha: pop.alpha,
      threshold: f64(pop.threshold, [n]),
      max_activation: pop.maxActivation,
      scale: f64(pop.scale, [pop.scale.length]),
      projections: meta,
    },
  };
  b.spikeNode.set(pop.id, name);
}

function exportGate(b: Builder, pop: GatePopulation, byId: Map<string, Population>): void {
  const base = nodeBaseName(pop.origin, pop.id);
  const q = pop.projection;
  const src = byId.get(q.source)!;
  const [c, oh, ow] = pop.shape as [number, number, number];
  const [, ih, iw] = src.shape as [number, number, number];
  const pads = symmetricPads(pop, q.pads);
  if (q.dilation.some((d) => d !== 1)) fail(pop, "uses a dilated max pool, which NIR's SumPool2d cannot express");
  const outH = convOutSize(ih, pads[0]!, 1, q.kernel[0], q.stride[0]);
  const outW = convOutSize(iw, pads[1]!, 1, q.kernel[1], q.stride[1]);
  if (outH !== oh || outW !== ow) fail(pop, `uses pooling with ceil mode that changes the output size (${outH}×${outW} vs ${oh}×${ow}); NIR's SumPool2d has no ceil mode`);
  let from = b.spikeNode.get(q.source)!;
  if (q.delay !== 0) {
    const d = b.add(`${base}_delay`, delay(full(src.shape, q.delay)));
    b.edge(from, d);
    from = d;
  }
  const pool = b.add(`${base}_pool`, sumPool2d({ kernel_size: [...q.kernel], stride: [...q.stride], padding: pads }));
  b.edge(from, pool);
  const theta = new Float64Array(c * oh * ow);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++) {
        const y0 = y * q.stride[0] - pads[0]!;
        const x0 = x * q.stride[1] - pads[1]!;
        const inside = (Math.min(y0 + q.kernel[0], ih) - Math.max(y0, 0)) * (Math.min(x0 + q.kernel[1], iw) - Math.max(x0, 0));
        theta[(ch * oh + y) * ow + x] = pop.channelSign[ch]! > 0 ? 0.5 : inside - 0.5;
      }
  const name = b.add(base, ifNeuron({ r: full(pop.shape, 1), v_threshold: f64(theta, pop.shape), v_reset: full(pop.shape, FIRE_ONCE_V_RESET) }));
  b.edge(pool, name);
  b.nodes.get(name)!.metadata = {
    spikec_population: {
      id: pop.id,
      kind: "gate",
      ...originMeta(pop),
      shape: int64s(pop.shape),
      window: windowMeta(pop.window),
      channel_sign: int64s(Array.from(pop.channelSign)),
      scale: f64(pop.scale, [pop.scale.length]),
      projection: { source: q.source, delay: q.delay, ceil_mode: BigInt(q.ceilMode ? 1 : 0), kernel: int64s(q.kernel), stride: int64s(q.stride), pads: int64s(q.pads), dilation: int64s(q.dilation) },
    },
  };
  b.spikeNode.set(pop.id, name);
}

function exportReadout(b: Builder, pop: ReadoutPopulation, byId: Map<string, Population>): void {
  const base = nodeBaseName(pop.origin, pop.id);
  const n = product(pop.shape);
  const t0 = pop.inputWindow.tMin;
  const membrane = b.add(`${base}_membrane`, integrator({ r: full(pop.shape, 1) }));
  const hasBias = pop.alpha.some((a) => a !== 0);
  const { meta, carriedBias } = wireProjections(b, pop, byId, base, membrane, hasBias ? Float64Array.from(pop.alpha) : null);
  if (!carriedBias) fail(pop, "has a bias but no dense or conv projection to carry it in NIR");
  // the bias ran from t = 0 instead of t0: subtract α·t0 from the potential
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  const correction = new Float64Array(n);
  for (let i = 0; i < n; i++) correction[i] = -pop.alpha[i]! * t0;
  const logits = b.add(base, affine(f64(eye, [n, n]), f64(correction, [n])));
  b.edge(membrane, logits);
  const out = b.add("output", output(pop.shape));
  b.edge(logits, out);
  if (pop.relu) b.notExpressible.add("readout ReLU max(V, 0)");
  // the membrane equals the simulator's Σ J·x + α·(t_read − t0) only when read where the inputs' window ends
  if (pop.window.tMin !== pop.inputWindow.tMax) b.notExpressible.add("readout read after its input window ends (the membrane would add Σ J·(t_read − t1))");
  b.nodes.get(logits)!.metadata = {
    spikec_population: {
      id: pop.id,
      kind: "readout",
      ...originMeta(pop),
      shape: int64s(pop.shape),
      window: windowMeta(pop.window),
      input_window: windowMeta(pop.inputWindow),
      alpha: f64(pop.alpha, [n]),
      relu: BigInt(pop.relu ? 1 : 0),
      projections: meta,
    },
  };
  b.spikeNode.set(pop.id, logits);
}

/** The NIR graph of a compiled TTFS network (see the module comment for the representation). */
export function exportNir(net: SnnNetwork): NirGraph {
  const b = new ExportBuilder();
  const first = net.populations[0]!;
  const clocks = new Clocks(b, "input", first.shape);
  const byId = new Map(net.populations.map((p) => [p.id, p]));
  for (const pop of net.populations) {
    switch (pop.kind) {
      case "input": {
        const name = b.add("input", input(pop.shape));
        b.nodes.get(name)!.metadata = {
          spikec_population: { id: pop.id, kind: "input", ...originMeta(pop), shape: int64s(pop.shape), window: windowMeta(pop.window), range: f64([pop.range.low, pop.range.high], [2]) },
        };
        b.spikeNode.set(pop.id, name);
        break;
      }
      case "spiking":
        exportSpiking(b, clocks, pop, byId, net.model);
        break;
      case "gate":
        exportGate(b, pop, byId);
        break;
      case "readout":
        exportReadout(b, pop, byId);
        break;
    }
  }
  const readout = net.populations[net.populations.length - 1]!;
  const metadata: NirMetadata = {
    spikec: {
      profile: TTFS_PROFILE,
      profile_version: TTFS_PROFILE_VERSION,
      model: net.model,
      neuron_model: net.model === "alpha" ? "ttfs_alpha_nonleaky_double_integrator" : "ttfs_b1",
      time_unit: "input window (the input population fires in [0, 1])",
      spike_semantics: "dirac",
      fire_once: 1n,
      read_time: readout.window.tMin,
      populations: net.populations.map((p) => p.id),
      population_nodes: net.populations.map((p) => b.spikeNode.get(p.id)!),
      compiled_from: { model: net.compiledFrom.model, margin: net.compiledFrom.margin, calibration_samples: BigInt(net.compiledFrom.calibrationSamples) },
    },
  };
  // empty lists are left out (an empty string dataset is awkward in HDF5); the importer reads a missing list as []
  const spikec = metadata.spikec as NirMetadata;
  if (net.notes.length) spikec.notes = [...net.notes];
  if (b.notExpressible.size) spikec.not_expressible = [...b.notExpressible];
  const populationMetas = net.populations.map((p) => b.nodes.get(b.spikeNode.get(p.id)!)!.metadata.spikec_population as NirMetadata);
  spikec.metadata_sha256 = metadataDigest(spikec, populationMetas);
  return nirGraph(b.nodes, b.edges, metadata);
}
