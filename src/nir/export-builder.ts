/**
 * The mutable state of one NIR export: nodes with unique names, edges, the not-expressible list, and which node
 * emits each population's spikes. Shared by export.ts (populations) and clocks.ts (clock signals).
 */
import { product } from "../ann/graph.js";
import type { NirEdge, NirNode } from "./graph.js";
import { type NirTensor, f64, tensor } from "./tensor.js";

export const full = (shape: readonly number[], value: number): NirTensor<Float64Array> => f64(new Float64Array(product(shape)).fill(value), shape);
export const int64s = (v: readonly number[]): NirTensor<BigInt64Array> => tensor(BigInt64Array.from(v, (x) => BigInt(x)), [v.length]);

export class ExportBuilder {
  readonly nodes = new Map<string, NirNode>();
  readonly edges: NirEdge[] = [];
  readonly notExpressible = new Set<string>();
  /** Population id → the node that emits its spikes. */
  readonly spikeNode = new Map<string, string>();

  unique(base: string): string {
    let name = base;
    for (let i = 1; this.nodes.has(name); i++) name = `${base}_${i}`;
    return name;
  }
  add(base: string, node: NirNode): string {
    const name = this.unique(base);
    this.nodes.set(name, node);
    return name;
  }
  edge(a: string, b: string): void {
    this.edges.push([a, b]);
  }
}
