/**
 * HDF5 → NIR graph, with the reference reader's rules (shared/spec/nir.md §2–3): the root group `node` must be a
 * NIRGraph; every node group holds a scalar string `type` and exactly the datasets its constructor takes
 * (unknown ones and missing required ones are errors); dtypes are kept as stored; strings may be vlen UTF-8 or
 * fixed-length ASCII; `v_reset` missing → zeros, `w_in` missing → ones (legacy files); Flatten `start_dim`
 * missing → 1 (the reference's default), `end_dim` → −1. Attributes are ignored.
 */
import { InputError } from "../util/errors.js";
import { type NirEdge, type NirGraph, type NirNode, type NirNodeType, NIR_NODE_TYPES, nirGraph } from "./graph.js";
import { type TreeDataset, type TreeGroup, readHdf5Tree } from "./h5tree.js";
import { type FieldSpec, NODE_FIELDS } from "./fields.js";
import { type NirIssue, NirDecodeError, describeIssue } from "./issues.js";
import type { NirMetadata } from "./metadata.js";
import { affine } from "./nodes/affine.js";
import { avgPool2d } from "./nodes/avgpool2d.js";
import { conv1d } from "./nodes/conv1d.js";
import { conv2d } from "./nodes/conv2d.js";
import { cubaLI } from "./nodes/cubali.js";
import { cubaLIF } from "./nodes/cubalif.js";
import { delay } from "./nodes/delay.js";
import { flatten } from "./nodes/flatten.js";
import { ifNeuron } from "./nodes/if.js";
import { input } from "./nodes/input.js";
import { integrator } from "./nodes/integrator.js";
import { li } from "./nodes/li.js";
import { lif } from "./nodes/lif.js";
import { linear } from "./nodes/linear.js";
import { output } from "./nodes/output.js";
import { scale } from "./nodes/scale.js";
import { sumPool2d } from "./nodes/sumpool2d.js";
import { threshold } from "./nodes/threshold.js";
import { type NirTensor, NirFieldError, fmtShape } from "./tensor.js";

type FieldValue = NirTensor | number[] | number | string;
type Fields = Record<string, FieldValue | undefined>;

/** Builds each primitive from its decoded fields with the node's own constructor (which checks shapes). */
/* eslint-disable @typescript-eslint/no-explicit-any */
const BUILDERS: Record<Exclude<NirNodeType, "NIRGraph">, (v: any, metadata: NirMetadata) => NirNode> = {
  Input: (v, m) => input(v.shape, m),
  Output: (v, m) => output(v.shape, m),
  Affine: (v, m) => affine(v.weight, v.bias, m),
  Linear: (v, m) => linear(v.weight, m),
  Scale: (v, m) => scale(v.scale, m),
  Conv1d: (v, m) => conv1d({ ...v, metadata: m }),
  Conv2d: (v, m) => conv2d({ ...v, metadata: m }),
  SumPool2d: (v, m) => sumPool2d({ ...v, metadata: m }),
  AvgPool2d: (v, m) => avgPool2d({ ...v, metadata: m }),
  Flatten: (v, m) => flatten({ ...v, metadata: m }),
  Delay: (v, m) => delay(v.delay, m),
  Threshold: (v, m) => threshold(v.threshold, m),
  I: (v, m) => integrator({ ...v, metadata: m }),
  IF: (v, m) => ifNeuron({ ...v, metadata: m }),
  LI: (v, m) => li({ ...v, metadata: m }),
  LIF: (v, m) => lif({ ...v, metadata: m }),
  CubaLI: (v, m) => cubaLI({ ...v, metadata: m }),
  CubaLIF: (v, m) => cubaLIF({ ...v, metadata: m }),
};
/* eslint-enable @typescript-eslint/no-explicit-any */

const dtypeName = (d: TreeDataset): string =>
  d.dtype.class === "string" ? `${d.dtype.vlen ? "vlen" : "fixed-length"} string` : `${d.dtype.class}${d.dtype.size * 8}`;

function decodeField(spec: FieldSpec, d: TreeDataset): FieldValue {
  const fail = (what: string): never => {
    throw new NirFieldError(spec.name, `'${spec.name}' must be ${what}, got ${dtypeName(d)} of shape ${fmtShape(d.shape)}`);
  };
  const isNumeric = d.dtype.class === "int" || d.dtype.class === "float";
  const ints = (): number[] => Array.from(d.value as ArrayLike<number | bigint>, (x) => Number(x));
  switch (spec.kind) {
    case "tensor":
      if (!isNumeric) fail("a float array");
      return { data: d.value as NirTensor["data"], shape: [...d.shape] };
    case "shape":
      if (d.dtype.class !== "int" || d.shape.length !== 1) fail("a 1-D integer array");
      return ints();
    case "pair":
      if (d.dtype.class !== "int" || d.shape.length > 1) fail("an integer scalar (both axes) or a 1-D integer array");
      return d.shape.length === 0 ? [ints()[0]!, ints()[0]!] : ints();
    case "int":
      if (d.dtype.class !== "int" || d.shape.length !== 0) fail("an integer scalar");
      return ints()[0]!;
    case "padding":
    case "ints":
      if (spec.kind === "padding" && d.dtype.class === "string") {
        const s = (d.value as string[])[0];
        if (d.shape.length !== 0 || (s !== "same" && s !== "valid")) fail("ints or the scalar string 'same' or 'valid'");
        return s!;
      }
      if (d.dtype.class !== "int" || d.shape.length > 1) fail("an integer scalar or 1-D array");
      return d.shape.length === 0 ? ints()[0]! : ints();
  }
}

/** The node's `metadata` group as a plain dict (string, number, bigint, string list, tensor, nested dict). */
export function decodeMetadata(g: TreeGroup): NirMetadata {
  const out: NirMetadata = {};
  for (const [k, v] of g.children) {
    if (v.kind === "group") out[k] = decodeMetadata(v);
    else if (v.dtype.class === "string") out[k] = v.shape.length === 0 ? (v.value as string[])[0]! : (v.value as string[]);
    else if (v.shape.length === 0 && ArrayBuffer.isView(v.value)) {
      const x = (v.value as ArrayLike<number | bigint>)[0]!;
      out[k] = typeof x === "bigint" ? x : v.dtype.class === "int" ? BigInt(x) : x;
    } else if (ArrayBuffer.isView(v.value)) out[k] = { data: v.value, shape: [...v.shape] };
  }
  return out;
}

function scalarString(d: TreeDataset | TreeGroup | undefined): string | undefined {
  if (!d || d.kind !== "dataset" || d.dtype.class !== "string" || d.shape.length !== 0) return undefined;
  return (d.value as string[])[0];
}

function decodeEdges(d: TreeDataset | TreeGroup | undefined, path: string): NirEdge[] {
  const bad = (msg: string): never => {
    throw new NirDecodeError([{ severity: "error", node: path, field: "edges", message: msg }]);
  };
  if (!d) return bad("the graph has no 'edges' dataset");
  if (d.kind !== "dataset") return bad("'edges' must be a dataset, not a group");
  const n = d.shape.reduce((a, b) => a * b, 1);
  if (n === 0) return []; // h5py writes an empty edge list as a float64 array of shape (0,)
  if (d.dtype.class !== "string" || d.shape.length !== 2 || d.shape[1] !== 2) {
    return bad(`'edges' must be an [E, 2] array of node-name strings, got ${dtypeName(d)} of shape ${fmtShape(d.shape)}`);
  }
  const v = d.value as string[];
  const edges: NirEdge[] = [];
  for (let i = 0; i < v.length; i += 2) edges.push([v[i]!, v[i + 1]!]);
  return edges;
}

/**
 * Decodes one node group. `issues`, when given, collects problems of nested nodes instead of stopping at the
 * first one (the checker's mode); problems of this node itself are thrown as one NirDecodeError.
 */
export function decodeNode(g: TreeGroup, path: string, issues?: NirIssue[]): NirNode {
  const err = (field: string | undefined, message: string): NirIssue => ({ severity: "error", node: path, ...(field ? { field } : {}), message });
  const typeEntry = g.children.get("type");
  const type = scalarString(typeEntry);
  if (type === undefined) {
    const why = !typeEntry
      ? "the node group has no 'type' dataset"
      : "'type' must be a scalar string dataset (a 1-element array fails the reference's type-name comparison)";
    throw new NirDecodeError([err("type", why)]);
  }
  if (!(NIR_NODE_TYPES as readonly string[]).includes(type)) {
    throw new NirDecodeError([err("type", `unknown node type '${type}' (NIR types: ${NIR_NODE_TYPES.join(", ")})`)]);
  }
  const metaEntry = g.children.get("metadata");
  const metadata = metaEntry?.kind === "group" ? decodeMetadata(metaEntry) : {};
  if (type === "NIRGraph") return decodeGraph(g, path, issues);

  const specs = NODE_FIELDS[type as Exclude<NirNodeType, "NIRGraph">];
  const problems: NirIssue[] = [];
  for (const name of g.children.keys()) {
    if (name === "type" || name === "metadata") continue;
    if (!specs.some((s) => s.name === name)) {
      problems.push(err(name, `unexpected dataset '${name}' for a ${type} node (its fields: ${specs.map((s) => s.name).join(", ")}); the reference reader rejects it`));
    }
  }
  const values: Fields = {};
  for (const spec of specs) {
    const entry = g.children.get(spec.name);
    if (!entry) {
      if (spec.required) problems.push(err(spec.name, `required field '${spec.name}' of ${type} is missing`));
      continue;
    }
    if (entry.kind !== "dataset") {
      problems.push(err(spec.name, `'${spec.name}' must be a dataset, not a group`));
      continue;
    }
    try {
      values[spec.name] = decodeField(spec, entry);
    } catch (e) {
      if (!(e instanceof NirFieldError)) throw e;
      problems.push(err(e.field, e.message));
    }
  }
  if (problems.length) throw new NirDecodeError(problems);
  try {
    return BUILDERS[type as Exclude<NirNodeType, "NIRGraph">](values, metadata);
  } catch (e) {
    if (e instanceof NirFieldError) throw new NirDecodeError([err(e.field, e.message)]);
    throw e;
  }
}

/** Decodes a NIRGraph group: its nodes (alphabetical, as HDF5 indexes them), edges and metadata. */
export function decodeGraph(g: TreeGroup, path: string, issues?: NirIssue[]): NirGraph {
  const nodesGroup = g.children.get("nodes");
  const problems: NirIssue[] = [];
  const nodes = new Map<string, NirNode>();
  const failed = new Set<string>();
  if (!nodesGroup || nodesGroup.kind !== "group") {
    problems.push({ severity: "error", node: path, field: "nodes", message: "the graph has no 'nodes' group" });
  } else {
    for (const [name, child] of nodesGroup.children) {
      const childPath = path ? `${path}/${name}` : name;
      if (child.kind !== "group") {
        problems.push({ severity: "error", node: childPath, message: "a node must be an HDF5 group, found a dataset" });
        failed.add(name);
        continue;
      }
      try {
        nodes.set(name, decodeNode(child, childPath, issues));
      } catch (e) {
        if (!(e instanceof NirDecodeError) || !issues) throw e;
        issues.push(...e.issues);
        failed.add(name);
      }
    }
  }
  for (const name of g.children.keys()) {
    if (!["type", "nodes", "edges", "metadata", "input_type", "output_type"].includes(name)) {
      problems.push({ severity: "error", node: path, field: name, message: `unexpected entry '${name}' in a NIRGraph group` });
    }
  }
  let edges: NirEdge[] = [];
  try {
    edges = decodeEdges(g.children.get("edges"), path);
  } catch (e) {
    if (!(e instanceof NirDecodeError)) throw e;
    problems.push(...e.issues);
  }
  for (const [a, b] of edges) {
    for (const end of [a, b]) {
      if (nodes.has(end) || failed.has(end)) continue;
      const hint = end.includes(".") ? " (the dotted 'graph.node' port notation of the docs is not supported by the reference reader)" : "";
      problems.push({ severity: "error", node: path, field: "edges", message: `edge (${a} → ${b}) names node '${end}', which is not in the graph${hint}` });
    }
  }
  if (problems.length) {
    if (!issues) throw new NirDecodeError(problems);
    issues.push(...problems);
  }
  const metaEntry = g.children.get("metadata");
  const metadata = metaEntry?.kind === "group" ? decodeMetadata(metaEntry) : {};
  const okEdges = edges.filter(([a, b]) => nodes.has(a) && nodes.has(b));
  return nirGraph(nodes, okEdges, metadata);
}

export interface NirFile {
  graph: NirGraph;
  /** `/version`: the writer's package version (informational; the reference reader ignores it). */
  version: string | null;
}

/** Decodes a whole file tree: `/node` must be a NIRGraph. */
export function decodeNirTree(root: TreeGroup, file: string, issues?: NirIssue[]): NirFile {
  const node = root.children.get("node");
  if (!node || node.kind !== "group") {
    const found = [...root.children.keys()].slice(0, 8).join(", ") || "nothing";
    throw new InputError(`${file}: an HDF5 file but not a NIR graph: it has no '/node' group (top level holds: ${found})`, "pass a file written by nir.write or by `spikec export nir`");
  }
  const type = scalarString(node.children.get("type"));
  if (type !== "NIRGraph") {
    throw new InputError(`${file}: not a NIR graph: '/node/type' is ${type === undefined ? "missing or not a scalar string" : `'${type}'`}, the reference reader requires 'NIRGraph'`, "pass a file written by nir.write or by `spikec export nir`");
  }
  const versionEntry = root.children.get("version");
  return { graph: decodeGraph(node, "", issues), version: scalarString(versionEntry) ?? null };
}

/** Reads a NIR file; every decoding problem becomes an InputError naming the file, node and field. */
export async function readNirFile(path: string): Promise<NirFile> {
  const tree = await readHdf5Tree(path);
  try {
    return decodeNirTree(tree, path);
  } catch (e) {
    if (e instanceof NirDecodeError) {
      throw new InputError(`${path}: ${e.issues.map(describeIssue).join("; ")}`, "run `spikec nir check` on the file for the full list of problems");
    }
    throw e;
  }
}

export async function readNir(path: string): Promise<NirGraph> {
  return (await readNirFile(path)).graph;
}
