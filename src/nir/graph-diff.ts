/**
 * The first place where two NIR graphs differ in what they compute: node names, node types, parameter values and
 * shapes, edges (counted: a repeated edge is summed). Metadata is not compared (it is non-normative in NIR). Values are compared exactly, after
 * widening every number to float64 (a file read back holds the dtypes it was written with, int64 as bigint).
 */
import type { NirGraph, NirNode } from "./graph.js";
import type { NirTensor } from "./tensor.js";

export interface GraphDifference {
  /** Node path ("a/b" inside subgraphs), or "(edges)". */
  node: string;
  field?: string;
  detail: string;
}

const isTensor = (x: unknown): x is NirTensor => typeof x === "object" && x !== null && "data" in x && "shape" in x;

const show = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(17).replace(/\.?0+(e|$)/, "$1"));

function tensorDifference(a: NirTensor, b: NirTensor): string | null {
  if (a.shape.join(",") !== b.shape.join(",")) return `shape [${b.shape.join(", ")}], expected [${a.shape.join(", ")}]`;
  for (let i = 0; i < a.data.length; i++) {
    const x = Number(a.data[i]!);
    const y = Number(b.data[i]!);
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return `value ${show(y)} at flat index ${i}, expected ${show(x)}`;
  }
  return null;
}

function valueDifference(a: unknown, b: unknown): string | null {
  if (isTensor(a) && isTensor(b)) return tensorDifference(a, b);
  if (isTensor(a) !== isTensor(b)) return "a different kind of value";
  const norm = (x: unknown) => (typeof x === "bigint" ? Number(x) : Array.isArray(x) ? JSON.stringify(x.map((v) => (typeof v === "bigint" ? Number(v) : v))) : x);
  return norm(a) === norm(b) ? null : `${String(norm(b))}, expected ${String(norm(a))}`;
}

function nodeDifference(path: string, a: NirNode, b: NirNode): GraphDifference | null {
  if (a.type !== b.type) return { node: path, detail: `is a ${b.type}, expected ${a.type}` };
  if (a.type === "NIRGraph" && b.type === "NIRGraph") return graphDifference(a, b, `${path}/`);
  const fa = a as unknown as Record<string, unknown>;
  const fb = b as unknown as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(fa), ...Object.keys(fb)])].filter((f) => f !== "type" && f !== "metadata").sort();
  for (const field of fields) {
    if (!(field in fb)) return { node: path, field, detail: "is missing" };
    if (!(field in fa)) return { node: path, field, detail: "is not expected" };
    const d = valueDifference(fa[field], fb[field]);
    if (d) return { node: path, field, detail: d };
  }
  return null;
}

/** Where `actual` differs from `expected`, or null when they describe the same system. */
export function graphDifference(expected: NirGraph, actual: NirGraph, prefix = ""): GraphDifference | null {
  for (const name of [...expected.nodes.keys()].sort()) if (!actual.nodes.has(name)) return { node: prefix + name, detail: "is missing" };
  for (const name of [...actual.nodes.keys()].sort()) if (!expected.nodes.has(name)) return { node: prefix + name, detail: "is not expected" };
  for (const [name, node] of expected.nodes) {
    const d = nodeDifference(prefix + name, node, actual.nodes.get(name)!);
    if (d) return d;
  }
  // A multiset: several edges into a node are summed, so a repeated edge changes what the graph computes.
  const count = (edges: [string, string][]) => {
    const m = new Map<string, number>();
    for (const [s, t] of edges) m.set(`${s} → ${t}`, (m.get(`${s} → ${t}`) ?? 0) + 1);
    return m;
  };
  const want = count(expected.edges);
  const have = count(actual.edges);
  for (const e of [...new Set([...want.keys(), ...have.keys()])].sort()) {
    const w = want.get(e) ?? 0;
    const h = have.get(e) ?? 0;
    if (h < w) return { node: `${prefix}(edges)`, detail: w === 1 ? `edge ${e} is missing` : `edge ${e} appears ${h} times, expected ${w}` };
    if (h > w) return { node: `${prefix}(edges)`, detail: w === 0 ? `edge ${e} is not expected` : `edge ${e} appears ${h} times, expected ${w}` };
  }
  return null;
}
