/**
 * merge-linear
 * Matches: a layer term whose source is a layer without ReLU (two linear maps with nothing nonlinear between them:
 * dense∘dense, dense∘(flatten)∘conv or pool, conv∘conv, an Add of linear branches, an Add of activations read by a
 * linear layer, an average pool read by the next dense layer — the ResNet head W' = W/(H·W) tiled).
 * Rewrites: the term is replaced by its composition with each of the inner layer's terms, and the outer bias gains
 * the term applied to the inner bias map (zero padding included). Only exact compositions are made (term-algebra.ts
 * says which); the others are left for the non-negativity rule or reported as errors at the end. A merge that would
 * give the outer layer more than MAX_MERGED_TERMS terms is not made when the inner layer has more than two terms:
 * otherwise a chain of Adds without ReLU (the residual stream of a pre-activation ResNet) inlines every earlier Add,
 * and the term count grows with depth; split-signed materializes such a layer instead.
 * Why: the SNN encodes only non-negative activations, so a layer without ReLU can only be the readout.
 */
import { describeOrigin, type AnnNode, type LayerNode, type Term } from "../graph.js";
import { defineAnnPass, mergeOrigins, untilFixedPoint } from "./ann-pass.js";
import type { GraphEditor } from "./editor.js";
import { applyToImage, compositionObstacle, composeTerms } from "./term-algebra.js";

export const mergeLinear = defineAnnPass({
  name: "merge-linear",
  description: "merge a layer without ReLU into the layers that read it, where one layer computes both exactly",
  apply: (editor) => untilFixedPoint(editor, step),
  postcondition(graph) {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    for (const n of graph.nodes) {
      if (n.kind !== "layer") continue;
      for (const t of n.terms) {
        const inner = byId.get(t.source)!;
        if (mergeable(inner, n) && withinTermBudget(inner, n) && mergeObstacle(t, inner, n, (id) => byId.get(id)!.shape) === null)
          throw new Error(`layer '${inner.id}' could still merge into '${n.id}'`);
      }
    }
  },
});

const mergeable = (inner: AnnNode, outer: LayerNode): inner is LayerNode => inner.kind === "layer" && !inner.relu && inner.id !== outer.id;

/** The most terms a merge may leave in one layer when the inner layer has more than two terms. */
export const MAX_MERGED_TERMS = 4;

/**
 * False when merging `inner` into one term of `outer` would exceed MAX_MERGED_TERMS. An inner layer with at most two
 * terms always merges (the ± pair split-signed leaves behind must, or splitting would never end).
 */
export const withinTermBudget = (inner: LayerNode, outer: LayerNode): boolean =>
  inner.terms.length <= 2 || outer.terms.length - 1 + inner.terms.length <= MAX_MERGED_TERMS;

/** Why `outer`'s term `t` cannot absorb the layer `inner` it reads, or null when it can. */
export function mergeObstacle(t: Term, inner: LayerNode, outer: LayerNode, shapeOf: (id: string) => number[]): string | null {
  for (const u of inner.terms) {
    const why = compositionObstacle(t, u, shapeOf(u.source), inner.shape, outer.shape);
    if (why !== null) return why;
  }
  return null;
}

function step(ed: GraphEditor): string | null {
  for (const outer of ed.all()) {
    if (outer.kind !== "layer") continue;
    for (let k = 0; k < outer.terms.length; k++) {
      const t = outer.terms[k];
      const inner = ed.get(t.source);
      if (!mergeable(inner, outer) || !withinTermBudget(inner, outer) || mergeObstacle(t, inner, outer, (id) => ed.get(id).shape) !== null) continue;
      const composed = inner.terms.map((u) => {
        const c = composeTerms(t, u, ed.get(u.source).shape, inner.shape, outer.shape);
        if (!c.ok) throw new Error(`merge-linear: ${c.reason}`);
        return c.term;
      });
      const bias = applyToImage(t, inner.bias, inner.shape, outer.shape);
      const terms = [...outer.terms.slice(0, k), ...composed, ...outer.terms.slice(k + 1)];
      ed.set({
        ...outer,
        terms,
        inputs: terms.map((x) => x.source),
        bias: outer.bias.map((b, i) => b + bias[i]),
        origin: mergeOrigins(outer.origin, inner.origin),
      });
      if (ed.useCount(inner.id) === 0) ed.remove(inner.id);
      return `${describeOrigin(inner)} merged into ${describeOrigin(outer)}`;
    }
  }
  return null;
}
