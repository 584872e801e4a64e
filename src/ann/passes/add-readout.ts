/**
 * add-readout (fallback: runs only when no other pass applies)
 * Matches: a graph output that is not a layer (a max pool, the input, an affine left at the end, a Concat).
 * Rewrites: appends a readout layer without ReLU with identity weights (an affine at the output then folds into it).
 * Why: the SNN's readout is a non-spiking layer whose membrane potentials are the logits; it must exist.
 */
import { describeOrigin, product } from "../graph.js";
import { defineAnnPass } from "./ann-pass.js";

export const addReadout = defineAnnPass({
  name: "add-readout",
  description: "end the graph with a readout layer (identity weights) when the output is not a layer",
  apply(ed) {
    const out = ed.get(ed.output);
    if (out.kind === "layer") return [];
    const id = ed.freshId(`${out.id}/readout`);
    ed.add(
      {
        kind: "layer",
        id,
        inputs: [out.id],
        shape: out.shape,
        origin: out.origin,
        terms: [{ kind: "identity", source: out.id, weight: new Float64Array(out.shape[0] ?? 1).fill(1) }],
        bias: new Float64Array(product(out.shape)),
        relu: false,
      },
      out.id,
    );
    ed.output = id;
    ed.notes.push(`the model ends in ${describeOrigin(out)} (${out.kind}); an identity readout layer was added after it`);
    return [`identity readout added after ${describeOrigin(out)}`];
  },
  postcondition(graph) {
    const out = graph.nodes.find((n) => n.id === graph.output);
    if (out?.kind !== "layer") throw new Error(`the output '${graph.output}' is not a layer`);
  },
});
