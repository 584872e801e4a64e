/**
 * The ANN graph: a DAG of typed ops on float64 tensors with static shapes.
 *
 * Shapes never include the batch dimension: an image activation is [C, H, W], a vector is [N].
 * Every tensor is stored flat in C order (row-major) as a Float64Array.
 *
 * The importer (src/onnx) produces nodes of the "imported" kinds; the canonicalization passes
 * (src/ann/passes) rewrite them until only `input`, `layer` and `maxpool` remain (see `isCanonical`).
 * `ann/execute` runs any mix of kinds, so every pass can be checked against the graph it started from.
 */

/** The ONNX node(s) a graph node came from, kept for diagnostics and for naming populations. */
export interface Origin {
  /** ONNX node name (or the output tensor name when the node has no name). */
  name: string;
  /** ONNX op type, e.g. "Conv". */
  op: string;
}

/** 2-D window geometry shared by conv and pooling ops. pads = [top, left, bottom, right]. */
export interface Window2d {
  kernel: [number, number];
  stride: [number, number];
  pads: [number, number, number, number];
  dilation: [number, number];
}

interface NodeBase {
  /** Unique node id (the ONNX output tensor name where there is one). */
  id: string;
  /** Ids of the nodes whose outputs this node reads, in operand order. */
  inputs: string[];
  /** Output shape, without batch. */
  shape: number[];
  origin: Origin[];
}

/** Graph entry. */
export interface InputNode extends NodeBase {
  kind: "input";
}

/** y = W·flatten(x) + b. weight is [out, in] row-major, in = product of the input shape. */
export interface DenseNode extends NodeBase {
  kind: "dense";
  weight: Float64Array;
  bias: Float64Array;
}

/**
 * 2-D convolution, ONNX semantics, zero padding. weight is [Cout, Cin/group, kh, kw].
 * bias has Cout entries.
 */
export interface ConvNode extends NodeBase, Window2d {
  kind: "conv";
  group: number;
  weight: Float64Array;
  bias: Float64Array;
}

/**
 * y = scale ⊙ x + shift with broadcasting: `per` says how scale/shift index the input.
 * "channel": one value per channel (axis 0); "element": full input shape; "scalar": one value.
 * Batch normalization, input normalization (Sub/Mul/Div by constants) and the input range all become this.
 */
export interface AffineNode extends NodeBase {
  kind: "affine";
  per: "scalar" | "channel" | "element";
  scale: Float64Array;
  shift: Float64Array;
}

export interface ReluNode extends NodeBase {
  kind: "relu";
}

/**
 * Max pooling, ONNX semantics (padding never wins). `channelSign[c] = -1` turns channel c into a min pool:
 * that is what a max pool becomes when a negative per-channel scale is moved across it (max-min pool).
 */
export interface MaxPoolNode extends NodeBase, Window2d {
  kind: "maxpool";
  ceilMode: boolean;
  channelSign: Int8Array;
}

/** Average pooling, ONNX semantics; countIncludePad chooses the divisor at the borders. */
export interface AvgPoolNode extends NodeBase, Window2d {
  kind: "avgpool";
  ceilMode: boolean;
  countIncludePad: boolean;
}

/** Mean over H and W: [C, H, W] → [C, 1, 1]. */
export interface GlobalAvgPoolNode extends NodeBase {
  kind: "globalavgpool";
}

/** Elementwise sum of two or more activations of equal shape. */
export interface AddNode extends NodeBase {
  kind: "add";
}

/** Concatenation on the channel axis (axis 0 without batch). */
export interface ConcatNode extends NodeBase {
  kind: "concat";
}

/** Flatten to a vector in C order; a Reshape or Squeeze that only flattens also becomes this. */
export interface FlattenNode extends NodeBase {
  kind: "flatten";
}

/** A final softmax: monotone, so it does not change the argmax; the readout ignores it. */
export interface SoftmaxNode extends NodeBase {
  kind: "softmax";
}

/**
 * One linear term of a canonical layer: a linear map from one source activation.
 * - dense: weight [out, sourceSize] on the flattened source.
 * - conv: weight [Cout, Csrc/group, kh, kw]; padded taps read 0.
 * - avgpool: depthwise average with per-channel gain `weight[c]` (the divisor follows countIncludePad).
 * - identity: y[c, …] = weight[c] · x[c, …] (a skip path).
 */
export type Term =
  | { kind: "dense"; source: string; weight: Float64Array }
  | ({ kind: "conv"; source: string; group: number; weight: Float64Array } & Window2d)
  | ({ kind: "avgpool"; source: string; countIncludePad: boolean; ceilMode: boolean; weight: Float64Array } & Window2d)
  | { kind: "identity"; source: string; weight: Float64Array };

/**
 * Canonical layer: y = relu?( Σ_terms term(source) + bias ), with one bias per output neuron
 * (a full map over the output shape: folding an affine into a padded conv makes the bias depend on position).
 * `inputs` lists the term sources in term order.
 */
export interface LayerNode extends NodeBase {
  kind: "layer";
  terms: Term[];
  bias: Float64Array;
  relu: boolean;
}

export type AnnNode =
  | InputNode
  | DenseNode
  | ConvNode
  | AffineNode
  | ReluNode
  | MaxPoolNode
  | AvgPoolNode
  | GlobalAvgPoolNode
  | AddNode
  | ConcatNode
  | FlattenNode
  | SoftmaxNode
  | LayerNode;

export type AnnKind = AnnNode["kind"];

/** A whole graph. Nodes are kept in topological order; `output` names the node whose value is the model output. */
export interface AnnGraph {
  /** Where the graph came from (a file path or a generator name), for messages. */
  source: string;
  /** ONNX input tensor name, kept so onnxruntime can be fed the same data. */
  inputName: string;
  nodes: AnnNode[];
  output: string;
  /** Notes made while importing or rewriting (e.g. "final Softmax ignored for the readout"). */
  notes: string[];
}

export const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The ONNX nodes a graph node came from, for messages ("fc1 (Gemm), relu1 (Relu)"; the node id when none). */
export function onnxNodesText(node: { id: string; origin: Origin[] }): string {
  return node.origin.filter((o) => o.op !== "InputRange").map((o) => `${o.name} (${o.op})`).join(", ") || node.id;
}

export function nodeById(graph: AnnGraph): Map<string, AnnNode> {
  return new Map(graph.nodes.map((n) => [n.id, n]));
}

/** Number of consumers of every node id (the graph output counts as one). */
export function consumerCounts(graph: AnnGraph): Map<string, number> {
  const counts = new Map<string, number>(graph.nodes.map((n) => [n.id, 0]));
  for (const n of graph.nodes) for (const i of n.inputs) counts.set(i, (counts.get(i) ?? 0) + 1);
  counts.set(graph.output, (counts.get(graph.output) ?? 0) + 1);
  return counts;
}

/** Canonical form: what the mapping accepts. */
export function isCanonical(graph: AnnGraph): boolean {
  return graph.nodes.every((n) => n.kind === "input" || n.kind === "layer" || n.kind === "maxpool");
}

/**
 * Human-readable description of where a node came from: "'/0/Conv' (Conv)". The input scaling spikec folds into the
 * first layers (InputRange) is left out: it is no node of the user's model.
 */
export function describeOrigin(node: { id: string; origin: Origin[] }): string {
  const own = node.origin.filter((o) => o.op !== "InputRange");
  if (own.length === 0) return `'${node.id}'`;
  return own.map((o) => `'${o.name}' (${o.op})`).join(" + ");
}
