/**
 * The shape shared by every ANN rewrite pass: a `Pass<AnnGraph, AnnGraph>` that can also say what it rewrote,
 * and whose verifier checks the generic graph invariants plus the pass's own postcondition.
 */
import type { Pass } from "../../util/pass.js";
import type { AnnGraph, Origin } from "../graph.js";
import { verifyGraph } from "../verify.js";
import { VerifyError } from "../../util/errors.js";
import { GraphEditor } from "./editor.js";

/** What one pass run changed, for the canonicalization log. */
export interface PassLog {
  pass: string;
  /** One line per rewrite, naming the ONNX nodes involved. */
  rewrites: string[];
}

export interface AnnPass extends Pass<AnnGraph, AnnGraph> {
  /** Runs the pass and reports its rewrites (an empty list: nothing matched, the graph is returned unchanged). */
  rewrite(graph: AnnGraph): { graph: AnnGraph; rewrites: string[] };
}

export interface AnnPassSpec {
  name: string;
  description: string;
  /** Applies the rewrites to the editor; returns one line per rewrite. */
  apply(editor: GraphEditor): string[];
  /** Throws when the pass's postcondition does not hold on its output (the generic invariants are checked too). */
  postcondition(graph: AnnGraph): void;
}

export function defineAnnPass(spec: AnnPassSpec): AnnPass {
  const rewrite = (graph: AnnGraph) => {
    const editor = new GraphEditor(graph);
    const rewrites = spec.apply(editor);
    return { graph: rewrites.length > 0 ? editor.finish() : graph, rewrites };
  };
  return {
    name: spec.name,
    description: spec.description,
    rewrite,
    run: (graph) => rewrite(graph).graph,
    verify: (graph) => {
      verifyGraph(graph);
      spec.postcondition(graph);
    },
  };
}

/**
 * Runs `pass` on `graph` as a pipeline stage: its output must satisfy its verifier (a failure is a VerifyError naming
 * the pass), and its rewrites go to `log`. Returns the graph, the same object when nothing matched.
 */
export function applyAnnPass(pass: AnnPass, graph: AnnGraph, log: PassLog[]): AnnGraph {
  const { graph: next, rewrites } = pass.rewrite(graph);
  if (rewrites.length === 0) return graph;
  try {
    pass.verify(next);
  } catch (e) {
    throw new VerifyError(pass.name, e instanceof Error ? e.message : String(e));
  }
  log.push({ pass: pass.name, rewrites });
  return next;
}

/**
 * Applies `step` until it finds nothing more to rewrite (it returns null then); collects the rewrite lines.
 * `step` must make progress on every non-null return, or this loops forever; the guard turns that bug into an error.
 */
export function untilFixedPoint(editor: GraphEditor, step: (editor: GraphEditor) => string | null): string[] {
  const lines: string[] = [];
  for (let guard = 0; ; guard++) {
    if (guard > 100_000) throw new Error("rewrite did not reach a fixed point");
    const line = step(editor);
    if (line === null) return lines;
    lines.push(line);
  }
}

/** The union of origin lists, first occurrence kept: the ONNX nodes a merged node came from. */
export const mergeOrigins = (...lists: Origin[][]): Origin[] => {
  const seen = new Set<string>();
  return lists.flat().filter((o) => {
    const key = `${o.name}\u0000${o.op}`;
    return !seen.has(key) && (seen.add(key), true);
  });
};
