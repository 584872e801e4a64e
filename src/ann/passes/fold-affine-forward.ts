/**
 * fold-affine-forward
 * Matches: an affine read by layer terms (dense, conv, average pool, identity — a Flatten in between was already
 * absorbed) or by another affine.
 * Rewrites: into each reading term T, y = T(κ ⊙ x + β) = (T ∘ diag κ)(x) + T(β): κ scales the term's input weights and
 * the shift becomes T applied to the constant image β, with T's own zero padding. That bias is a full map over the
 * output positions: the paper's zero-padding border correction (Eqs. 9–11, and 14 for the input range), for any
 * kernel, stride, dilation and padding. An affine read by an affine composes into it.
 * A per-element scale folds only into dense terms; into a conv, pool or identity term it is an InputError.
 * Why: BatchNorm after a ReLU (and the input normalization) has no layer before it to fold into.
 */
import { InputError } from "../../util/errors.js";
import { describeOrigin, type AffineNode, type LayerNode } from "../graph.js";
import { affineMaps, channelScale, composeAffines } from "./affine.js";
import { defineAnnPass, mergeOrigins, untilFixedPoint } from "./ann-pass.js";
import type { GraphEditor } from "./editor.js";
import { applyToImage, scaleInputs } from "./term-algebra.js";

export const foldAffineForward = defineAnnPass({
  name: "fold-affine-forward",
  description: "fold an affine (e.g. BatchNorm after a ReLU, input normalization) into the input weights and bias of the layers that read it",
  apply: (editor) => untilFixedPoint(editor, step),
  postcondition(graph) {
    const kinds = new Map(graph.nodes.map((n) => [n.id, n.kind]));
    for (const n of graph.nodes)
      if ((n.kind === "layer" || n.kind === "affine") && n.inputs.some((i) => kinds.get(i) === "affine"))
        throw new Error(`'${n.id}' (${n.kind}) still reads an affine`);
  },
});

function step(ed: GraphEditor): string | null {
  for (const reader of ed.all()) {
    if (reader.kind === "affine") {
      const a = ed.get(reader.inputs[0]);
      if (a.kind !== "affine") continue;
      ed.set({ ...reader, ...composeAffines(a, reader), inputs: [a.inputs[0]], origin: mergeOrigins(a.origin, reader.origin) });
      if (ed.useCount(a.id) === 0) ed.remove(a.id);
      return `${describeOrigin(a)} composed into ${describeOrigin(reader)}`;
    }
    if (reader.kind !== "layer") continue;
    const k = reader.terms.findIndex((t) => ed.get(t.source).kind === "affine");
    if (k < 0) continue;
    const a = ed.get(reader.terms[k].source) as AffineNode;
    ed.set(foldIntoTerm(a, reader, k, ed));
    if (ed.useCount(a.id) === 0) ed.remove(a.id);
    return `${describeOrigin(a)} folded into the input weights of ${describeOrigin(reader)}`;
  }
  return null;
}

function foldIntoTerm(a: AffineNode, layer: LayerNode, k: number, ed: GraphEditor): LayerNode {
  const t = layer.terms[k];
  const { scale, shift } = affineMaps(a);
  let gain = channelScale(a);
  if (gain === null) {
    if (t.kind !== "dense")
      throw new InputError(
        `${ed.graph.source}: ${describeOrigin(a)} scales every element of its input differently, and ${describeOrigin(layer)} reads it through a ${t.kind}; ` +
          `a per-element scale can only fold into a dense (fully connected) layer`,
        "use one scale per channel (e.g. per-channel input normalization), or fold the scale into the model before exporting",
      );
    gain = scale;
  }
  const bias = applyToImage(t, shift, a.shape, layer.shape);
  const term = { ...scaleInputs(t, gain, a.shape), source: a.inputs[0] };
  const terms = layer.terms.map((x, i) => (i === k ? term : x));
  return {
    ...layer,
    terms,
    inputs: terms.map((x) => x.source),
    bias: layer.bias.map((b, i) => b + bias[i]),
    origin: mergeOrigins(layer.origin, a.origin),
  };
}
