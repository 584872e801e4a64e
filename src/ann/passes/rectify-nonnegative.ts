/**
 * rectify-nonnegative (fallback: runs only when no other pass applies)
 * Matches: a layer without ReLU that is not the graph output, that something other than a mergeable layer term reads
 * (a max pool, or a conv that cannot absorb it exactly), and whose value is provably ≥ 0 (nonnegative.ts): typically an
 * average pool of activations before a padded conv, or an Add of two activations before a pool.
 * Rewrites: sets relu=true on it.
 * Why: relu(x) = x for x ≥ 0, so this is exact, and it turns the layer into one the SNN can encode with spike times.
 */
import { describeOrigin, type AnnGraph } from "../graph.js";
import { defineAnnPass, untilFixedPoint, type AnnPass } from "./ann-pass.js";
import { GraphEditor } from "./editor.js";
import { mergeObstacle } from "./merge-linear.js";
import { nonNegativeAnalysis } from "./nonnegative.js";

export function rectifyNonNegative(options: { inputNonNegative: boolean }): AnnPass {
  const candidates = (ed: GraphEditor) => {
    const nonNeg = nonNegativeAnalysis((id) => ed.get(id), options.inputNonNegative);
    return ed.all().filter((n) => n.kind === "layer" && !n.relu && n.id !== ed.output && !absorbed(ed, n.id) && nonNeg(n.id));
  };
  return defineAnnPass({
    name: "rectify-nonnegative",
    description: "turn a non-negative layer without ReLU (average pool, Add of activations) into a ReLU layer, which is exact",
    apply: (editor) =>
      untilFixedPoint(editor, (ed) => {
        const n = candidates(ed)[0];
        if (!n || n.kind !== "layer") return null;
        ed.set({ ...n, relu: true });
        return `${describeOrigin(n)} is ≥ 0 for every input, so it becomes a spiking layer (its ReLU is exact)`;
      }),
    postcondition(graph: AnnGraph) {
      const left = candidates(new GraphEditor(graph));
      if (left.length > 0) throw new Error(`layer '${left[0].id}' is non-negative and unabsorbed but still has no ReLU`);
    },
  });
}

/** True when every reader of the layer is a layer term that can merge it exactly. */
export function absorbed(ed: GraphEditor, id: string): boolean {
  const inner = ed.get(id);
  if (inner.kind !== "layer") return false;
  return ed.consumers(id).every(
    (c) => c.kind === "layer" && c.terms.every((t) => t.source !== id || mergeObstacle(t, inner, c, (x) => ed.get(x).shape) === null),
  );
}
