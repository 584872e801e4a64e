/**
 * fold-affine-backward
 * Matches: an affine (BatchNormalization before a ReLU, a Mul/Add by constants) whose input is a layer without ReLU,
 * when its scale is per channel (or scalar, or per element of a vector layer).
 * Rewrites: the affine is folded into the layer: every term's output channel c is scaled by κ_c and the bias becomes
 * κ ⊙ b + β (Eqs. 7–8 of the exact-mapping paper, for any term kind). When other nodes also read the layer, the
 * folded layer is a copy — only done when the affine feeds a ReLU or is the graph output, where nothing else can
 * absorb it.
 * Why: the affine disappears into weights the mapping already handles, and a ReLU after it can then fuse.
 */
import { describeOrigin, type AffineNode, type AnnGraph, type AnnNode, type LayerNode } from "../graph.js";
import { affineMaps, channelScale } from "./affine.js";
import { defineAnnPass, mergeOrigins, untilFixedPoint } from "./ann-pass.js";
import type { GraphEditor } from "./editor.js";
import { scaleOutputs } from "./term-algebra.js";

export const foldAffineBackward = defineAnnPass({
  name: "fold-affine-backward",
  description: "fold an affine (e.g. BatchNorm before a ReLU) into the weights and bias of the layer that produces its input",
  apply: (editor) => untilFixedPoint(editor, step),
  postcondition(graph) {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    const uses = useCounts(graph);
    for (const n of graph.nodes) {
      if (n.kind !== "affine") continue;
      const p = byId.get(n.inputs[0])!;
      if (foldable(n, p) && uses.get(p.id) === 1) throw new Error(`affine '${n.id}' could still fold into layer '${p.id}'`);
    }
  },
});

function useCounts(graph: AnnGraph): Map<string, number> {
  const uses = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  uses.set(graph.output, (uses.get(graph.output) ?? 0) + 1);
  return uses;
}

function foldable(a: AffineNode, p: AnnNode): p is LayerNode {
  return p.kind === "layer" && !p.relu && channelScale(a) !== null;
}

function step(ed: GraphEditor): string | null {
  for (const a of ed.all()) {
    if (a.kind !== "affine") continue;
    const p = ed.get(a.inputs[0]);
    if (!foldable(a, p)) continue;
    const alone = ed.useCount(p.id) === 1;
    // A shared layer is copied only where forward folding cannot take the affine instead.
    if (!alone && !(ed.output === a.id || ed.consumers(a.id).some((c) => c.kind === "relu"))) continue;
    const folded = fold(a, p);
    if (alone) {
      ed.set({ ...folded, id: p.id });
      ed.replaceUses(a.id, p.id);
      ed.remove(a.id);
      return `${describeOrigin(a)} folded into ${describeOrigin(p)}`;
    }
    ed.set({ ...folded, id: a.id });
    return `${describeOrigin(a)} folded into a copy of ${describeOrigin(p)} (the layer has other readers)`;
  }
  return null;
}

function fold(a: AffineNode, p: LayerNode): LayerNode {
  const kappa = channelScale(a)!;
  const { scale, shift } = affineMaps(a);
  return {
    ...p,
    terms: p.terms.map((t) => scaleOutputs(t, kappa, p.shape)),
    bias: p.bias.map((b, i) => scale[i] * b + shift[i]),
    origin: mergeOrigins(p.origin, a.origin),
  };
}
