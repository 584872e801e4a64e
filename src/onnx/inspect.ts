/** `spikec inspect`: what the importer sees in a model, node by node, without stopping at the first problem. */
import { dirname } from "node:path";
import { type NodeReport, readModelFile, walkModel } from "./import.js";
import { canonicalize } from "../ann/canonicalize.js";
import { InputError } from "../util/errors.js";

export interface ModelReport {
  file: string;
  opset: number;
  /** Input shape without batch. */
  inputShape: number[];
  nodes: NodeReport[];
  /** True when every node is supported and the whole model imports. */
  importable: boolean;
  /** The import error when the nodes look fine but the model as a whole does not import (e.g. Softmax not last). */
  error?: string;
}

export function inspectModel(path: string): ModelReport {
  return inspectModelBytes(readModelFile(path), path, dirname(path));
}

export function inspectModelBytes(bytes: Uint8Array, name: string, dir?: string): ModelReport {
  const src = { file: name, dir };
  const walk = walkModel(bytes, src, true);
  let error = walk.error;
  // Every node imports, but the graph may still not map (a padded Conv into a Conv without a ReLU between them, a
  // per-pixel normalization before a Conv): canonicalize says so now, as compile would, not only when compiling.
  if (walk.graph) {
    try {
      canonicalize(walk.graph);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      error = e.message.replace(`${name}: `, "");
    }
  }
  return { file: name, opset: walk.opset, inputShape: walk.inputShape, nodes: walk.rows, importable: walk.graph !== null && error === undefined, error };
}
