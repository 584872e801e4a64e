/**
 * Generic invariants of an ANN graph, checked after every rewrite pass: node order is topological, ids are unique,
 * inputs exist, every node's shape follows its op's shape rule, array lengths match the shapes, all numbers are
 * finite. Throws an Error naming the node and the broken invariant (runPass turns it into a VerifyError).
 */
import { conv2dOutputShape } from "./kernels/conv2d.js";
import { pool2dOutputShape } from "./kernels/pool2d.js";
import { product } from "./graph.js";
import type { AnnGraph, AnnNode, Term, Window2d } from "./graph.js";

export function verifyGraph(graph: AnnGraph): void {
  const shapes = new Map<string, number[]>();
  let inputs = 0;
  for (const node of graph.nodes) {
    const where = `node '${node.id}' (${node.kind})`;
    if (shapes.has(node.id)) throw new Error(`${where}: duplicate id`);
    for (const i of node.inputs) if (!shapes.has(i)) throw new Error(`${where}: input '${i}' is not an earlier node`);
    if (!node.shape.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`${where}: bad shape [${node.shape}]`);
    if (node.kind === "input") inputs++;
    const expected = inferShape(node, node.inputs.map((i) => shapes.get(i)!));
    if (!sameShape(expected, node.shape)) throw new Error(`${where}: shape [${node.shape}] but its op gives [${expected}]`);
    checkArrays(node, node.inputs.map((i) => shapes.get(i)!), where);
    shapes.set(node.id, node.shape);
  }
  if (inputs !== 1) throw new Error(`the graph has ${inputs} input nodes, expected 1`);
  if (!shapes.has(graph.output)) throw new Error(`the graph output '${graph.output}' is not a node`);
}

export const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** The output shape an op gives for these input shapes (throws when the inputs do not fit the op). */
export function inferShape(node: AnnNode, inShapes: number[][]): number[] {
  const where = `node '${node.id}' (${node.kind})`;
  const arity = (n: number) => {
    if (inShapes.length !== n) throw new Error(`${where}: ${inShapes.length} inputs, expected ${n}`);
  };
  const image = (s: number[]) => {
    if (s.length !== 3) throw new Error(`${where}: needs a [C, H, W] input, got [${s}]`);
    return s as [number, number, number];
  };
  switch (node.kind) {
    case "input":
      arity(0);
      return node.shape;
    case "dense":
      arity(1);
      return [node.bias.length];
    case "conv": {
      arity(1);
      checkWindow(node, where);
      const [c] = image(inShapes[0]);
      const cout = node.bias.length;
      if (c % node.group !== 0 || cout % node.group !== 0) throw new Error(`${where}: group ${node.group} does not divide ${c} → ${cout} channels`);
      return conv2dOutputShape(inShapes[0], cout, node);
    }
    case "affine":
    case "relu":
    case "softmax":
      arity(1);
      return inShapes[0];
    case "maxpool":
    case "avgpool":
      arity(1);
      checkWindow(node, where);
      return pool2dOutputShape(image(inShapes[0]), node, node.ceilMode);
    case "globalavgpool":
      arity(1);
      return [image(inShapes[0])[0], 1, 1];
    case "add": {
      if (inShapes.length < 1) throw new Error(`${where}: no operands`);
      for (const s of inShapes) if (!sameShape(s, inShapes[0])) throw new Error(`${where}: operand shapes [${inShapes.join("] [")}] differ`);
      return inShapes[0];
    }
    case "concat": {
      if (inShapes.length < 1) throw new Error(`${where}: no operands`);
      const rest = inShapes[0].slice(1);
      for (const s of inShapes)
        if (!sameShape(s.slice(1), rest)) throw new Error(`${where}: operands [${inShapes.join("] [")}] differ beyond axis 0`);
      return [inShapes.reduce((a, s) => a + s[0], 0), ...rest];
    }
    case "flatten":
      arity(1);
      return [product(inShapes[0])];
    case "layer": {
      if (node.terms.length !== node.inputs.length || node.terms.some((t, k) => t.source !== node.inputs[k]))
        throw new Error(`${where}: inputs [${node.inputs}] do not list the term sources in order`);
      if (node.terms.length === 0) throw new Error(`${where}: no terms`);
      node.terms.forEach((t, k) => checkTermShape(t, inShapes[k], node.shape, `${where} term ${k} (${t.kind} from '${t.source}')`));
      return node.shape;
    }
  }
}

/** Checks that a term maps a source of shape `src` onto the layer shape `out`, with weights of the right length. */
export function checkTermShape(t: Term, src: number[], out: number[], where: string): void {
  const expectLength = (len: number) => {
    if (t.weight.length !== len) throw new Error(`${where}: ${t.weight.length} weights, expected ${len}`);
  };
  switch (t.kind) {
    case "dense":
      expectLength(product(out) * product(src));
      return;
    case "conv": {
      checkWindow(t, where);
      if (src.length !== 3 || out.length !== 3) throw new Error(`${where}: needs [C, H, W] source and output`);
      if (src[0] % t.group !== 0 || out[0] % t.group !== 0) throw new Error(`${where}: group ${t.group} does not divide ${src[0]} → ${out[0]}`);
      if (!sameShape(conv2dOutputShape(src, out[0], t), out)) throw new Error(`${where}: source [${src}] gives [${conv2dOutputShape(src, out[0], t)}], layer is [${out}]`);
      expectLength((out[0] * src[0] * t.kernel[0] * t.kernel[1]) / t.group);
      return;
    }
    case "avgpool": {
      checkWindow(t, where);
      if (src.length !== 3) throw new Error(`${where}: needs a [C, H, W] source`);
      const o = pool2dOutputShape(src, t, t.ceilMode);
      if (!sameShape(o, out)) throw new Error(`${where}: source [${src}] gives [${o}], layer is [${out}]`);
      expectLength(src[0]);
      return;
    }
    case "identity":
      if (!sameShape(src, out)) throw new Error(`${where}: source [${src}] differs from layer [${out}]`);
      expectLength(out[0] ?? 1);
      return;
  }
}

function checkWindow(w: Window2d, where: string): void {
  const ok = (xs: number[], min: number) => xs.every((x) => Number.isInteger(x) && x >= min);
  if (!ok(w.kernel, 1) || !ok(w.stride, 1) || !ok(w.dilation, 1) || w.pads.length !== 4 || !ok(w.pads, 0))
    throw new Error(`${where}: bad window kernel [${w.kernel}] stride [${w.stride}] dilation [${w.dilation}] pads [${w.pads}]`);
}

function checkArrays(node: AnnNode, inShapes: number[][], where: string): void {
  const finite = (name: string, a: ArrayLike<number>) => {
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw new Error(`${where}: ${name}[${i}] = ${a[i]} is not finite`);
  };
  const length = (name: string, a: ArrayLike<number>, n: number) => {
    if (a.length !== n) throw new Error(`${where}: ${name} has ${a.length} entries, expected ${n}`);
    finite(name, a);
  };
  switch (node.kind) {
    case "dense":
      length("weight", node.weight, node.bias.length * product(inShapes[0]));
      finite("bias", node.bias);
      return;
    case "conv":
      length("weight", node.weight, (node.bias.length * inShapes[0][0] * node.kernel[0] * node.kernel[1]) / node.group);
      finite("bias", node.bias);
      return;
    case "affine": {
      const n = node.per === "scalar" ? 1 : node.per === "channel" ? (node.shape[0] ?? 1) : product(node.shape);
      length("scale", node.scale, n);
      length("shift", node.shift, n);
      return;
    }
    case "maxpool":
      if (node.channelSign.length !== node.shape[0] || !node.channelSign.every((s) => s === 1 || s === -1))
        throw new Error(`${where}: channelSign must hold ${node.shape[0]} entries of ±1`);
      return;
    case "layer":
      length("bias", node.bias, product(node.shape));
      node.terms.forEach((t, k) => finite(`term ${k} weight`, t.weight));
      return;
    default:
      return;
  }
}
