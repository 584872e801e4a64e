/**
 * reorder-maxpool-relu
 * Matches: Relu whose input is a MaxPool (signed or not).
 * Rewrites: relu(maxpool(x)) → maxpool(relu(x)); the old pool stays only if something else reads it.
 * Why: ReLU is monotone, so it commutes with max and min (padding is −∞ / +∞ and never wins); with the ReLU first
 * it can fuse into the layer before the pool, and the pool then works on spike times of non-negative activations.
 */
import type { ReluNode } from "../graph.js";
import { describeOrigin } from "../graph.js";
import { defineAnnPass, untilFixedPoint } from "./ann-pass.js";

export const reorderMaxpoolRelu = defineAnnPass({
  name: "reorder-maxpool-relu",
  description: "move a ReLU from after a max pool to before it (they commute)",
  apply(editor) {
    return untilFixedPoint(editor, (ed) => {
      const relu = ed.all().find((n) => n.kind === "relu" && ed.get(n.inputs[0]).kind === "maxpool");
      if (!relu) return null;
      const pool = ed.get(relu.inputs[0]);
      if (pool.kind !== "maxpool") return null;
      const x = ed.get(pool.inputs[0]);
      const early: ReluNode = { kind: "relu", id: ed.freshId(relu.id), inputs: [x.id], shape: x.shape, origin: relu.origin };
      ed.add(early, x.id);
      // The ReLU's id now names the pool, so every reader of the ReLU reads the reordered pair unchanged.
      ed.set({ ...pool, id: relu.id, inputs: [early.id], origin: pool.origin });
      if (ed.useCount(pool.id) === 0) ed.remove(pool.id);
      return `${describeOrigin(relu)} moved before ${describeOrigin(pool)}`;
    });
  },
  postcondition(graph) {
    const kinds = new Map(graph.nodes.map((n) => [n.id, n.kind]));
    const bad = graph.nodes.find((n) => n.kind === "relu" && kinds.get(n.inputs[0]) === "maxpool");
    if (bad) throw new Error(`relu '${bad.id}' still reads a max pool`);
  },
});
