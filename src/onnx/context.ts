/**
 * The state of one ONNX import: the values bound to ONNX tensor names, the ANN nodes emitted so far, and the
 * current ONNX node for error messages. Op handlers (./ops) read their inputs and bind their outputs through it.
 */
import type { AnnNode, Origin } from "../ann/graph.js";
import { InputError } from "../util/errors.js";
import { Attributes } from "./attributes.js";
import type { ModelSource, NodeProto } from "./decode.js";
import { supportedOpList } from "./supported.js";
import { type ConstTensor, firstNonFinite } from "./tensor.js";

/** ONNX float dtypes (ConstTensor.dtype names) that weights may have. */
const FLOAT_TYPES = new Set(["FLOAT", "DOUBLE", "FLOAT16", "BFLOAT16"]);

/** What an ONNX tensor name is bound to. Activation shapes exclude the batch axis; constant dims are full. */
export type Value =
  /**
   * `pad`: the activation zero-padded by a Pad node (top, left, bottom, right), not yet applied: only a Conv or an
   * AveragePool reads it, folding the padding into its own window (`shape` is then the padded shape).
   */
  | { kind: "activation"; id: string; shape: number[]; pad?: { pads: [number, number, number, number]; by: string; inner: number[] } }
  | { kind: "constant"; tensor: ConstTensor }
  /** Output of a node that could not be imported (only while inspecting). */
  | { kind: "unknown"; from: string };

export type Activation = Extract<Value, { kind: "activation" }>;

/** Thrown when a node reads the output of an unsupported node (inspect mode): not the node's own fault. */
export class DependsOnUnsupported extends Error {
  /** The unsupported node at the root of the dependency, e.g. "'/Shape' (Shape)". */
  constructor(
    message: string,
    readonly root: string,
  ) {
    super(message);
  }
}

export const nodeName = (node: NodeProto): string => node.name || node.output?.[0] || "(unnamed)";

export class ImportContext {
  readonly nodes: AnnNode[] = [];
  readonly values = new Map<string, Value>();
  readonly notes: string[] = [];
  /** How many ONNX nodes (and graph outputs) read each tensor name. */
  readonly consumers = new Map<string, number>();
  /** ONNX nodes that produced Softmax nodes, checked at the end to be final. */
  readonly softmaxNodes = new Map<string, NodeProto>();
  private readonly byId = new Map<string, AnnNode>();

  constructor(
    readonly src: ModelSource,
    readonly opset: number,
    /** True when the batch axis is fixed at 1 (not symbolic). */
    readonly batchFixed: boolean,
  ) {}

  emit<N extends AnnNode>(node: N): N {
    this.nodes.push(node);
    this.byId.set(node.id, node);
    return node;
  }

  producer(id: string): AnnNode | undefined {
    return this.byId.get(id);
  }

  /** Accessors for one ONNX node. */
  at(node: NodeProto): NodeContext {
    return new NodeContext(this, node);
  }
}

export class NodeContext {
  readonly attrs: Attributes;
  readonly op: string;
  /** Pad nodes whose padding this node took over (paddedActivation). */
  private readonly folded: Origin[] = [];
  readonly name: string;

  constructor(
    readonly ctx: ImportContext,
    readonly node: NodeProto,
  ) {
    this.attrs = new Attributes(node);
    this.op = node.opType ?? "";
    this.name = nodeName(node);
  }

  get opset(): number {
    return this.ctx.opset;
  }

  /** This node, after the Pad nodes it folded in (paddedActivation): provenance keeps every ONNX node. */
  origin(): Origin[] {
    return [...this.folded, { name: this.name, op: this.op }];
  }

  /** An InputError naming the file and this node; the hint lists the supported ops (what to rewrite the node with). */
  error(why: string, hint = "change the model before export"): InputError {
    return new InputError(`${this.ctx.src.file}: node '${this.name}' (${this.op}): ${why}`, `${hint}. Supported ops: ${supportedOpList()}`);
  }

  fail(why: string, hint?: string): never {
    throw this.error(why, hint);
  }

  /** A broken graph (a missing input, nodes out of order, NaN weights): the file needs repair, not other ops. */
  failBroken(why: string, hint: string): never {
    throw new InputError(`${this.ctx.src.file}: node '${this.name}' (${this.op}): ${why}`, hint);
  }

  /** A float attribute that enters the arithmetic (Gemm's alpha and beta, an epsilon): NaN or ±Inf is a broken model. */
  finiteFloat(name: string, fallback: number): number {
    const v = this.attrs.float(name, fallback);
    if (!Number.isFinite(v)) this.failBroken(`attribute ${name} is ${v}`, "retrain or repair the model; spikec needs finite weights");
    return v;
  }

  /** Number of inputs actually given (trailing empty names are omitted inputs). */
  hasInput(i: number): boolean {
    return !!this.node.input?.[i];
  }

  /** Whether input i is computed from the model input (an activation, or downstream of an unsupported node). */
  computed(i: number): boolean {
    const name = this.node.input?.[i];
    const v = name ? this.ctx.values.get(name) : undefined;
    return v?.kind === "activation" || v?.kind === "unknown";
  }

  value(i: number): Value {
    const name = this.node.input?.[i];
    if (!name) this.failBroken(`input ${i} is missing`, "the node lacks an input the op needs; export the model again");
    const v = this.ctx.values.get(name);
    if (!v)
      this.failBroken(
        `input '${name}' is neither a graph input, an initializer nor the output of an earlier node`,
        "the model is incomplete (a missing initializer?) or its nodes are not in topological order; export it again",
      );
    if (v.kind === "unknown") throw new DependsOnUnsupported(`not checked: reads '${name}', which depends on unsupported node ${v.from}`, v.from);
    return v;
  }

  activation(i: number, role = `input ${i}`): Activation {
    const v = this.value(i);
    if (v.kind !== "activation") this.fail(`${role} must be an activation (computed from the model input), but it is a constant`);
    if (v.pad)
      this.fail(
        `${role} is zero-padded by Pad node '${v.pad.by}', which spikec folds only into a following Conv or AveragePool`,
        "pad inside the layer instead (padding=… on the Conv or pool)",
      );
    return v;
  }

  /** An activation that may come zero-padded from a Pad node: the unpadded activation and the pads to fold in. */
  paddedActivation(i: number, role = `input ${i}`): { x: Activation; pads: [number, number, number, number] } {
    const v = this.value(i);
    if (v.kind !== "activation" || !v.pad) return { x: this.activation(i, role), pads: [0, 0, 0, 0] };
    this.folded.push({ name: v.pad.by, op: "Pad" });
    return { x: { kind: "activation", id: v.id, shape: v.pad.inner }, pads: v.pad.pads };
  }

  /** A constant input; float weights are checked for NaN/Inf (`infinite`: ±Inf allowed, e.g. a Clip bound). */
  constant(i: number, role = `input ${i}`, infinite = false): ConstTensor {
    const t = this.shapeConstant(i, role, infinite);
    if (t.batch?.some((b) => b === 1))
      this.fail(
        `${role} holds the model's batch size (computed by a Shape node), used here as a value`,
        "spikec takes the batch size only as the first entry of a Reshape's shape (x.view(x.size(0), -1)); use a fixed shape or Flatten",
      );
    return t;
  }

  /**
   * A constant that enters the arithmetic with the activations (a weight, a bias, a normalization constant): a float
   * type, as ONNX requires of an operand beside a float activation. An integer-typed weight read as numbers would be
   * the bytes of another type (onnxruntime refuses such a model too).
   */
  floatConstant(i: number, role = `input ${i}`, infinite = false): ConstTensor {
    const t = this.constant(i, role, infinite);
    if (!FLOAT_TYPES.has(t.dtype))
      this.fail(
        `${role} '${this.node.input![i]}' holds ${t.dtype} values; a weight beside a float activation must be FLOAT, DOUBLE, FLOAT16 or BFLOAT16`,
        "export the weights as floats (ONNX type rules require the same float type as the activation; onnxruntime refuses this model too)",
      );
    return t;
  }

  /** A constant input that may hold the symbolic batch size (a shape tensor); float weights checked for NaN/Inf. */
  shapeConstant(i: number, role = `input ${i}`, infinite = false): ConstTensor {
    const v = this.value(i);
    if (v.kind !== "constant")
      this.fail(`${role} must be a constant (initializer or Constant node), but it is computed from the model input`, "only constant weights are supported");
    const bad = infinite ? v.tensor.data.findIndex((x) => Number.isNaN(x)) : firstNonFinite(v.tensor.data);
    if (bad >= 0)
      this.failBroken(
        `weights of node ${this.name} contain ${Number.isNaN(v.tensor.data[bad]) ? "NaN" : "Inf"} (${role} '${this.node.input![i]}', element ${bad})`,
        "retrain or repair the model; spikec needs finite weights",
      );
    return v.tensor;
  }

  /** Binds output `i` (an empty output name means the output is not used). */
  bind(i: number, value: Value): void {
    const name = this.node.output?.[i];
    if (name) this.ctx.values.set(name, value);
  }

  outputName(i = 0): string {
    return this.node.output?.[i] ?? `${this.name}:${i}`;
  }

  /** True when output i exists and something reads it. */
  outputUsed(i: number): boolean {
    const name = this.node.output?.[i];
    return !!name && (this.ctx.consumers.get(name) ?? 0) > 0;
  }
}
