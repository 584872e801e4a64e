/**
 * Compact construction of ANN graphs for tests: each method adds one node with seeded random parameters and
 * returns its id; shapes follow the ops' shape rules. Plus `expectSameFunction`, the check every pass test makes.
 */
import { expect } from "vitest";
import { execute } from "../../src/ann/execute.js";
import { product, type AnnGraph, type AnnNode, type Window2d } from "../../src/ann/graph.js";
import { conv2dOutputShape } from "../../src/ann/kernels/conv2d.js";
import { pool2dOutputShape } from "../../src/ann/kernels/pool2d.js";
import { rng } from "./rng.js";
export { rng };


export interface WindowOptions {
  kernel?: number | [number, number];
  stride?: number | [number, number];
  pads?: number | [number, number, number, number];
  dilation?: number | [number, number];
}

const pair = (v: number | [number, number] | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === "number" ? [v, v] : v);

function window(o: WindowOptions, defaultKernel: number): Window2d {
  const pads = o.pads === undefined ? [0, 0, 0, 0] : typeof o.pads === "number" ? [o.pads, o.pads, o.pads, o.pads] : o.pads;
  const kernel = pair(o.kernel, defaultKernel);
  return { kernel, stride: pair(o.stride, 1), pads: pads as Window2d["pads"], dilation: pair(o.dilation, 1) };
}

export class AnnBuilder {
  readonly nodes: AnnNode[] = [];
  readonly input: string;
  private readonly rand: () => number;
  private n = 0;

  constructor(inputShape: number[], seed = 1) {
    this.rand = rng(seed);
    this.input = this.push({ kind: "input", id: "x", inputs: [], shape: inputShape, origin: [{ name: "x", op: "Input" }] });
  }

  shape(id: string): number[] {
    return this.nodes.find((n) => n.id === id)!.shape;
  }

  /** Uniform in [lo, hi). */
  values(n: number, lo = -1, hi = 1): Float64Array {
    return Float64Array.from({ length: n }, () => lo + (hi - lo) * this.rand());
  }

  private push(node: AnnNode): string {
    this.nodes.push(node);
    return node.id;
  }

  private name(op: string): { id: string; origin: { name: string; op: string }[] } {
    const id = `${op.toLowerCase()}${++this.n}`;
    return { id, origin: [{ name: `/${id}`, op }] };
  }

  dense(x: string, out: number): string {
    const n = product(this.shape(x));
    return this.push({ kind: "dense", ...this.name("Gemm"), inputs: [x], shape: [out], weight: this.values(out * n, -1 / Math.sqrt(n), 1 / Math.sqrt(n)), bias: this.values(out, -0.2, 0.2) });
  }

  conv(x: string, cout: number, o: WindowOptions & { group?: number } = {}): string {
    const win = window(o, 3);
    const group = o.group ?? 1;
    const cin = this.shape(x)[0];
    const fan = (cin / group) * win.kernel[0] * win.kernel[1];
    return this.push({
      kind: "conv",
      ...this.name("Conv"),
      inputs: [x],
      shape: conv2dOutputShape(this.shape(x), cout, win),
      ...win,
      group,
      weight: this.values(cout * fan, -1 / Math.sqrt(fan), 1 / Math.sqrt(fan)),
      bias: this.values(cout, -0.2, 0.2),
    });
  }

  /** BatchNormalization as an affine per channel; `negative` allows negative scales. */
  bn(x: string, o: { negative?: boolean; zero?: boolean } = {}): string {
    const c = this.shape(x)[0];
    const scale = this.values(c, o.negative ? -1.5 : 0.5, 1.5);
    if (o.zero) scale[0] = 0;
    return this.affine(x, "channel", scale, this.values(c, -0.5, 0.5), "BatchNormalization");
  }

  affine(x: string, per: "scalar" | "channel" | "element", scale?: Float64Array, shift?: Float64Array, op = "Mul"): string {
    const shape = this.shape(x);
    const n = per === "scalar" ? 1 : per === "channel" ? shape[0] : product(shape);
    return this.push({ kind: "affine", ...this.name(op), inputs: [x], shape, per, scale: scale ?? this.values(n, 0.5, 1.5), shift: shift ?? this.values(n, -0.5, 0.5) });
  }

  relu(x: string): string {
    return this.push({ kind: "relu", ...this.name("Relu"), inputs: [x], shape: this.shape(x) });
  }

  maxpool(x: string, o: WindowOptions & { ceilMode?: boolean } = {}): string {
    const win = window({ stride: 2, ...o }, 2);
    const ceilMode = o.ceilMode ?? false;
    const shape = pool2dOutputShape(this.shape(x), win, ceilMode);
    return this.push({ kind: "maxpool", ...this.name("MaxPool"), inputs: [x], shape, ...win, ceilMode, channelSign: new Int8Array(shape[0]).fill(1) });
  }

  avgpool(x: string, o: WindowOptions & { ceilMode?: boolean; countIncludePad?: boolean } = {}): string {
    const win = window({ stride: 2, ...o }, 2);
    const ceilMode = o.ceilMode ?? false;
    return this.push({
      kind: "avgpool",
      ...this.name("AveragePool"),
      inputs: [x],
      shape: pool2dOutputShape(this.shape(x), win, ceilMode),
      ...win,
      ceilMode,
      countIncludePad: o.countIncludePad ?? false,
    });
  }

  globalAvgPool(x: string): string {
    return this.push({ kind: "globalavgpool", ...this.name("GlobalAveragePool"), inputs: [x], shape: [this.shape(x)[0], 1, 1] });
  }

  add(...xs: string[]): string {
    return this.push({ kind: "add", ...this.name("Add"), inputs: xs, shape: this.shape(xs[0]) });
  }

  concat(...xs: string[]): string {
    const s = this.shape(xs[0]);
    return this.push({ kind: "concat", ...this.name("Concat"), inputs: xs, shape: [xs.reduce((a, x) => a + this.shape(x)[0], 0), ...s.slice(1)] });
  }

  flatten(x: string): string {
    return this.push({ kind: "flatten", ...this.name("Flatten"), inputs: [x], shape: [product(this.shape(x))] });
  }

  softmax(x: string): string {
    return this.push({ kind: "softmax", ...this.name("Softmax"), inputs: [x], shape: this.shape(x) });
  }

  build(output = this.nodes[this.nodes.length - 1].id): AnnGraph {
    return { source: "test-graph", inputName: "x", nodes: [...this.nodes], output, notes: [] };
  }
}

/** Random inputs in [0, 1) for a graph. */
export function randomInputs(graph: AnnGraph, batch: number, seed = 7): Float64Array {
  const input = graph.nodes.find((n) => n.kind === "input")!;
  const r = rng(seed);
  return Float64Array.from({ length: batch * product(input.shape) }, () => r());
}

/**
 * Asserts max |Δ| ≤ tol · max |output| between the two graphs on random inputs x̂ ∈ [0, 1). With `range`, the
 * original graph is fed x = low + (high − low)·x̂ (the canonical graph takes x̂); a final softmax of the original is
 * skipped (its input, the logits, is compared). Returns the relative error.
 */
export function expectSameFunction(original: AnnGraph, rewritten: AnnGraph, o: { batch?: number; range?: { low: number; high: number }; tol?: number; seed?: number } = {}): number {
  const batch = o.batch ?? 4;
  const xhat = randomInputs(original, batch, o.seed);
  const x = o.range ? xhat.map((v) => o.range!.low + (o.range!.high - o.range!.low) * v) : xhat;
  // A final softmax is dropped by canonicalization: compare the logits it reads.
  const last = original.nodes.find((n) => n.id === original.output)!;
  const logits = last.kind === "softmax" ? last.inputs[0] : original.output;
  const a = execute({ ...original, output: logits }, x, batch).get(logits)!;
  const b = execute(rewritten, xhat, batch).get(rewritten.output)!;
  expect(b.length).toBe(a.length);
  let maxAbs = 0;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(a[i]));
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  }
  const rel = maxDiff / Math.max(maxAbs, 1e-300);
  expect(rel, `max |Δ| = ${maxDiff}, max |output| = ${maxAbs}`).toBeLessThanOrEqual(o.tol ?? 1e-9);
  return rel;
}
