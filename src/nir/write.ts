/**
 * NIR graph → HDF5, in the reference writer's layout (shared/spec/nir.md §2): `/version` (vlen UTF-8 scalar),
 * `/node` the root NIRGraph with `type`, `edges` ([E, 2] vlen strings; an empty list is a float64 (0,) array as
 * h5py writes it), `nodes/<name>/…` and `metadata/…` only when non-empty. Parameters keep their dtype (write
 * float32 or float64), shapes are int64 1-D, groups/start_dim/end_dim int64 scalars, Conv2d stride/padding/
 * dilation/input_shape int64 [2] (contiguous, as tuples are), arrays gzip-compressed in one chunk like the
 * reference since 1.0.8.dev (optional: the reader accepts either). No HDF5 attributes.
 * One difference that no reader sees: h5wasm pads vlen UTF-8 strings with "space pad" where h5py says "null term".
 */
import { readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { ensureFolder, outputPlace, tempPathFor, writeErrorOf, writeFileAtomic } from "../io/atomic.js";
import { InputError } from "../util/errors.js";
import { basename, dirname, join } from "node:path";
import type { NirGraph, NirNode } from "./graph.js";
import { type DatasetSpec, type GroupSpec, hdf5Reason, writeHdf5Tree } from "./h5tree.js";
import { NODE_FIELDS } from "./fields.js";
import { type NirMetadata, isMetadataDict } from "./metadata.js";
import type { NirNumericArray, NirTensor } from "./tensor.js";

export interface WriteOptions {
  /** `/version`; the NIR release whose format this follows. */
  version?: string;
  /** gzip numeric arrays like the current reference (default true). */
  compress?: boolean;
}

export const NIR_FORMAT_VERSION = "1.0.7";

const group = (): GroupSpec => ({ kind: "group", children: new Map() });
const str = (s: string): DatasetSpec => ({ kind: "dataset", dtype: "S", shape: [], data: [s] });
const int64Scalar = (v: number | bigint): DatasetSpec => ({ kind: "dataset", dtype: "<q", shape: [], data: BigInt64Array.of(BigInt(v)) });
const int64Array = (v: readonly number[], compress: boolean): DatasetSpec => ({
  kind: "dataset",
  dtype: "<q",
  shape: [v.length],
  data: BigInt64Array.from(v, (x) => BigInt(x)),
  compress,
});

/** A tensor as a dataset of its own dtype (small integer types widen to int32/int64, which h5wasm writes). */
function tensorDataset(t: NirTensor, compress: boolean): DatasetSpec {
  const d = t.data;
  let dtype: DatasetSpec["dtype"];
  let data: NirNumericArray = d;
  if (d instanceof Float32Array) dtype = "<f";
  else if (d instanceof Float64Array) dtype = "<d";
  else if (d instanceof BigInt64Array) dtype = "<q";
  else if (d instanceof BigUint64Array || d instanceof Uint32Array) {
    dtype = "<q";
    data = BigInt64Array.from(d as ArrayLike<number | bigint>, (x) => BigInt(x));
  } else {
    dtype = "<i";
    data = d instanceof Int32Array ? d : Int32Array.from(d as ArrayLike<number>);
  }
  return { kind: "dataset", dtype, shape: [...t.shape], data, compress };
}

function metadataGroup(m: NirMetadata, compress: boolean): GroupSpec {
  const g = group();
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === "string") g.children.set(k, str(v));
    else if (typeof v === "number") g.children.set(k, { kind: "dataset", dtype: "<d", shape: [], data: Float64Array.of(v) });
    else if (typeof v === "bigint") g.children.set(k, int64Scalar(v));
    else if (Array.isArray(v)) g.children.set(k, { kind: "dataset", dtype: "S", shape: [v.length], data: [...v] });
    else if (isMetadataDict(v)) g.children.set(k, metadataGroup(v, compress));
    else g.children.set(k, tensorDataset(v, compress));
  }
  return g;
}

function nodeGroup(node: NirNode, compress: boolean): GroupSpec {
  if (node.type === "NIRGraph") return graphGroup(node, compress);
  const g = group();
  g.children.set("type", str(node.type));
  const values = node as unknown as Record<string, unknown>;
  for (const spec of NODE_FIELDS[node.type]) {
    const v = values[spec.name];
    if (v === null || v === undefined) {
      if (spec.required) throw new Error(`cannot write ${node.type} without '${spec.name}' (the reference reader requires it; infer it first)`);
      continue;
    }
    const c = compress && spec.compressed;
    if (spec.kind === "tensor") g.children.set(spec.name, tensorDataset(v as NirTensor, c));
    else if (typeof v === "string") g.children.set(spec.name, str(v));
    else if (typeof v === "number") g.children.set(spec.name, int64Scalar(v));
    else g.children.set(spec.name, int64Array(v as number[], c));
  }
  if (Object.keys(node.metadata).length) g.children.set("metadata", metadataGroup(node.metadata, compress));
  return g;
}

function graphGroup(graph: NirGraph, compress: boolean): GroupSpec {
  const g = group();
  g.children.set("type", str("NIRGraph"));
  g.children.set(
    "edges",
    graph.edges.length
      ? { kind: "dataset", dtype: "S", shape: [graph.edges.length, 2], data: graph.edges.flat() }
      : { kind: "dataset", dtype: "<d", shape: [0], data: new Float64Array(0) },
  );
  const nodes = group();
  for (const [name, node] of graph.nodes) nodes.children.set(name, nodeGroup(node, compress));
  g.children.set("nodes", nodes);
  if (Object.keys(graph.metadata).length) g.children.set("metadata", metadataGroup(graph.metadata, compress));
  return g;
}

/** The HDF5 tree of a graph (what writeNir writes; exposed for layout tests). */
export function encodeNirTree(graph: NirGraph, options: WriteOptions = {}): GroupSpec {
  const root = group();
  root.children.set("version", str(options.version ?? NIR_FORMAT_VERSION));
  root.children.set("node", graphGroup(graph, options.compress ?? true));
  return root;
}

export async function writeNir(path: string, graph: NirGraph, options: WriteOptions = {}): Promise<void> {
  await writeHdf5Tree(path, encodeNirTree(graph, options));
}

/**
 * writeNir, atomically: HDF5 goes to a temporary file in the target's folder, renamed over the target when
 * complete (a crash or a failed write leaves the old file or none, never half a file). Uncompressed by default,
 * as nir 1.0.7 (the version we write) does: float64 weights barely compress, and gzip of a ResNet-sized graph
 * would take minutes; every reference reader accepts both.
 */
export async function writeNirFile(path: string, graph: NirGraph, options: WriteOptions = {}): Promise<void> {
  const place = outputPlace(path);
  // A special file (a device, a FIFO) gets the bytes of a finished file; a temporary beside it may not be possible.
  const beside = place.direct ? join(tmpdir(), basename(path)) : place.file;
  ensureFolder(dirname(beside));
  const tmp = tempPathFor(beside);
  try {
    await writeNir(tmp, graph, { compress: false, ...options });
    if (place.direct) writeFileAtomic(place.file, readFileSync(tmp));
    else renameSync(tmp, place.file);
  } catch (e) {
    // A full disk, a size limit, a name too long: the user's to fix (exit 2), not a bug.
    if (e instanceof InputError) throw new InputError(`cannot write ${path}: ${e.message.replace(/^[^:]*\.tmp: /, "")}`, e.hint);
    if ((e as NodeJS.ErrnoException).code !== undefined) throw writeErrorOf(path, e);
    throw new InputError(`cannot write ${path}: HDF5 failed (${hdf5Reason(e)})`, "check that the folder is writable, the disk not full and no file size limit is hit");
  } finally {
    rmSync(tmp, { force: true });
  }
}
