/**
 * NIR type inference: the input and output shape of every node, and the check that both ends of every edge
 * agree — the rules of the reference package's NIRGraph.infer_types / check_types (shared/spec/nir.md §3).
 *
 * Shape formulas: conv out = floor((n + 2p − d·(k−1) − 1)/s + 1) ('same' keeps n, 'valid' is p = 0); pooling
 * the same with d = 1; Flatten collapses start_dim..end_dim into their product.
 * Known quirks of the reference, reported as warnings here (we compute the PyTorch-correct shapes):
 * - Conv2d uses the kernel height weight.shape[2] for both spatial dims;
 * - Conv input channels are weight.shape[1], ignoring groups;
 * - a root that is not an Input (a leaf that is not an Output) gets an `input_<name>` (`output_<name>`) node
 *   added when the reference reads the file, so the graph it returns differs from the file.
 */
import type { Conv1d, Conv2d, NirGraph, NirNode, NirPrimitive } from "./graph.js";
import type { NirIssue } from "./issues.js";
import { flattenShape } from "./nodes/flatten.js";
import { intAt } from "./nodes/common.js";
import { NirFieldError, commonShape, fmtShape, sameShape } from "./tensor.js";

export type Shape = number[] | null;
export interface NodeTypes {
  input: Shape;
  output: Shape;
}

/** One spatial dim of a conv or pool output. */
export function convOutSize(n: number, padding: number | "same" | "valid", dilation: number, kernel: number, stride: number): number {
  if (padding === "same") return n;
  const p = padding === "valid" ? 0 : padding;
  return Math.floor((n + 2 * p - dilation * (kernel - 1) - 1) / stride + 1);
}

const paddingAt = (p: Conv2d["padding"], i: number): number | "same" | "valid" => (typeof p === "string" ? p : intAt(p, i));

/** Conv output spatial shape; `referenceQuirk` uses weight.shape[2] for every dim as the reference does. */
function convSpatial(node: Conv1d | Conv2d, spatial: number[], referenceQuirk: boolean): number[] {
  return spatial.map((n, i) => {
    const k = referenceQuirk ? node.weight.shape[2]! : node.weight.shape[2 + i]!;
    return convOutSize(n, paddingAt(node.padding, i), intAt(node.dilation, i), k, intAt(node.stride, i));
  });
}

const convInputSpatial = (node: Conv1d | Conv2d): number[] | null =>
  node.input_shape === null ? null : typeof node.input_shape === "number" ? [node.input_shape] : [...node.input_shape];

/** The PyTorch-correct types of a conv whose input spatial shape is `spatial`. */
export function convTypes(node: Conv1d | Conv2d, spatial: number[], referenceQuirk = false): NodeTypes {
  const cin = referenceQuirk ? node.weight.shape[1]! : node.weight.shape[1]! * node.groups;
  return { input: [cin, ...spatial], output: [node.weight.shape[0]!, ...convSpatial(node, spatial, referenceQuirk)] };
}

/** Types a node declares by itself (before inference), as the reference's constructors set them. */
export function declaredTypes(node: NirNode): NodeTypes {
  switch (node.type) {
    case "Input":
    case "Output":
      return { input: [...node.shape], output: [...node.shape] };
    case "Affine":
    case "Linear": {
      const w = node.weight.shape;
      const lead = w.slice(0, -2);
      return { input: [...lead, w[w.length - 1]!], output: [...lead, w[w.length - 2]!] };
    }
    case "Scale":
      return { input: [...node.scale.shape], output: [...node.scale.shape] };
    case "Delay":
      return { input: [...node.delay.shape], output: [...node.delay.shape] };
    case "Threshold":
      return { input: [...node.threshold.shape], output: [...node.threshold.shape] };
    case "Conv1d":
    case "Conv2d": {
      const spatial = convInputSpatial(node);
      return spatial ? convTypes(node, spatial) : { input: null, output: null };
    }
    case "SumPool2d":
    case "AvgPool2d":
      return { input: null, output: null };
    case "Flatten":
      return node.input_type ? { input: [...node.input_type], output: flattenShape(node.input_type, node.start_dim, node.end_dim) } : { input: null, output: null };
    case "NIRGraph": {
      const ins = [...node.nodes.values()].filter((n) => n.type === "Input");
      const outs = [...node.nodes.values()].filter((n) => n.type === "Output");
      return {
        input: ins.length === 1 ? [...(ins[0] as { shape: number[] }).shape] : null,
        output: outs.length === 1 ? [...(outs[0] as { shape: number[] }).shape] : null,
      };
    }
    default: {
      const { type: _t, metadata: _m, ...params } = node;
      const s = commonShape(params);
      return { input: s, output: s };
    }
  }
}

/** Output type of a node whose input type became known during inference (Conv, pooling, Flatten). */
function inferOutput(node: NirPrimitive, input: number[]): Shape {
  switch (node.type) {
    case "Conv1d":
    case "Conv2d":
      return convTypes(node, input.slice(1)).output;
    case "SumPool2d":
    case "AvgPool2d":
      return [input[0]!, ...input.slice(1).map((n, i) => convOutSize(n, node.padding[i]!, 1, node.kernel_size[i]!, node.stride[i]!))];
    case "Flatten":
      return flattenShape(input, node.start_dim, node.end_dim);
    default:
      return null;
  }
}

/** Which field of a node defines its input type: named in mismatch messages. */
function typeField(node: NirNode): string {
  switch (node.type) {
    case "Input":
    case "Output":
      return "shape";
    case "Affine":
    case "Linear":
    case "Conv1d":
    case "Conv2d":
      return node.type.startsWith("Conv") ? "input_shape" : "weight";
    case "Flatten":
      return "input_type";
    case "NIRGraph":
      return "nodes";
    case "Scale":
      return "scale";
    case "Delay":
      return "delay";
    case "Threshold":
      return "threshold";
    case "SumPool2d":
    case "AvgPool2d":
      return "kernel_size";
    default:
      return Object.keys(node).find((k) => k !== "type" && k !== "metadata") ?? "type";
  }
}

export interface GraphTypes {
  /** Types per node name after inference (null where unknown). */
  types: Map<string, NodeTypes>;
  /** Types of subgraph nodes' inner nodes, by subgraph name. */
  subgraphs: Map<string, GraphTypes>;
}

/** Reference-quirk warnings for one node (independent of the graph). */
export function quirkWarnings(node: NirNode, path: string, input: Shape): NirIssue[] {
  const out: NirIssue[] = [];
  if ((node.type === "Conv2d" || node.type === "Conv1d") && input) {
    const ours = convTypes(node, input.slice(1));
    const ref = convTypes(node, input.slice(1), true);
    if (!sameShape(ours.output!, ref.output!)) {
      out.push({
        severity: "warning",
        node: path,
        field: "weight",
        message: `kernel ${fmtShape(node.weight.shape.slice(2))} is not square: the reference nir package computes the output as ${fmtShape(ref.output)} (kernel height for both dims) instead of ${fmtShape(ours.output)} and will reject this graph when it type-checks`,
      });
    }
    if (node.groups > 1) {
      out.push({
        severity: "warning",
        node: path,
        field: "groups",
        message: `grouped convolution (groups = ${node.groups}): the reference nir package takes the input channels as weight.shape[1] = ${node.weight.shape[1]} instead of ${ours.input![0]} and will reject this graph when it type-checks`,
      });
    }
  }
  return out;
}

/**
 * Infers the types of `graph` as the reference does (walking edges depth first from the Input nodes), without
 * changing the graph. Problems go to `issues`; like the reference, inference of a graph stops at its first error.
 */
export function inferTypes(graph: NirGraph, issues: NirIssue[], prefix = ""): GraphTypes {
  const at = (name: string): string => prefix + name;
  const types = new Map<string, NodeTypes>();
  const subgraphs = new Map<string, GraphTypes>();
  for (const [name, node] of graph.nodes) {
    try {
      types.set(name, declaredTypes(node));
    } catch (e) {
      if (!(e instanceof NirFieldError)) throw e;
      issues.push({ severity: "error", node: at(name), field: e.field, message: e.message });
      types.set(name, { input: null, output: null });
    }
    if (node.type === "NIRGraph") subgraphs.set(name, inferTypes(node, issues, at(name) + "/"));
  }
  const result = { types, subgraphs };
  if (graph.nodes.size === 0) return result;
  const err = (node: string, field: string | undefined, message: string): GraphTypes => {
    issues.push({ severity: "error", node: node ? at(node) : prefix.replace(/\/$/, ""), ...(field ? { field } : {}), message });
    return result;
  };

  const targets = new Set(graph.edges.map((e) => e[1]));
  const sources = new Set(graph.edges.map((e) => e[0]));
  const starts: string[] = [];
  for (const [name, node] of graph.nodes) {
    if (targets.has(name)) continue;
    if (node.type === "Input") {
      starts.push(name);
      continue;
    }
    if (!types.get(name)!.input) {
      return err(name, undefined, `root node '${name}' (${node.type}) is not an Input node and has no defined input type, so the graph input cannot be inferred`);
    }
    issues.push({ severity: "warning", node: at(name), message: `root node '${name}' (${node.type}) is not fed by an Input node: the reference reader adds an Input node 'input_${name}' in front of it` });
    starts.push(name);
  }
  const inputs = [...graph.nodes].filter(([, n]) => n.type === "Input").map(([k]) => k);
  const ready = graph.edges.filter((e) => starts.includes(e[0]) || inputs.includes(e[0]));
  // No edges at all is a graph the reference reader accepts (each node gets its own input_/output_ node, warned
  // below); edges of which none leaves a start are a cycle at the input.
  if (ready.length === 0 && graph.edges.length > 0) {
    return err("", "edges", "no edge leaves an Input node, so type inference cannot start (a cycle at the graph input?); add an Input node");
  }
  const seen = new Set(ready.map((e) => e[0]));
  while (ready.length) {
    const [pre, post] = ready.pop()!;
    const preT = types.get(pre)!;
    const postT = types.get(post)!;
    const postNode = graph.nodes.get(post)!;
    if (!preT.output) return err(pre, undefined, `has no output type`);
    if (!postT.input) {
      postT.input = [...preT.output];
    } else if (!sameShape(preT.output, postT.input)) {
      return err(post, typeField(postNode), `type mismatch on edge ${pre} → ${post}: '${pre}' outputs ${fmtShape(preT.output)} but '${post}' (${postNode.type}) takes ${fmtShape(postT.input)}`);
    }
    if (postNode.type === "Output") postT.output = [...postT.input];
    if (!postT.output && postNode.type !== "NIRGraph") {
      try {
        postT.output = inferOutput(postNode, postT.input);
      } catch (e) {
        if (!(e instanceof NirFieldError)) throw e;
        return err(post, e.field, e.message);
      }
      if (postT.output && postT.output.some((d) => d <= 0)) {
        return err(post, typeField(postNode), `input ${fmtShape(postT.input)} gives the empty output ${fmtShape(postT.output)} (kernel larger than the padded input?)`);
      }
    }
    seen.add(post);
    for (const e of graph.edges) if (e[0] === post && !seen.has(e[1])) ready.push(e);
  }
  for (const [name, node] of graph.nodes) {
    if (sources.has(name) || node.type === "Output") continue;
    if (!types.get(name)!.output) return err(name, undefined, `leaf node '${name}' (${node.type}) is not an Output node and has no defined output type`);
    issues.push({ severity: "warning", node: at(name), message: `leaf node '${name}' (${node.type}) does not lead to an Output node: the reference reader adds an Output node 'output_${name}' after it` });
  }
  // check_types: every edge has defined, equal types at both ends
  for (const [pre, post] of graph.edges) {
    const o = types.get(pre)!.output;
    const i = types.get(post)!.input;
    const postNode = graph.nodes.get(post)!;
    if (postNode.type === "NIRGraph" && [...postNode.nodes.values()].filter((n) => n.type === "Input").length !== 1) {
      return err(post, "nodes", `subgraph '${post}' must have exactly one Input node to be the target of an edge (multiple ports are not supported by the reference)`);
    }
    if (!o) return err(pre, undefined, `has no output type (edge ${pre} → ${post})`);
    if (!i) return err(post, undefined, `has no input type (edge ${pre} → ${post})`);
    if (!sameShape(o, i)) return err(post, typeField(postNode), `type mismatch on edge ${pre} → ${post}: ${fmtShape(o)} → ${fmtShape(i)}`);
  }
  for (const [name, node] of graph.nodes) issues.push(...quirkWarnings(node, at(name), types.get(name)!.input));
  return result;
}
