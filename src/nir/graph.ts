/**
 * The NIR graph as typed data (the model is the reference Python package `nir`, shared/spec/nir.md §1).
 * A graph is a set of named nodes and directed edges (source, target); several edges into one node are summed.
 * Every node describes a continuous-time system; spikes are Dirac pulses of area 1. A NIRGraph can itself be a
 * node (a subgraph, keyed by its inner Input and Output nodes). Field names are NIR's own (snake_case) because
 * they map one to one onto the datasets of the HDF5 file; serialization lives in read.ts / write.ts.
 */
import type { NirMetadata } from "./metadata.js";
import type { Affine } from "./nodes/affine.js";
import type { AvgPool2d } from "./nodes/avgpool2d.js";
import type { Conv1d } from "./nodes/conv1d.js";
import type { Conv2d } from "./nodes/conv2d.js";
import type { CubaLI } from "./nodes/cubali.js";
import type { CubaLIF } from "./nodes/cubalif.js";
import type { Delay } from "./nodes/delay.js";
import type { Flatten } from "./nodes/flatten.js";
import type { IF } from "./nodes/if.js";
import type { Input } from "./nodes/input.js";
import type { I } from "./nodes/integrator.js";
import type { LI } from "./nodes/li.js";
import type { LIF } from "./nodes/lif.js";
import type { Linear } from "./nodes/linear.js";
import type { Output } from "./nodes/output.js";
import type { Scale } from "./nodes/scale.js";
import type { SumPool2d } from "./nodes/sumpool2d.js";
import type { Threshold } from "./nodes/threshold.js";
import { NirFieldError } from "./tensor.js";

export type { Affine, AvgPool2d, Conv1d, Conv2d, CubaLI, CubaLIF, Delay, Flatten, IF, Input, I, LI, LIF, Linear, Output, Scale, SumPool2d, Threshold };

export type NirPrimitive =
  | Input
  | Output
  | Affine
  | Linear
  | Scale
  | Conv1d
  | Conv2d
  | SumPool2d
  | AvgPool2d
  | Flatten
  | Delay
  | Threshold
  | I
  | IF
  | LI
  | LIF
  | CubaLI
  | CubaLIF;

export type NirNode = NirPrimitive | NirGraph;
export type NirNodeType = NirNode["type"];

export type NirEdge = [source: string, target: string];

export interface NirGraph {
  type: "NIRGraph";
  nodes: Map<string, NirNode>;
  edges: NirEdge[];
  metadata: NirMetadata;
}

/** The 18 serialisable `type` strings (17 primitives + NIRGraph), as the reference registers them. */
export const NIR_NODE_TYPES: readonly NirNodeType[] = [
  "Input",
  "Output",
  "Affine",
  "Linear",
  "Scale",
  "Conv1d",
  "Conv2d",
  "SumPool2d",
  "AvgPool2d",
  "Flatten",
  "Delay",
  "Threshold",
  "I",
  "IF",
  "LI",
  "LIF",
  "CubaLI",
  "CubaLIF",
  "NIRGraph",
];

/**
 * A graph. Node names must be non-empty and free of '/' (they become HDF5 group names); every edge must name
 * existing nodes (the reference rejects dangling edges when it type-checks).
 */
export function nirGraph(nodes: Map<string, NirNode> | Record<string, NirNode>, edges: NirEdge[], metadata: NirMetadata = {}): NirGraph {
  const map = nodes instanceof Map ? new Map(nodes) : new Map(Object.entries(nodes));
  for (const name of map.keys()) {
    if (name === "" || name.includes("/") || name === "." || name === "..") {
      throw new NirFieldError("nodes", `node name '${name}' cannot be an HDF5 group name (empty, '.', '..' or containing '/')`);
    }
  }
  for (const [a, b] of edges) {
    for (const end of [a, b]) {
      if (!map.has(end)) throw new NirFieldError("edges", `edge (${a} → ${b}) names node '${end}', which is not in the graph`);
    }
  }
  return { type: "NIRGraph", nodes: map, edges: edges.map(([a, b]) => [a, b]), metadata };
}

/** Nodes with their path from the root ("rnn/lif" for a node of subgraph "rnn"), depth first. */
export function* walkNodes(graph: NirGraph, prefix = ""): Generator<[path: string, node: NirNode]> {
  for (const [name, node] of graph.nodes) {
    const path = prefix + name;
    yield [path, node];
    if (node.type === "NIRGraph") yield* walkNodes(node, path + "/");
  }
}
