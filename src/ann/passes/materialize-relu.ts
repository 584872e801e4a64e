/**
 * materialize-relu (fallback: runs only when no other pass applies)
 * Matches: a Relu whose input is not a layer (the input itself, or an affine that no layer before it can absorb,
 * e.g. a pre-activation BatchNorm after a pool or a concat of activations), or a Relu after a Flatten.
 * Rewrites: relu(x) → a new layer y = relu(1·x + 0) with one identity term (the affine then folds into that term);
 * relu(flatten(x)) → flatten(relu(x)).
 * Why: exact, at the cost of one extra spiking layer — the ReLU needs neurons of its own.
 */
import { describeOrigin, type AnnNode } from "../graph.js";
import { defineAnnPass, untilFixedPoint } from "./ann-pass.js";

const stuck = (src: AnnNode) => src.kind === "input" || src.kind === "affine" || src.kind === "flatten";

export const materializeRelu = defineAnnPass({
  name: "materialize-relu",
  description: "give a ReLU that no layer can absorb a layer of its own (identity weights)",
  apply: (editor) =>
    untilFixedPoint(editor, (ed) => {
      const relu = ed.all().find((n) => n.kind === "relu" && stuck(ed.get(n.inputs[0])));
      if (!relu) return null;
      const src = ed.get(relu.inputs[0]);
      if (src.kind === "flatten") {
        const inner = ed.get(src.inputs[0]);
        const early: AnnNode = { kind: "relu", id: ed.freshId(relu.id), inputs: [inner.id], shape: inner.shape, origin: relu.origin };
        ed.add(early, inner.id);
        ed.set({ ...src, id: relu.id, inputs: [early.id] });
        if (ed.useCount(src.id) === 0) ed.remove(src.id);
        return `${describeOrigin(relu)} moved before ${describeOrigin(src)}`;
      }
      const size = relu.shape.reduce((a, b) => a * b, 1);
      ed.set({
        kind: "layer",
        id: relu.id,
        inputs: [src.id],
        shape: relu.shape,
        origin: relu.origin,
        terms: [{ kind: "identity", source: src.id, weight: new Float64Array(relu.shape[0] ?? 1).fill(1) }],
        bias: new Float64Array(size),
        relu: true,
      });
      return `${describeOrigin(relu)} on ${describeOrigin(src)} became an identity layer with ReLU (one extra spiking layer)`;
    }),
  postcondition(graph) {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    const bad = graph.nodes.find((n) => n.kind === "relu" && stuck(byId.get(n.inputs[0])!));
    if (bad) throw new Error(`relu '${bad.id}' still reads a ${byId.get(bad.inputs[0])!.kind}`);
  },
});
