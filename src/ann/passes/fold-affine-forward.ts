/**
 * fold-affine-forward
 * Matches: an affine read by layer terms (dense, conv, average pool, identity — a Flatten in between was already
 * absorbed) or by another affine.
 * Rewrites: into each reading term T, y = T(κ ⊙ x + β) = (T ∘ diag κ)(x) + T(β): κ scales the term's input weights and
 * the shift becomes T applied to the constant image β, with T's own zero padding. That bias is a full map over the
 * output positions: the paper's zero-padding border correction (Eqs. 9–11, and 14 for the input range), for any
 * kernel, stride, dilation and padding. An affine read by an affine composes into it.
 * A per-element scale folds only into dense terms (a scale constant within each channel counts as per channel); into a
 * conv, pool or identity term it is an InputError showing where the scale varies and what to change.
 * Why: BatchNorm after a ReLU (and the input normalization) has no layer before it to fold into.
 */
import { InputError } from "../../util/errors.js";
import { describeOrigin, product, type AffineNode, type LayerNode } from "../graph.js";
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
    if (t.kind !== "dense") throw elementScaleError(a, layer, t.kind, ed.graph.source);
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

const TERM_OPS: Record<string, string> = { conv: "a convolution", avgpool: "an average pool", identity: "an Add (skip path)" };

/**
 * Why a per-element scale cannot fold into a conv, pool or identity term: those share one weight per (channel) tap
 * over all positions, so a scale that varies within a channel has nowhere to go (only a dense layer has one weight
 * per input element). The message shows where the scale varies and what to change.
 */
function elementScaleError(a: AffineNode, layer: LayerNode, termKind: string, source: string): InputError {
  const { scale } = affineMaps(a);
  const c = a.shape[0];
  const inner = product(a.shape) / c;
  const width = a.shape[a.shape.length - 1];
  const at = (i: number) => (a.shape.length === 3 ? `(y ${Math.floor(i / width)}, x ${i % width})` : `element ${i}`);
  let where = "";
  for (let ch = 0; ch < c && where === ""; ch++)
    for (let i = 1; i < inner; i++)
      if (scale[ch * inner + i] !== scale[ch * inner]) {
        where = `in channel ${ch} it is ${scale[ch * inner]} at ${at(0)} but ${scale[ch * inner + i]} at ${at(i)}`;
        break;
      }
  return new InputError(
    `${source}: ${describeOrigin(a)} scales its input [${a.shape}] with a different factor per position (${where}), and ` +
      `${describeOrigin(layer)} reads it through ${TERM_OPS[termKind] ?? `a ${termKind}`}, which applies the same weights at every position; ` +
      `a per-position scale folds only into a dense (Gemm/MatMul) layer, and an SNN layer of its own cannot apply it either`,
    `give ${describeOrigin(a)} one scale per channel (a constant of shape [1, ${c}, 1, 1]); a per-position shift is fine. ` +
      `Or apply the per-position scale to the data before it reaches the model (and calibrate on the scaled data)`,
  );
}
