/**
 * The float64 reference: runs any ANN graph (imported or canonical kinds, or a mix) on a batch.
 * Every pass and the SNN simulators are checked against what this returns.
 */
import { InputError } from "../util/errors.js";
import { describeOrigin, product } from "./graph.js";
import type { AnnGraph, AnnNode, LayerNode } from "./graph.js";
import { applyTerm } from "./term.js";
import { conv2dAccumulate } from "./kernels/conv2d.js";
import { denseAccumulate } from "./kernels/dense.js";
import { avgPool2dAccumulate, globalAvgPool, maxPool2d } from "./kernels/pool2d.js";

export { conv2dOutputSize, conv2dOutputShape } from "./kernels/conv2d.js";
export { pool2dOutputSize, pool2dOutputShape } from "./kernels/pool2d.js";

export interface ExecuteOptions {
  /** Which node values to return; default: only graph.output. Values not kept are freed after their last use. */
  keep?: (id: string) => boolean;
}

/**
 * Runs the graph on a batch. input is [batch, ...inputShape] flat C order.
 * Returns the kept node values, each [batch, ...node.shape].
 */
export function execute(graph: AnnGraph, input: Float64Array, batch: number, options: ExecuteOptions = {}): Map<string, Float64Array> {
  const keep = options.keep ?? ((id: string) => id === graph.output);
  const shapes = new Map<string, number[]>(graph.nodes.map((n) => [n.id, n.shape]));
  // Remaining uses of each value, so intermediates are dropped as soon as their last consumer has run.
  const uses = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  const values = new Map<string, Float64Array>();
  const kept = new Map<string, Float64Array>();
  // Values whose array this call allocated and nobody else holds (not the caller's input, not shared by a flatten):
  // a ReLU that is their last use may overwrite them instead of copying.
  const owned = new Set<string>();

  for (const node of graph.nodes) {
    const args = node.inputs.map((id) => {
      const v = values.get(id);
      if (!v) throw new Error(`execute: node '${node.id}' reads '${id}', which has not been computed (graph not in topological order?)`);
      return v;
    });
    const inShapes = node.inputs.map((id) => shapes.get(id)!);
    const src = node.inputs[0];
    const overwrite = node.kind === "relu" && src !== undefined && owned.has(src) && uses.get(src) === 1 && !keep(src);
    const out = overwrite ? relu(args[0]!) : runNode(node, args, inShapes, input, batch, graph.source);
    // The overwritten array now holds this node's value: it is no longer src's to hand back.
    if (overwrite) owned.delete(src);
    if (node.kind === "flatten" && src !== undefined) owned.delete(src);
    else if (node.kind !== "input") owned.add(node.id);
    const expected = batch * product(node.shape);
    if (out.length !== expected)
      throw new Error(`execute: node '${node.id}' (${node.kind}) produced ${out.length} values, expected ${expected} for shape [${node.shape}]`);
    if (keep(node.id)) kept.set(node.id, out);
    if ((uses.get(node.id) ?? 0) > 0) values.set(node.id, out);
    for (const id of node.inputs) {
      const left = uses.get(id)! - 1;
      uses.set(id, left);
      if (left === 0) {
        const v = values.get(id);
        // Dropped, allocated here, not returned: its array serves a later node or call.
        if (v && owned.has(id) && !keep(id)) recycle(v);
        values.delete(id);
        owned.delete(id);
      }
    }
  }
  return kept;
}

/**
 * Arrays of dropped values, by length, for later nodes and calls: a fresh multi-megabyte array costs a page fault per
 * 4 KiB on first touch and garbage collection after (lenet5 at a batch of 500: ~16 MB per call). Kept up to
 * POOL_BYTES in all; contents are stale, callers write every element. Single-threaded per module instance.
 */
const POOL_BYTES = 64 << 20;
const pool = new Map<number, Float64Array[]>();
let pooled = 0;

function take(n: number): Float64Array {
  const a = pool.get(n)?.pop();
  if (!a) return new Float64Array(n);
  pooled -= a.byteLength;
  return a;
}

function recycle(a: Float64Array): void {
  if (a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength || pooled + a.byteLength > POOL_BYTES) return;
  const list = pool.get(a.length) ?? [];
  list.push(a);
  pool.set(a.length, list);
  pooled += a.byteLength;
}

function copy(a: Float64Array): Float64Array {
  const out = take(a.length);
  out.set(a);
  return out;
}

function runNode(node: AnnNode, args: Float64Array[], inShapes: number[][], input: Float64Array, batch: number, source: string): Float64Array {
  const size = product(node.shape);
  switch (node.kind) {
    case "input": {
      if (input.length !== batch * size)
        throw new InputError(
          `input data for ${source} has ${input.length} values; a batch of ${batch} of shape [${node.shape}] needs ${batch * size}`,
          "check that the data file matches the model's input shape",
        );
      return input;
    }
    case "dense": {
      const out = broadcastRows(node.bias, batch);
      denseAccumulate(args[0], batch, product(inShapes[0]), node.weight, size, out);
      return out;
    }
    case "conv": {
      const [cout, oh, ow] = node.shape;
      const out = broadcastChannels(node.bias, batch, cout, oh * ow);
      const [cin, ih, iw] = inShapes[0];
      conv2dAccumulate({ ...node, input: args[0], batch, inChannels: cin, inH: ih, inW: iw, outChannels: cout, output: out, outH: oh, outW: ow });
      return out;
    }
    case "affine": {
      const x = args[0];
      const out = take(x.length);
      const inner = node.per === "channel" ? size / node.scale.length : 1;
      for (let b = 0; b < batch; b++) {
        const base = b * size;
        for (let i = 0; i < size; i++) {
          const p = node.per === "scalar" ? 0 : node.per === "channel" ? Math.floor(i / inner) : i;
          out[base + i] = node.scale[p] * x[base + i] + node.shift[p];
        }
      }
      return out;
    }
    case "relu":
      return relu(copy(args[0]));
    case "maxpool": {
      const out = take(batch * size);
      const [c, ih, iw] = inShapes[0];
      maxPool2d({ ...node, input: args[0], batch, channels: c, inH: ih, inW: iw, output: out, outH: node.shape[1], outW: node.shape[2] }, node.channelSign);
      return out;
    }
    case "avgpool": {
      const out = take(batch * size).fill(0);
      const [c, ih, iw] = inShapes[0];
      avgPool2dAccumulate({ ...node, input: args[0], batch, channels: c, inH: ih, inW: iw, output: out, outH: node.shape[1], outW: node.shape[2] }, node.countIncludePad);
      return out;
    }
    case "globalavgpool": {
      const [c, h, w] = inShapes[0];
      const out = take(batch * c);
      globalAvgPool(args[0], batch, c, h * w, out);
      return out;
    }
    case "add": {
      const out = copy(args[0]);
      for (const a of args.slice(1)) for (let i = 0; i < out.length; i++) out[i] += a[i];
      return out;
    }
    case "concat": {
      const out = take(batch * size);
      let dst = 0;
      for (let b = 0; b < batch; b++)
        for (let k = 0; k < args.length; k++) {
          const n = product(inShapes[k]);
          out.set(args[k].subarray(b * n, (b + 1) * n), dst);
          dst += n;
        }
      return out;
    }
    case "flatten":
      return args[0]; // same C-order data; values are never mutated, so sharing is safe
    case "softmax":
      return softmaxLastAxis(args[0], node.shape[node.shape.length - 1] ?? 1);
    case "layer":
      return runLayer(node, args, inShapes, batch);
    default: {
      const unknown: never = node;
      throw new Error(`execute: unknown node kind in ${describeOrigin(unknown as AnnNode)}`);
    }
  }
}

/** Canonical layer: relu?(Σ terms + bias), bias a full per-neuron map. */
function runLayer(node: LayerNode, args: Float64Array[], inShapes: number[][], batch: number): Float64Array {
  const size = product(node.shape);
  if (node.bias.length !== size) throw new Error(`execute: layer '${node.id}' has ${node.bias.length} biases for ${size} neurons`);
  const out = broadcastRows(node.bias, batch);
  node.terms.forEach((term, k) => applyTerm(term, args[k]!, inShapes[k]!, node.shape, batch, out));
  return node.relu ? relu(out) : out;
}

/** [batch, n] with every row equal to v. */
function broadcastRows(v: Float64Array, batch: number): Float64Array {
  const out = take(batch * v.length);
  for (let b = 0; b < batch; b++) out.set(v, b * v.length);
  return out;
}

/** [batch, channels, area] with out[b, c, :] = v[c]. */
function broadcastChannels(v: Float64Array, batch: number, channels: number, area: number): Float64Array {
  const out = take(batch * channels * area);
  for (let b = 0; b < batch; b++)
    for (let c = 0; c < channels; c++) out.fill(v[c] !== 0 ? v[c] : 0, (b * channels + c) * area, (b * channels + c + 1) * area);
  return out;
}

/**
 * max(x, 0) in place, without a branch on the sign (half the activations are negative: a compare-and-branch
 * mispredicts on half of them, ~4× slower). (v + |v|)/2 is exact: 2v and its half are representable, and
 * v + |v| = +0 for v < 0 (−0 becomes +0, which compares equal). Only |v| ≥ 2^1023 (v + v overflows), ±∞ and NaN
 * take the other branch, never in practice.
 */
const TWO_POW_1023 = 8.98846567431158e307;
function relu(x: Float64Array): Float64Array {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Math.abs(v) < TWO_POW_1023) x[i] = (v + Math.abs(v)) * 0.5;
    else if (v < 0) x[i] = 0; // −∞ (NaN and the others stay)
  }
  return x;
}

function softmaxLastAxis(x: Float64Array, n: number): Float64Array {
  const out = take(x.length);
  for (let r = 0; r < x.length; r += n) {
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, x[r + i]);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += out[r + i] = Math.exp(x[r + i] - max);
    for (let i = 0; i < n; i++) out[r + i] /= sum;
  }
  return out;
}
