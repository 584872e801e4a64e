/**
 * Phase 1 of the exact mapping (shared/spec/ttfs-mapping.md §3.4): rescale every hidden layer so that each neuron's
 * weight sum Σ_k W_ik stays below 1 (upper bound 0.99) and above −10, by a positive factor s per neuron — per channel
 * for spatial layers, so that conv kernels stay shared. ReLU(s·z) = s·ReLU(z) and max pooling commutes with a positive
 * per-channel factor, so compensating each consumer's weights by 1/s keeps the network function.
 *
 * Input: a canonical ANN graph (input, layer, maxpool). Output: the same graph with rescaled weights and biases, and the
 * factor s of every node (per neuron, flat): x_rescaled = s · x_canonical.
 */
import { onnxNodesText, product, type AnnGraph, type AnnNode, type LayerNode, type Term } from "../ann/graph.js";
import { weightSums } from "../snn/synapses.js";
import { InputError } from "../util/errors.js";

export const UPPER_WEIGHT_SUM = 0.99;
export const LOWER_WEIGHT_SUM = -10;

export interface Rescaled {
  graph: AnnGraph;
  /** Per node, per neuron: x_rescaled = scale · x_canonical. */
  scales: Map<string, Float64Array>;
}

/** Per-channel view of a per-neuron scale over [C, …]. */
function channelScale(scale: Float64Array, shape: readonly number[]): Float64Array {
  const channels = shape.length === 3 ? shape[0]! : scale.length;
  const inner = scale.length / channels;
  const out = new Float64Array(channels);
  for (let c = 0; c < channels; c++) out[c] = scale[c * inner]!;
  return out;
}

/** Divides a term's input weights by the source's scale (undoing the source's rescaling). */
function compensate(term: Term, srcScale: Float64Array, srcShape: readonly number[]): Term {
  const w = Float64Array.from(term.weight);
  switch (term.kind) {
    case "dense": {
      const n = srcScale.length;
      for (let k = 0; k < w.length; k++) w[k]! /= srcScale[k % n]!;
      break;
    }
    case "conv": {
      const cs = channelScale(srcScale, srcShape);
      const [kh, kw] = term.kernel;
      const cpg = srcShape[0]! / term.group;
      const cout = w.length / (cpg * kh * kw);
      const opg = cout / term.group;
      for (let o = 0; o < cout; o++)
        for (let c = 0; c < cpg; c++) {
          const s = cs[Math.floor(o / opg) * cpg + c]!;
          const base = (o * cpg + c) * kh * kw;
          for (let k = 0; k < kh * kw; k++) w[base + k]! /= s;
        }
      break;
    }
    case "avgpool":
    case "identity": {
      const cs = channelScale(srcScale, srcShape);
      for (let c = 0; c < w.length; c++) w[c]! /= cs[c]!;
      break;
    }
  }
  return { ...term, weight: w };
}

/** Multiplies a term's output rows by s (per output neuron; constant per channel for spatial outputs). */
export function scaleRows(term: Term, s: Float64Array, shape: readonly number[]): Term {
  const w = term.weight.slice();
  const size = product(shape);
  switch (term.kind) {
    case "dense": {
      const n = w.length / size;
      for (let i = 0; i < size; i++) for (let j = 0; j < n; j++) w[i * n + j]! *= s[i]!;
      break;
    }
    case "conv": {
      const cs = channelScale(s, shape);
      const per = w.length / cs.length;
      for (let o = 0; o < cs.length; o++) for (let k = 0; k < per; k++) w[o * per + k]! *= cs[o]!;
      break;
    }
    case "avgpool":
    case "identity": {
      const cs = channelScale(s, shape);
      for (let c = 0; c < w.length; c++) w[c]! *= cs[c]!;
      break;
    }
  }
  return { ...term, weight: w };
}

/** The factor per neuron that brings every weight sum into [LOWER, UPPER]: one per channel for spatial layers. */
function layerFactors(sums: Float64Array, shape: readonly number[]): Float64Array {
  const size = sums.length;
  const groups = shape.length === 3 ? shape[0]! : size;
  const inner = size / groups;
  const s = new Float64Array(size);
  for (let g = 0; g < groups; g++) {
    let hi = Number.NEGATIVE_INFINITY;
    let lo = Number.POSITIVE_INFINITY;
    for (let i = g * inner; i < (g + 1) * inner; i++) {
      hi = Math.max(hi, sums[i]!);
      lo = Math.min(lo, sums[i]!);
    }
    let f = 1;
    if (hi > UPPER_WEIGHT_SUM) f = UPPER_WEIGHT_SUM / hi;
    if (lo * f < LOWER_WEIGHT_SUM) f = LOWER_WEIGHT_SUM / lo;
    s.fill(f, g * inner, (g + 1) * inner);
  }
  return s;
}

/**
 * Rescales a canonical graph. With `bound` false (the b1 model, which needs no bound on weight sums) only the
 * identity factors are recorded and the graph is returned unchanged.
 */
export function rescale(graph: AnnGraph, bound: boolean): Rescaled {
  const scales = new Map<string, Float64Array>();
  const byId = new Map<string, AnnNode>();
  const nodes: AnnNode[] = [];
  for (const node of graph.nodes) {
    byId.set(node.id, node);
    const size = product(node.shape);
    if (!bound || node.kind === "input") {
      scales.set(node.id, new Float64Array(size).fill(1));
      nodes.push(node);
      continue;
    }
    if (node.kind === "maxpool") {
      const src = byId.get(node.inputs[0]!)!;
      const cs = channelScale(scales.get(src.id)!, src.shape);
      const s = new Float64Array(size);
      const inner = size / cs.length;
      for (let c = 0; c < cs.length; c++) s.fill(cs[c]!, c * inner, (c + 1) * inner);
      scales.set(node.id, s);
      nodes.push(node);
      continue;
    }
    if (node.kind !== "layer") throw new Error(`rescale: node '${node.id}' of kind ${node.kind} is not canonical`);
    let terms = node.terms.map((t) => compensate(t, scales.get(t.source)!, byId.get(t.source)!.shape));
    let bias = node.bias;
    let s: Float64Array = new Float64Array(size).fill(1);
    if (node.id !== graph.output) {
      const sums = new Float64Array(size);
      for (const t of terms) {
        const ws = weightSums(t, node.shape);
        for (let i = 0; i < size; i++) sums[i]! += ws[i]!;
      }
      s = layerFactors(sums, node.shape);
      terms = terms.map((t) => scaleRows(t, s, node.shape));
      bias = node.bias.map((b, i) => b * s[i]!);
    }
    if (!terms.every((t) => t.weight.every(Number.isFinite)) || !bias.every(Number.isFinite)) {
      const onnx = onnxNodesText(node);
      throw new InputError(
        `layer '${node.id}' (ONNX ${onnx}): its weights, rescaled so that every weight sum stays below 1 and compensated for its sources' rescaling, overflow float64`,
        "the model's weights span more than float64 holds (its own outputs likely overflow too: check them with onnxruntime); fix the export, or try --neuron b1 (no rescaling)",
      );
    }
    scales.set(node.id, s);
    const out: LayerNode = { ...node, terms, bias };
    nodes.push(out);
  }
  return { graph: { ...graph, nodes }, scales };
}
