/**
 * Which activations are provably ≥ 0 for every input: ReLU'd layers, max/min pools of such values, concats of them,
 * the normalized input x̂ ∈ [0, 1] when an input range is given, and layers without ReLU whose terms have non-negative
 * weights over such values and a non-negative bias (an average pool or a plain Add of activations). On those a ReLU
 * changes nothing, so a pooling or Add layer can be made a spiking layer exactly.
 */
import type { AnnNode } from "../graph.js";

export function nonNegativeAnalysis(get: (id: string) => AnnNode, inputNonNegative: boolean): (id: string) => boolean {
  const memo = new Map<string, boolean>();
  const check = (id: string): boolean => {
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    memo.set(id, false); // the graph is acyclic; this only guards against bugs
    const n = get(id);
    let r: boolean;
    switch (n.kind) {
      case "input":
        r = inputNonNegative;
        break;
      case "relu":
        r = true;
        break;
      case "maxpool":
      case "flatten":
      case "concat":
        r = n.inputs.every(check);
        break;
      case "layer":
        r = n.relu || (n.bias.every((b) => b >= 0) && n.terms.every((t) => t.weight.every((w) => w >= 0) && check(t.source)));
        break;
      default:
        r = false;
    }
    memo.set(id, r);
    return r;
  };
  return check;
}
