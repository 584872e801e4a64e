/**
 * push-affine-through-maxpool
 * Matches: a MaxPool whose input is an affine with per-channel (or scalar) scale κ and shift β.
 * Rewrites: maxpool(κ·x + β) → κ·signed-maxpool(x) + β. For κ_c > 0 channel c stays a max pool; for κ_c < 0 it
 * becomes a min pool (channelSign −1: the paper's MaxMinPool); for κ_c = 0 the channel is the constant β_c whatever
 * the pool gives. Padding is −∞ (+∞ for a min pool) and never wins, so borders need no correction.
 * Why: BatchNorm after ReLU and before a pool must reach the next linear layer to be folded (fold-affine-forward).
 */
import { describeOrigin, type AffineNode, type MaxPoolNode } from "../graph.js";
import { channelScale, channelShift } from "./affine.js";
import { defineAnnPass, untilFixedPoint } from "./ann-pass.js";

const pushable = (a: AffineNode) => channelScale(a) !== null && channelShift(a) !== null;

export const pushAffineThroughMaxpool = defineAnnPass({
  name: "push-affine-through-maxpool",
  description: "move a per-channel affine from before a max pool to after it (negative scales turn the channel into a min pool)",
  apply: (editor) =>
    untilFixedPoint(editor, (ed) => {
      const pool = ed.all().find((n) => {
        if (n.kind !== "maxpool") return false;
        const a = ed.get(n.inputs[0]);
        return a.kind === "affine" && pushable(a);
      }) as MaxPoolNode | undefined;
      if (!pool) return null;
      const a = ed.get(pool.inputs[0]) as AffineNode;
      const kappa = channelScale(a)!;
      const beta = channelShift(a)!;
      const signed: MaxPoolNode = {
        ...pool,
        id: ed.freshId(pool.id),
        inputs: [a.inputs[0]],
        channelSign: pool.channelSign.map((s, c) => (kappa[c] < 0 ? -s : s)),
      };
      ed.add(signed, a.id);
      // The pool's id now names the moved affine, so readers of the pool are unchanged.
      const after: AffineNode = { kind: "affine", id: pool.id, inputs: [signed.id], shape: pool.shape, origin: a.origin, per: "channel", scale: kappa, shift: beta };
      ed.set(after);
      if (ed.useCount(a.id) === 0) ed.remove(a.id);
      const flipped = kappa.filter((k) => k < 0).length;
      return `${describeOrigin(a)} moved after ${describeOrigin(pool)}${flipped > 0 ? ` (${flipped} channels become min pools)` : ""}`;
    }),
  postcondition(graph) {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    for (const n of graph.nodes) {
      const a = byId.get(n.inputs[0] ?? "");
      if (n.kind === "maxpool" && a?.kind === "affine" && pushable(a)) throw new Error(`max pool '${n.id}' still reads affine '${a.id}'`);
    }
  },
});
