/**
 * ONNX → ANN graph: decode, bind initializers and the input, walk the nodes in order through the op handlers,
 * then check the output (a single activation; a Softmax only at the very end) and drop unused nodes.
 */
import { readRegularFile } from "../io/regular-file.js";
import { dirname } from "node:path";
import type { AnnGraph, AnnNode, InputNode } from "../ann/graph.js";
import { InputError } from "../util/errors.js";
import { DependsOnUnsupported, ImportContext, type Value } from "./context.js";
import { decodeModel, decodeTensor, type ModelProto, opsetVersion } from "./decode.js";
import type { ModelSource } from "./source.js";
import { OP_HANDLERS } from "./ops/index.js";
import { refuseUnknownAttributes } from "./ops/known-attributes.js";
import { dtypeName, int64ToNumber, type Int64 } from "./tensor.js";

const MIN_OPSET = 11;
const MAX_TESTED_OPSET = 21;

/** One row per ONNX node: what the importer saw and whether it can import it. */
export interface NodeReport {
  name: string;
  op: string;
  /** Input shapes, batch axis as "N" (constants show their full dims). */
  inputShapes: string[];
  outputShape: string;
  supported: boolean;
  /** Why not (or what the node becomes). */
  reason: string;
}

export interface WalkResult {
  graph: AnnGraph | null;
  rows: NodeReport[];
  opset: number;
  inputShape: number[];
  /** Model-level import error (inspect mode). */
  error?: string;
}

export function importOnnx(path: string): AnnGraph {
  return importOnnxBytes(readModelFile(path), path, dirname(path));
}

export function importOnnxBytes(bytes: Uint8Array, name: string, dir?: string): AnnGraph {
  const src = { file: name, dir };
  try {
    return walkModel(bytes, src, false).graph!;
  } catch (e) {
    throw e instanceof InputError ? withOtherUnsupported(e, bytes, src) : e;
  }
}

/**
 * The first unsupported node can be a helper an exporter wrote for a layer (LSTM's zero state, GroupNorm's reshape),
 * so the refusal also names the other unsupported nodes the inspect walk finds: the layer's own is among them.
 */
function withOtherUnsupported(e: InputError, bytes: Uint8Array, src: ModelSource): InputError {
  let rows: NodeReport[];
  try {
    rows = walkModel(bytes, src, true).rows;
  } catch {
    return e;
  }
  const others = rows.filter((r) => !r.supported && !e.message.includes(`node '${r.name}' (${r.op})`)).map((r) => `'${r.name}' (${r.op})`);
  if (others.length === 0) return e;
  const shown = others.slice(0, 6).join(", ") + (others.length > 6 ? `, and ${others.length - 6} more` : "");
  return new InputError(e.message, `${e.hint}${/[.!]$/.test(e.hint) ? "" : "."} Other nodes spikec cannot import in this model: ${shown} (spikec inspect lists every node).`);
}

export function readModelFile(path: string): Uint8Array {
  try {
    return readRegularFile(path);
  } catch (e) {
    throw new InputError(`cannot read model ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, "check the path");
  }
}

const showShape = (v: Value | undefined): string =>
  !v ? "?" : v.kind === "activation" ? `[N, ${v.shape.join(", ")}]` : v.kind === "constant" ? `[${v.tensor.dims.join(", ")}]` : "?";

/**
 * The import proper. With `inspect`, a node that cannot be imported is reported in its row and the walk goes on
 * (its outputs become unknown); without, the first such node throws.
 */
/** What to do about an op spikec has no handler for; `final` when the node writes a graph output. */
function unsupportedHint(op: string, final: boolean): string {
  if (final && /^(Sigmoid|LogSoftmax|Softmax|Tanh)$/.test(op)) return `export logits: drop the final ${op} (the readout's potentials are the logits; a final Softmax is accepted)`;
  if (op === "Erf") return "Erf is how GELU exports (x·Φ(x)); GELU has no exact single-spike mapping: retrain with ReLU";
  if (/^(Sigmoid|Tanh|LeakyRelu|PRelu|Elu|Selu|Gelu|HardSigmoid|HardSwish|Softplus|Mish|Swish|Celu)$/.test(op)) return "the exact single-spike mapping needs ReLU activations; retrain with ReLU";
  return "rewrite the model with supported ops";
}

/**
 * Every tensor has one producer (ONNX graphs are in single-assignment form): a node output that repeats a graph
 * input, an initializer or another node's output is refused here, naming both, not met later as an internal error.
 */
function refuseTwoProducers(graph: NonNullable<ModelProto["graph"]>, src: ModelSource): void {
  const producer = new Map<string, string>();
  // An initializer may also be listed as a graph input (IR < 4 exporters): one tensor, not two producers.
  for (const t of graph.initializer ?? []) {
    // Two initializers of one name: onnxruntime takes the first, a last-wins reader the second; no model means both.
    if (producer.has(t.name ?? ""))
      throw new InputError(`${src.file}: initializer '${t.name}' is defined twice`, "the graph is not valid ONNX (every tensor has one producer); export the model again");
    producer.set(t.name ?? "", `initializer '${t.name}'`);
  }
  for (const i of graph.input ?? []) if (!producer.has(i.name ?? "")) producer.set(i.name ?? "", `graph input '${i.name}'`);
  for (const node of graph.node ?? []) {
    const by = `node '${node.name || "(unnamed)"}' (${node.opType})`;
    for (const o of node.output ?? []) {
      if (!o) continue;
      const first = producer.get(o);
      if (first !== undefined)
        throw new InputError(`${src.file}: tensor '${o}' is produced twice, by ${first} and by ${by}`, "the graph is not valid ONNX (every tensor has one producer); export the model again");
      producer.set(o, by);
    }
  }
}

export function walkModel(bytes: Uint8Array, src: ModelSource, inspect: boolean): WalkResult {
  const model = decodeModel(bytes, src);
  const graph = model.graph!;
  const opset = opsetVersion(model);
  if (opset < MIN_OPSET)
    throw new InputError(`${src.file}: opset ${opset} is older than ${MIN_OPSET}, the oldest spikec reads`, "export again with opset_version between 11 and 21");

  const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ""));
  const inputs = (graph.input ?? []).filter((i) => !initializerNames.has(i.name ?? ""));
  if (inputs.length !== 1)
    throw new InputError(
      `${src.file}: the model has ${inputs.length} data inputs (${inputs.map((i) => i.name).join(", ")}); spikec needs exactly one`,
      "export a model with a single image or vector input",
    );
  refuseTwoProducers(graph, src);
  const { shape: inputShape, batchFixed } = inputShapeOf(model, src);
  const ctx = new ImportContext(src, opset, batchFixed);
  if (opset > MAX_TESTED_OPSET) ctx.notes.push(`opset ${opset} is newer than ${MAX_TESTED_OPSET}, the newest spikec was tested with`);

  const inputName = inputs[0].name ?? "input";
  const input = ctx.emit<InputNode>({ kind: "input", id: inputName, inputs: [], shape: inputShape, origin: [{ name: inputName, op: "input" }] });
  ctx.values.set(inputName, { kind: "activation", id: input.id, shape: inputShape });

  const used = new Set<string>();
  for (const node of graph.node ?? []) for (const i of node.input ?? []) if (i) {
    used.add(i);
    ctx.consumers.set(i, (ctx.consumers.get(i) ?? 0) + 1);
  }
  const outputNames = (graph.output ?? []).map((o) => o.name ?? "");
  for (const o of outputNames) ctx.consumers.set(o, (ctx.consumers.get(o) ?? 0) + 1);
  for (const t of graph.initializer ?? [])
    if (used.has(t.name ?? "") || outputNames.includes(t.name ?? ""))
      ctx.values.set(t.name ?? "", { kind: "constant", tensor: decodeTensor(t, `initializer '${t.name}'`, src) });

  const rows: NodeReport[] = [];
  for (const node of graph.node ?? []) {
    const n = ctx.at(node);
    const row: NodeReport = {
      name: n.name,
      op: n.op,
      inputShapes: (node.input ?? []).filter((i) => i).map((i) => showShape(ctx.values.get(i))),
      outputShape: "?",
      supported: true,
      reason: "",
    };
    rows.push(row);
    try {
      const handler = node.domain && node.domain !== "ai.onnx" ? undefined : OP_HANDLERS[n.op];
      if (!handler) throw n.error(`op ${node.domain ? `${node.domain}.` : ""}${n.op} is not supported`, unsupportedHint(n.op, (node.output ?? []).some((o) => outputNames.includes(o))));
      refuseUnknownAttributes(n);
      handler(n);
      row.outputShape = showShape(ctx.values.get(node.output?.[0] ?? ""));
    } catch (e) {
      if (!inspect) throw e;
      const fromHere = !(e instanceof DependsOnUnsupported);
      row.supported = !fromHere && n.op in OP_HANDLERS;
      row.reason = e instanceof InputError ? e.message.replace(`${src.file}: node '${n.name}' (${n.op}): `, "") : (e as Error).message;
      // Downstream nodes name the unsupported node at the root, not the supported ones in between.
      const root = e instanceof DependsOnUnsupported ? e.root : `'${n.name}' (${n.op})`;
      for (const o of node.output ?? []) if (o) ctx.values.set(o, { kind: "unknown", from: root });
    }
  }
  if (inspect && rows.some((r) => !r.supported || r.reason)) return { graph: null, rows, opset, inputShape };
  try {
    const annGraph = finish(ctx, outputNames, src, inputName);
    return { graph: annGraph, rows, opset, inputShape };
  } catch (e) {
    if (!inspect) throw e;
    return { graph: null, rows, opset, inputShape, error: (e as Error).message };
  }
}

/** Model-level checks once every node is imported: one activation output, Softmax only last; unused nodes dropped. */
function finish(ctx: ImportContext, outputNames: string[], src: ModelSource, inputName: string): AnnGraph {
  if (outputNames.length !== 1)
    throw new InputError(`${src.file}: the model has ${outputNames.length} outputs (${outputNames.join(", ")}); spikec needs exactly one`, "export a model with a single output");
  const out = ctx.values.get(outputNames[0]);
  if (!out || out.kind !== "activation")
    throw new InputError(`${src.file}: the output '${outputNames[0]}' is ${out ? "a constant" : "not produced by any node"}`, "export the model again");
  for (const [id, node] of ctx.softmaxNodes)
    if (id !== out.id)
      throw ctx.at(node).error("Softmax is only supported as the last op (the readout ignores it)", "remove the Softmax or move it to the end");

  return { source: src.file, inputName, nodes: reachable(ctx.nodes, out.id), output: out.id, notes: ctx.notes };
}

/** The input and the nodes the output depends on, in their original (topological) order. */
function reachable(nodes: AnnNode[], output: string): AnnNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const live = new Set<string>();
  const stack = [output];
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    stack.push(...(byId.get(id)?.inputs ?? []));
  }
  return nodes.filter((n) => live.has(n.id) || n.kind === "input");
}

/** Input shape without batch; the batch axis must be symbolic or 1. */
function inputShapeOf(model: ModelProto, src: ModelSource): { shape: number[]; batchFixed: boolean } {
  const graph = model.graph!;
  const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ""));
  const info = (graph.input ?? []).find((i) => !initializerNames.has(i.name ?? ""))!;
  const tensorType = info.type?.tensorType;
  const dims = tensorType?.shape?.dim;
  if (!tensorType || !dims)
    throw new InputError(`${src.file}: input '${info.name}' has no tensor shape`, "export with a fixed input shape, e.g. torch.onnx.export(model, torch.zeros(1, C, H, W), ...)");
  if (tensorType.elemType !== 1 && tensorType.elemType !== 11 && tensorType.elemType !== 10)
    throw new InputError(
      `${src.file}: input '${info.name}' has element type ${dtypeName(tensorType.elemType ?? 0)}; spikec needs a float input (FLOAT, DOUBLE or FLOAT16)`,
      "export with a float32 input: move a cast and scaling of the input (x.float() / 255) out of the model; spikec reads uint8 .npy samples as they are (--input-range 0,255 for the raw pixel range)",
    );
  if (dims.length < 2)
    throw new InputError(`${src.file}: input '${info.name}' has rank ${dims.length}; spikec needs [batch, features...]`, "export with a batch axis first");
  const value = (d: (typeof dims)[number]) => (d.dimValue !== undefined && d.dimValue !== null && !d.dimParam ? int64ToNumber(d.dimValue as Int64) : null);
  const batch = value(dims[0]);
  if (batch !== null && batch !== 1 && batch !== 0)
    throw new InputError(
      `${src.file}: input '${info.name}' has a batch dimension of ${batch}; spikec needs it symbolic or 1`,
      "export with dynamic_axes={'input': {0: 'batch'}} or with a batch of 1",
    );
  const shape = dims.slice(1).map((d, i) => {
    const v = value(d);
    if (v === null || v < 1)
      throw new InputError(`${src.file}: input '${info.name}' axis ${i + 1} is dynamic ('${d.dimParam ?? "?"}')`, "export with a fixed input size (only the batch axis may be dynamic)");
    return v;
  });
  return { shape, batchFixed: batch === 1 };
}

