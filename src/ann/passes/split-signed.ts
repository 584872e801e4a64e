/**
 * split-signed (fallback: runs only when no other pass applies)
 * Matches: a layer L without ReLU, not the graph output, with more than two terms, that every reader could merge
 * exactly but at least one may not because of merge-linear's term budget — in practice a residual-stream Add of a
 * pre-activation ResNet, which every later Add (and every BN → ReLU copy of them) would otherwise inline.
 * Rewrites: when L is provably ≥ 0 it simply gets its ReLU (exact). Otherwise L = relu(L) − relu(−L): two rectified
 * copies P = relu(L) and N = relu(−L) (weights and bias negated) become spiking layers, and L keeps its id as the
 * linear layer 1·P − 1·N, which merges into every reader as two identity terms.
 * Why: exact, and it bounds the terms per layer: the readers read two cheap identity terms instead of all of L's
 * convolutions, at the cost of 2× L's neurons. The two copies sit beside the readers, not on the way to them, so the
 * network gets no deeper.
 */
import { describeOrigin, type AnnGraph, type LayerNode } from "../graph.js";
import { defineAnnPass, untilFixedPoint, type AnnPass } from "./ann-pass.js";
import { GraphEditor } from "./editor.js";
import { withinTermBudget } from "./merge-linear.js";
import { nonNegativeAnalysis } from "./nonnegative.js";
import { absorbed } from "./rectify-nonnegative.js";
import { channelsOf, scaleOutputs } from "./term-algebra.js";

export function splitSigned(options: { inputNonNegative: boolean }): AnnPass {
  const candidates = (ed: GraphEditor): LayerNode[] =>
    ed.all().filter((n): n is LayerNode => {
      if (n.kind !== "layer" || n.relu || n.id === ed.output || n.terms.length <= 2 || !absorbed(ed, n.id)) return false;
      return ed.consumers(n.id).some((c) => c.kind === "layer" && !withinTermBudget(n, c));
    });
  return defineAnnPass({
    name: "split-signed",
    description: "materialize a linear layer that would be inlined into too many terms as relu(x) − relu(−x)",
    apply: (editor) =>
      untilFixedPoint(editor, (ed) => {
        const layer = candidates(ed)[0];
        if (!layer) return null;
        if (nonNegativeAnalysis((id) => ed.get(id), options.inputNonNegative)(layer.id)) {
          ed.set({ ...layer, relu: true });
          return `${describeOrigin(layer)} is ≥ 0 for every input: it becomes a spiking layer instead of being inlined into its readers`;
        }
        const minus = new Float64Array(channelsOf(layer.shape)).fill(-1);
        const pos: LayerNode = { ...layer, id: ed.freshId(`${layer.id}/+`), relu: true };
        const neg: LayerNode = {
          ...layer,
          id: ed.freshId(`${layer.id}/-`),
          terms: layer.terms.map((t) => scaleOutputs(t, minus, layer.shape)),
          bias: layer.bias.map((b) => -b),
          relu: true,
        };
        ed.add(pos, layer.id);
        ed.add(neg, pos.id);
        const ones = new Float64Array(channelsOf(layer.shape)).fill(1);
        ed.set({
          ...layer,
          inputs: [pos.id, neg.id],
          terms: [
            { kind: "identity", source: pos.id, weight: ones },
            { kind: "identity", source: neg.id, weight: minus },
          ],
          bias: new Float64Array(layer.bias.length),
        });
        return (
          `${describeOrigin(layer)} (${layer.terms.length} terms, no ReLU) is read as relu(x) − relu(−x): two spiking layers, ` +
          `so its readers do not inline all its terms`
        );
      }),
    postcondition(graph: AnnGraph) {
      const left = candidates(new GraphEditor(graph));
      if (left.length > 0) throw new Error(`layer '${left[0].id}' is still kept from merging by the term budget`);
    },
  });
}
