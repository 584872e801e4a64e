/**
 * A working copy of an ANN graph for the rewrite passes.
 *
 * Nodes are treated as immutable values: a rewrite replaces a node with a new object (and new arrays), so the graph a
 * pass started from is never changed and can still be executed to check the rewrite. The editor keeps the node order
 * loosely while rewriting and restores a topological order (stable: original order where possible) in `finish`.
 */
import { InputError } from "../../util/errors.js";
import type { AnnGraph, AnnNode } from "../graph.js";

export class GraphEditor {
  private readonly nodes = new Map<string, AnnNode>();
  private order: string[];
  output: string;
  readonly notes: string[];
  private fresh = 0;

  constructor(readonly graph: AnnGraph) {
    for (const n of graph.nodes) this.nodes.set(n.id, n);
    this.order = graph.nodes.map((n) => n.id);
    this.output = graph.output;
    this.notes = [...graph.notes];
  }

  get(id: string): AnnNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`graph editor: no node '${id}'`);
    return n;
  }

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  /** Nodes in the current order (a snapshot: safe to edit while iterating). */
  all(): AnnNode[] {
    return this.order.map((id) => this.nodes.get(id)!);
  }

  /** Ids of the nodes that read `id`, once per read (a node reading it twice appears twice). */
  consumers(id: string): AnnNode[] {
    const out: AnnNode[] = [];
    for (const n of this.all()) for (const i of n.inputs) if (i === id) out.push(n);
    return out;
  }

  /** Distinct consumer nodes plus whether the value is the graph output. */
  uses(id: string): { nodes: AnnNode[]; isOutput: boolean } {
    const seen = new Set<string>();
    const nodes = this.consumers(id).filter((n) => !seen.has(n.id) && (seen.add(n.id), true));
    return { nodes, isOutput: this.output === id };
  }

  /** Number of reads of `id`, counting the graph output as one. */
  useCount(id: string): number {
    return this.consumers(id).length + (this.output === id ? 1 : 0);
  }

  /** Replaces the node with the same id. */
  set(node: AnnNode): void {
    if (!this.nodes.has(node.id)) throw new Error(`graph editor: replacing unknown node '${node.id}'`);
    this.nodes.set(node.id, node);
  }

  /** Adds a new node right after `after` (or at the end); `finish` fixes the order if needed. */
  add(node: AnnNode, after?: string): void {
    if (this.nodes.has(node.id)) throw new Error(`graph editor: duplicate node id '${node.id}'`);
    this.nodes.set(node.id, node);
    const at = after === undefined ? -1 : this.order.indexOf(after);
    if (at < 0) this.order.push(node.id);
    else this.order.splice(at + 1, 0, node.id);
  }

  remove(id: string): void {
    this.nodes.delete(id);
    this.order = this.order.filter((x) => x !== id);
  }

  /** A node id not used yet, derived from `base`. */
  freshId(base: string): string {
    let id: string;
    do id = `${base}~${++this.fresh}`;
    while (this.nodes.has(id));
    return id;
  }

  /**
   * Makes every reader of `from` (and the graph output) read `to` instead. `except` keeps some readers as they are
   * (typically the node that now computes `to` from `from`). Layer term sources are renamed with their inputs.
   */
  replaceUses(from: string, to: string, except: ReadonlySet<string> = new Set()): void {
    for (const n of this.all()) {
      if (except.has(n.id) || !n.inputs.includes(from)) continue;
      const inputs = n.inputs.map((i) => (i === from ? to : i));
      if (n.kind === "layer") this.set({ ...n, inputs, terms: n.terms.map((t) => (t.source === from ? { ...t, source: to } : t)) });
      else this.set({ ...n, inputs });
    }
    if (this.output === from) this.output = to;
  }

  /** The rewritten graph, in topological order. */
  finish(): AnnGraph {
    return { ...this.graph, nodes: topologicalOrder(this.all()), output: this.output, notes: this.notes };
  }
}

/** Stable topological sort (Kahn, always taking the earliest ready node of the given order). */
function topologicalOrder(nodes: AnnNode[]): AnnNode[] {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const pending = nodes.map((n) => new Set(n.inputs.filter((i) => index.has(i))).size);
  const readers = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    for (const src of new Set(n.inputs)) if (index.has(src)) readers.set(src, [...(readers.get(src) ?? []), i]);
  });
  const ready = nodes.map((_, i) => i).filter((i) => pending[i] === 0);
  const out: AnnNode[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    out.push(nodes[i]);
    for (const r of readers.get(nodes[i].id) ?? []) if (--pending[r] === 0) ready.push(r);
  }
  if (out.length !== nodes.length) {
    const stuck = nodes.filter((n) => !out.includes(n)).map((n) => `'${n.id}'`);
    throw new InputError(`the graph has a cycle through ${stuck.join(", ")}`, "export the model again; ONNX graphs must be acyclic");
  }
  return out;
}
