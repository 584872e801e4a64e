/**
 * `spikec nir check`: validates any NIR file with the reference package's rules (node types, required and
 * unexpected fields, dtypes, shapes, type inference over edges — see read.ts and types.ts), lists every problem
 * it can find (not only the first), reports the reference's known quirks and legacy defaults as warnings, and
 * summarizes the graph (nodes by type, edges, shapes, parameter counts).
 * Files that are not HDF5, not NIR, or damaged throw InputError (exit 2).
 */
import type { NirGraph, NirNode } from "./graph.js";
import { type TreeGroup, readHdf5Tree } from "./h5tree.js";
import type { NirIssue } from "./issues.js";
import { decodeNirTree } from "./read.js";
import { type GraphTypes, type Shape, inferTypes } from "./types.js";
import { type NirTensor, isFloat } from "./tensor.js";

export interface NodeSummary {
  path: string;
  type: string;
  input: Shape;
  output: Shape;
  /** Number of values in the node's parameter arrays. */
  parameters: number;
  /** dtypes of its parameter arrays ("float32", "float64", "int64"…), deduplicated. */
  dtypes: string[];
}

export interface NirCheckReport {
  file: string;
  valid: boolean;
  version: string | null;
  errors: NirIssue[];
  warnings: NirIssue[];
  summary: {
    /** All nodes, subgraphs and their inner nodes included. */
    nodes: number;
    nodesByType: Record<string, number>;
    /** All edges, inner edges of subgraphs included. */
    edges: number;
    subgraphs: number;
    parameters: number;
    inputs: { name: string; shape: number[] }[];
    outputs: { name: string; shape: number[] }[];
    nodeList: NodeSummary[];
  };
}

const dtypeOf = (t: NirTensor): string => t.data.constructor.name.replace("Array", "").replace("BigInt", "int").replace("Float", "float").replace("Int", "int").replace("Uint", "uint").replace("BigUint", "uint");

function tensorsOf(node: NirNode): [string, NirTensor][] {
  return Object.entries(node).filter((e): e is [string, NirTensor] => e[0] !== "metadata" && typeof e[1] === "object" && e[1] !== null && "data" in e[1] && ArrayBuffer.isView(e[1].data));
}

/** Warnings that need the raw file: legacy defaults filled in, attributes ignored. */
function fileWarnings(g: TreeGroup, path: string, out: NirIssue[]): void {
  if (g.attributes.length) out.push({ severity: "warning", node: path, message: `HDF5 attributes (${g.attributes.join(", ")}) are ignored by NIR readers` });
  const nodes = g.children.get("nodes");
  if (!nodes || nodes.kind !== "group") return;
  for (const [name, child] of nodes.children) {
    if (child.kind !== "group") continue;
    const p = path ? `${path}/${name}` : name;
    const typeDs = child.children.get("type");
    const type = typeDs?.kind === "dataset" && typeDs.dtype.class === "string" ? (typeDs.value as string[])[0] : undefined;
    const has = (f: string): boolean => child.children.has(f);
    if ((type === "IF" || type === "LIF" || type === "CubaLIF") && !has("v_reset")) {
      out.push({ severity: "warning", node: p, field: "v_reset", message: "v_reset is missing (a file from before nir 1.0.6): read as zeros" });
    }
    if ((type === "CubaLI" || type === "CubaLIF") && !has("w_in")) out.push({ severity: "warning", node: p, field: "w_in", message: "w_in is missing: read as ones" });
    if (type === "Flatten") {
      for (const [f, d] of [["start_dim", 1], ["end_dim", -1]] as const) {
        if (!has(f)) out.push({ severity: "warning", node: p, field: f, message: `${f} is missing: the reference defaults it to ${d}${f === "start_dim" ? " (PyTorch's batch convention; NIR shapes have no batch dim, so this keeps dim 0)" : ""}` });
      }
    }
    if (name.includes(".")) out.push({ severity: "warning", node: p, message: "node name contains '.', which NIRTorch-based importers rename to '_'" });
    if (type === "NIRGraph") fileWarnings(child, p, out);
    else if (child.attributes.length) out.push({ severity: "warning", node: p, message: `HDF5 attributes (${child.attributes.join(", ")}) are ignored by NIR readers` });
  }
}

function summarize(graph: NirGraph, gt: GraphTypes, prefix: string, s: NirCheckReport["summary"], warnings: NirIssue[]): void {
  s.edges += graph.edges.length;
  for (const [name, node] of graph.nodes) {
    const path = prefix + name;
    s.nodes++;
    s.nodesByType[node.type] = (s.nodesByType[node.type] ?? 0) + 1;
    const tensors = tensorsOf(node);
    const parameters = tensors.reduce((a, [, t]) => a + t.data.length, 0);
    s.parameters += parameters;
    for (const [field, t] of tensors) {
      if (!isFloat(t)) warnings.push({ severity: "warning", node: path, field, message: `parameter '${field}' is ${dtypeOf(t)}: the reference accepts it, but framework importers expect float32 or float64` });
    }
    const types = gt.types.get(name) ?? { input: null, output: null };
    s.nodeList.push({ path, type: node.type, input: types.input, output: types.output, parameters, dtypes: [...new Set(tensors.map(([, t]) => dtypeOf(t)))] });
    if (!prefix && node.type === "Input") s.inputs.push({ name, shape: node.shape });
    if (!prefix && node.type === "Output") s.outputs.push({ name, shape: node.shape });
    if (node.type === "NIRGraph") {
      s.subgraphs++;
      summarize(node, gt.subgraphs.get(name) ?? { types: new Map(), subgraphs: new Map() }, path + "/", s, warnings);
    }
  }
}

export async function checkNir(path: string): Promise<NirCheckReport> {
  const tree = await readHdf5Tree(path);
  const issues: NirIssue[] = [];
  const { graph, version } = decodeNirTree(tree, path, issues);
  const node = tree.children.get("node");
  if (tree.attributes.length) issues.push({ severity: "warning", node: "", message: `root attributes (${tree.attributes.join(", ")}) are ignored by NIR readers` });
  if (node?.kind === "group") fileWarnings(node, "", issues);
  if (!tree.children.has("version")) issues.push({ severity: "warning", node: "", field: "version", message: "no /version dataset (informational only; the reference reader does not need it)" });
  // Type inference only means something on a fully decoded graph: with broken nodes it would report cascades.
  const decodedOk = !issues.some((i) => i.severity === "error");
  return checkGraph(graph, path, version, issues, decodedOk);
}

/** The types and summary of a decoded graph, `issues` (the decoding's) extended with what inference finds. */
function checkGraph(graph: NirGraph, file: string, version: string | null, issues: NirIssue[], infer = true): NirCheckReport {
  const gt = infer ? inferTypes(graph, issues) : { types: new Map(), subgraphs: new Map() };
  const summary: NirCheckReport["summary"] = { nodes: 0, nodesByType: {}, edges: 0, subgraphs: 0, parameters: 0, inputs: [], outputs: [], nodeList: [] };
  summarize(graph, gt, "", summary, issues);
  const errors = issues.filter((i) => i.severity === "error");
  return { file, valid: errors.length === 0, version, errors, warnings: issues.filter((i) => i.severity === "warning"), summary };
}

/**
 * checkNir's verdict on a graph about to be written (export nir, --emit nir): what the same file would get from
 * `spikec nir check`, e.g. the reference package's type-inference quirks that would make it reject the file.
 */
export function checkNirGraph(graph: NirGraph, file: string): NirCheckReport {
  return checkGraph(graph, file, null, []);
}
