/**
 * to-layers
 * Matches: the linear ops Dense, Conv, AveragePool, GlobalAveragePool and Add; a Relu after a layer; Flatten.
 * Rewrites: each linear op becomes a canonical `layer` (relu=false) with one term (Add: one identity term per
 * operand; GlobalAveragePool: an average-pool term over the whole map); a Relu fuses into the layer before it (a copy
 * of the layer when something else reads its pre-activation; a Relu after a ReLU'd layer is dropped); a dense term
 * reading a Flatten reads the Flatten's input (dense terms already work on the flattened source); a Flatten that is
 * the graph output is dropped (same values in C order).
 * Why: one node kind for every linear map lets a single algebra (term-algebra.ts) fold and merge them all.
 */
import { describeOrigin, product, type AnnNode, type LayerNode, type Term } from "../graph.js";
import { defineAnnPass, mergeOrigins, untilFixedPoint } from "./ann-pass.js";
import type { GraphEditor } from "./editor.js";
import { tileChannels } from "./term-algebra.js";

const LINEAR_KINDS = new Set(["dense", "conv", "avgpool", "globalavgpool", "add"]);

export const toLayers = defineAnnPass({
  name: "to-layers",
  description: "turn linear ops into canonical layers and fuse each ReLU into the layer before it",
  apply(editor) {
    const lines: string[] = [];
    for (const node of editor.all()) {
      const layer = asLayer(node, editor);
      if (layer) {
        editor.set(layer);
        lines.push(`${describeOrigin(node)} → layer`);
      }
    }
    lines.push(...untilFixedPoint(editor, fuseRelu));
    lines.push(...untilFixedPoint(editor, absorbFlatten));
    return lines;
  },
  postcondition(graph) {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    for (const n of graph.nodes) {
      if (LINEAR_KINDS.has(n.kind)) throw new Error(`${n.kind} '${n.id}' was not turned into a layer`);
      const src = byId.get(n.inputs[0] ?? "");
      if (n.kind === "relu" && (src?.kind === "layer" || src?.kind === "relu")) throw new Error(`relu '${n.id}' was not fused into '${src.id}'`);
      if (n.kind === "layer" && n.terms.some((t) => t.kind === "dense" && byId.get(t.source)?.kind === "flatten"))
        throw new Error(`layer '${n.id}' has a dense term reading a flatten`);
    }
    if (byId.get(graph.output)?.kind === "flatten") throw new Error("the graph output is still a flatten");
  },
});

function layerOf(node: AnnNode, terms: Term[], bias: Float64Array): LayerNode {
  return { kind: "layer", id: node.id, inputs: terms.map((t) => t.source), shape: node.shape, origin: node.origin, terms, bias, relu: false };
}

function asLayer(node: AnnNode, editor: GraphEditor): LayerNode | null {
  const size = product(node.shape);
  switch (node.kind) {
    case "dense":
      return layerOf(node, [{ kind: "dense", source: node.inputs[0], weight: node.weight }], node.bias.slice());
    case "conv": {
      const { kernel, stride, pads, dilation, group, weight } = node;
      return layerOf(node, [{ kind: "conv", source: node.inputs[0], group, weight, kernel, stride, pads, dilation }], tileChannels(node.bias, node.shape));
    }
    case "avgpool": {
      const { kernel, stride, pads, dilation, ceilMode, countIncludePad } = node;
      const term: Term = { kind: "avgpool", source: node.inputs[0], weight: ones(node.shape[0]), kernel, stride, pads, dilation, ceilMode, countIncludePad };
      return layerOf(node, [term], new Float64Array(size));
    }
    case "globalavgpool": {
      const [c, h, w] = editor.get(node.inputs[0]).shape;
      const term: Term = {
        kind: "avgpool",
        source: node.inputs[0],
        weight: ones(c),
        kernel: [h, w],
        stride: [1, 1],
        pads: [0, 0, 0, 0],
        dilation: [1, 1],
        ceilMode: false,
        countIncludePad: false,
      };
      return layerOf(node, [term], new Float64Array(size));
    }
    case "add":
      return layerOf(
        node,
        node.inputs.map((source) => ({ kind: "identity", source, weight: ones(node.shape[0] ?? 1) })),
        new Float64Array(size),
      );
    default:
      return null;
  }
}

const ones = (n: number) => new Float64Array(n).fill(1);


/** relu(layer) → layer with relu=true; relu(relu or ReLU'd layer) → the inner value. */
function fuseRelu(ed: GraphEditor): string | null {
  for (const relu of ed.all()) {
    if (relu.kind !== "relu") continue;
    const src = ed.get(relu.inputs[0]);
    if (src.kind === "relu" || (src.kind === "layer" && src.relu)) {
      ed.replaceUses(relu.id, src.id);
      ed.remove(relu.id);
      return `${describeOrigin(relu)} dropped: its input ${describeOrigin(src)} is already rectified`;
    }
    if (src.kind !== "layer") continue;
    if (ed.useCount(src.id) === 1) {
      ed.set({ ...src, relu: true, origin: mergeOrigins(src.origin, relu.origin) });
      ed.replaceUses(relu.id, src.id);
      ed.remove(relu.id);
      return `${describeOrigin(relu)} fused into ${describeOrigin(src)}`;
    }
    // Something else reads the pre-activation: the ReLU'd value becomes its own copy of the layer.
    ed.set({ ...src, id: relu.id, relu: true, origin: mergeOrigins(src.origin, relu.origin) });
    return `${describeOrigin(relu)} fused into a copy of ${describeOrigin(src)} (its pre-activation has other readers)`;
  }
  return null;
}

/** Dense terms read the flattened source anyway, so a Flatten in front of them is a no-op. */
function absorbFlatten(ed: GraphEditor): string | null {
  for (const n of ed.all()) {
    if (n.kind === "flatten" && ed.output === n.id && ed.consumers(n.id).length === 0) {
      ed.output = n.inputs[0];
      ed.remove(n.id);
      ed.notes.push(`final Flatten ${describeOrigin(n)} dropped: the output keeps the same values, in shape [${ed.get(n.inputs[0]).shape}]`);
      return `dropped final ${describeOrigin(n)}`;
    }
    if (n.kind === "flatten" && ed.get(n.inputs[0]).shape.length === 1) {
      ed.replaceUses(n.id, n.inputs[0]);
      ed.remove(n.id);
      return `dropped ${describeOrigin(n)}: its input is already a vector`;
    }
    if (n.kind !== "layer") continue;
    const k = n.terms.findIndex((t) => t.kind === "dense" && ed.get(t.source).kind === "flatten");
    if (k < 0) continue;
    const flat = ed.get(n.terms[k].source);
    const terms = n.terms.map((t, i) => (i === k ? { ...t, source: flat.inputs[0] } : t));
    ed.set({ ...n, terms, inputs: terms.map((t) => t.source), origin: mergeOrigins(n.origin, flat.origin) });
    if (ed.useCount(flat.id) === 0) ed.remove(flat.id);
    return `${describeOrigin(flat)} absorbed into ${describeOrigin(n)}`;
  }
  return null;
}
