/**
 * remove-dead
 * Matches: nodes whose value never reaches the graph output (the input node is always kept).
 * Rewrites: removes them.
 * Why: folding leaves the folded nodes behind; a dead node would become SNN neurons nobody reads.
 */
import type { AnnGraph } from "../graph.js";
import { defineAnnPass } from "./ann-pass.js";

/** Ids of the nodes the output depends on. */
export function liveIds(graph: Pick<AnnGraph, "nodes" | "output">): Set<string> {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const live = new Set<string>();
  const stack = [graph.output];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    stack.push(...(byId.get(id)?.inputs ?? []));
  }
  return live;
}

export const removeDead = defineAnnPass({
  name: "remove-dead",
  description: "remove nodes that do not reach the graph output",
  apply(editor) {
    const live = liveIds({ nodes: editor.all(), output: editor.output });
    const lines: string[] = [];
    for (const n of editor.all())
      if (!live.has(n.id) && n.kind !== "input") {
        editor.remove(n.id);
        lines.push(`removed '${n.id}' (${n.kind})`);
      }
    return lines;
  },
  postcondition(graph) {
    const live = liveIds(graph);
    const dead = graph.nodes.find((n) => !live.has(n.id) && n.kind !== "input");
    if (dead) throw new Error(`node '${dead.id}' does not reach the output`);
  },
});
