/**
 * Shape ops. On activations spikec keeps only what flattens [batch, ...s] to [batch, prod(s)] or leaves it
 * unchanged; on constants (shape computations, weights) they are folded. PyTorch's x.view(x.size(0), -1) exports
 * as Shape → Gather → Unsqueeze → Concat → Reshape: Shape of an activation is a constant whose first entry is the
 * symbolic batch size (ConstTensor.batch), carried through Gather, Unsqueeze, Concat and Cast into the Reshape.
 */
import { product } from "../../ann/graph.js";
import type { ConcatNode, FlattenNode } from "../../ann/graph.js";
import type { Activation, NodeContext } from "../context.js";
import { dtypeName, type ConstTensor } from "../tensor.js";
import type { OpHandler } from "./types.js";

/** Binds the output to `x` flattened (or to x itself when it already is a vector). */
function bindFlat(n: NodeContext, x: Activation): void {
  if (x.shape.length === 1) return n.bind(0, x);
  const node = n.ctx.emit<FlattenNode>({ kind: "flatten", id: n.outputName(), inputs: [x.id], shape: [product(x.shape)], origin: n.origin() });
  n.bind(0, { kind: "activation", id: node.id, shape: node.shape });
}

/** Binds the output of a shape op whose full target shape (batch axis included) is `target`. */
function bindReshaped(n: NodeContext, x: Activation, target: number[], batchKept: boolean): void {
  const rest = target.slice(1);
  if (batchKept && rest.length === x.shape.length && rest.every((d, i) => d === x.shape[i])) return n.bind(0, x);
  if (batchKept && rest.length === 1 && rest[0] === product(x.shape)) return bindFlat(n, x);
  const shown = batchKept ? ["batch", ...rest] : target;
  n.fail(
    `${n.op === "Squeeze" ? "squeezes" : "reshapes"} [batch, ${x.shape.join(", ")}] to [${shown.join(", ")}]; only a flatten to [batch, ${product(x.shape)}] or a no-op is supported`,
    "keep the batch axis first and flatten with Flatten or x.view(x.size(0), -1)",
  );
}

const reshapeConst = (c: ConstTensor, dims: number[]): ConstTensor => ({ ...c, dims });
const intsOf = (c: ConstTensor): number[] => Array.from(c.data, (v) => Math.trunc(v));

export const flatten: OpHandler = (n) => {
  const v = n.value(0);
  let axis = n.attrs.int("axis", 1);
  if (v.kind === "constant") {
    const d = v.tensor.dims;
    if (axis < 0) axis += d.length;
    return n.bind(0, { kind: "constant", tensor: reshapeConst(v.tensor, [product(d.slice(0, axis)), product(d.slice(axis))]) });
  }
  const x = n.activation(0);
  const rank = x.shape.length + 1;
  if (axis < 0) axis += rank;
  // [batch, ...s] flattened at `axis` is [batch, rest] iff the dims between batch and axis are all 1.
  if (axis === 0 && n.ctx.batchFixed) return bindFlat(n, x);
  if (axis < 1 || product(x.shape.slice(0, axis - 1)) !== 1)
    n.fail(`axis=${n.attrs.int("axis", 1)} on [batch, ${x.shape.join(", ")}] would not give [batch, rest]`, "flatten with axis=1");
  bindFlat(n, x);
};

export const reshape: OpHandler = (n) => {
  const v = n.value(0);
  const shape = n.shapeConstant(1, "shape");
  if (v.kind === "constant" && shape.batch?.some((b) => b === 1)) n.fail("reshapes a constant to a shape that holds the model's batch size");
  // The symbolic batch size (x.size(0)) in the first entry keeps the batch axis, as a 0 (copy) does.
  const symbolic = (i: number): boolean => shape.batch?.[i] === 1;
  for (let i = 1; i < shape.data.length; i++)
    if (symbolic(i)) n.fail(`puts the batch size at axis ${i} of the shape`, "keep the batch axis first: x.view(x.size(0), -1)");
  const spec = intsOf(shape).map((d, i) => (symbolic(i) ? 0 : d));
  const allowZero = n.attrs.int("allowzero", 0) !== 0;
  const inDims = v.kind === "constant" ? v.tensor.dims : [-1, ...(v as Activation).shape];
  // Resolve 0 (copy) and -1 (infer) like onnxruntime, with the batch axis as a symbol.
  const known = spec.map((d, i) => ((d === 0 && !allowZero) || symbolic(i) ? inDims[i] : d));
  if (v.kind === "constant") {
    const total = v.tensor.data.length;
    const fixed = product(known.filter((d) => d !== -1));
    return n.bind(0, { kind: "constant", tensor: reshapeConst(v.tensor, known.map((d) => (d === -1 ? total / fixed : d))) });
  }
  const x = n.activation(0);
  const size = product(x.shape);
  let batchKept: boolean;
  let target: number[];
  if (known[0] === -1 && (spec[0] === 0 || symbolic(0))) {
    batchKept = true; // 0 copied the symbolic batch
    target = [-1, ...known.slice(1)];
  } else if (known[0] === -1) {
    // batch inferred: the other dims must hold exactly one sample
    batchKept = known.slice(1).every((d) => d > 0) && product(known.slice(1)) === size;
    target = known;
  } else {
    batchKept = known[0] === 1 && n.ctx.batchFixed;
    target = known;
  }
  const inferAt = target.slice(1).indexOf(-1);
  if (inferAt >= 0) {
    const others = product(target.slice(1).filter((d) => d !== -1));
    target[inferAt + 1] = size / others;
  }
  bindReshaped(n, x, target, batchKept);
};

function axesOf(n: NodeContext): number[] | undefined {
  if (n.opset >= 13) return n.hasInput(1) ? intsOf(n.constant(1, "axes")) : undefined;
  return n.attrs.ints("axes");
}

export const squeeze: OpHandler = (n) => {
  const v = n.value(0);
  const dims = v.kind === "constant" ? v.tensor.dims : [1, ...(v as Activation).shape];
  const rank = dims.length;
  const axes = (axesOf(n) ?? dims.flatMap((d, i) => (d === 1 && (i > 0 || v.kind === "constant") ? [i] : []))).map((a) => (a < 0 ? a + rank : a));
  for (const a of axes) if (dims[a] !== 1) n.fail(`axis ${a} has size ${dims[a]}, not 1`);
  const kept = dims.filter((_, i) => !axes.includes(i));
  if (v.kind === "constant") return n.bind(0, { kind: "constant", tensor: reshapeConst(v.tensor, kept) });
  if (axes.includes(0)) n.fail("squeezes the batch axis", "squeeze only feature axes");
  const x = n.activation(0);
  bindReshaped(n, x, kept, true);
};

export const unsqueeze: OpHandler = (n) => {
  const v = n.value(0);
  if (v.kind !== "constant")
    return n.fail("Unsqueeze of an activation adds axes; spikec keeps activations as [batch, C, H, W] or [batch, N]", "remove the Unsqueeze (it is only supported in shape computations on constants)");
  const axes = axesOf(n) ?? n.fail("axes are missing");
  const rank = v.tensor.dims.length + axes.length;
  const norm = axes.map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
  const dims = [...v.tensor.dims];
  for (const a of norm) dims.splice(a, 0, 1);
  n.bind(0, { kind: "constant", tensor: reshapeConst(v.tensor, dims) });
};

export const concat: OpHandler = (n) => {
  const count = n.node.input?.length ?? 0;
  const values = Array.from({ length: count }, (_, i) => n.value(i));
  const axis = n.attrs.int("axis", 1);
  if (values.every((v) => v.kind === "constant")) {
    const ts = values.map((v) => (v as { tensor: ConstTensor }).tensor);
    if (!ts.every((t) => t.dims.length <= 1)) n.fail("concatenation of multi-dimensional constants is not supported");
    const data = Float64Array.from(ts.flatMap((t) => Array.from(t.data)));
    const tensor: ConstTensor = { dims: [data.length], data, dtype: ts[0].dtype };
    if (ts.some((t) => t.batch)) tensor.batch = Uint8Array.from(ts.flatMap((t) => Array.from(t.batch ?? new Uint8Array(t.data.length))));
    return n.bind(0, { kind: "constant", tensor });
  }
  const xs = values.map((_, i) => n.activation(i));
  const rank = xs[0].shape.length + 1;
  if ((axis < 0 ? axis + rank : axis) !== 1) n.fail(`axis=${axis}; only concatenation on the channel axis (1) is supported`);
  for (const x of xs)
    if (x.shape.length !== xs[0].shape.length || x.shape.slice(1).some((d, i) => d !== xs[0].shape[i + 1]))
      n.fail(`inputs [batch, ${xs[0].shape}] and [batch, ${x.shape}] differ outside the channel axis`);
  const shape = [xs.reduce((s, x) => s + x.shape[0], 0), ...xs[0].shape.slice(1)];
  const node = n.ctx.emit<ConcatNode>({ kind: "concat", id: n.outputName(), inputs: xs.map((x) => x.id), shape, origin: n.origin() });
  n.bind(0, { kind: "activation", id: node.id, shape });
};

/** Shape: of a constant, its dims; of an activation, [batch, ...shape] with the batch size symbolic (unless fixed at 1). */
export const shape: OpHandler = (n) => {
  const v = n.value(0);
  const dims = v.kind === "constant" ? v.tensor.dims : [n.ctx.batchFixed ? 1 : 0, ...(v as Activation).shape];
  const batch = new Uint8Array(dims.length);
  if (v.kind === "activation" && !n.ctx.batchFixed) batch[0] = 1;
  // opset 15: start and end select a slice of the shape (negative from the back, clamped)
  const clamp = (i: number): number => Math.min(dims.length, Math.max(0, i < 0 ? i + dims.length : i));
  const start = clamp(n.attrs.int("start", 0));
  const end = n.attrs.has("end") ? clamp(n.attrs.int("end", dims.length)) : dims.length;
  const data = Float64Array.from(dims.slice(start, end));
  const tensor: ConstTensor = { dims: [data.length], data, dtype: "INT64" };
  if (batch.subarray(start, end).some((b) => b === 1)) tensor.batch = batch.slice(start, end);
  n.bind(0, { kind: "constant", tensor });
};

/** Gather on a constant (shape computations: x.size(0) is Gather(Shape(x), 0)); indices along `axis`. */
export const gather: OpHandler = (n) => {
  const v = n.value(0);
  if (v.kind !== "constant") return n.fail("gathers from an activation; spikec supports Gather only in shape computations on constants", "index tensors outside the model, or use Flatten/Reshape");
  const data = v.tensor;
  const indices = n.constant(1, "indices");
  const rank = data.dims.length;
  let axis = n.attrs.int("axis", 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) n.fail(`axis ${n.attrs.int("axis", 0)} is outside a rank-${rank} tensor`);
  const outer = product(data.dims.slice(0, axis));
  const len = data.dims[axis]!;
  const inner = product(data.dims.slice(axis + 1));
  const idx = Array.from(indices.data, (i) => (i < 0 ? i + len : i));
  for (const i of idx) if (!(Number.isInteger(i) && i >= 0 && i < len)) n.fail(`index ${i} is outside axis ${axis} of size ${len}`);
  const out = new Float64Array(outer * idx.length * inner);
  const batch = data.batch ? new Uint8Array(out.length) : undefined;
  let k = 0;
  for (let o = 0; o < outer; o++)
    for (const i of idx)
      for (let j = 0; j < inner; j++, k++) {
        const from = (o * len + i) * inner + j;
        out[k] = data.data[from]!;
        if (batch) batch[k] = data.batch![from]!;
      }
  const tensor: ConstTensor = { dims: [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)], data: out, dtype: data.dtype };
  if (batch?.some((b) => b === 1)) tensor.batch = batch;
  n.bind(0, { kind: "constant", tensor });
};

/** ONNX TensorProto data types Cast may convert to, by number. */
const FLOAT_TYPES = new Map([[1, "FLOAT"], [11, "DOUBLE"]]);
const INT_TYPES = new Map([[2, "UINT8"], [3, "INT8"], [4, "UINT16"], [5, "INT16"], [6, "INT32"], [7, "INT64"], [12, "UINT32"], [13, "UINT64"]]);

/** Cast: shape computations (constants, ints stay exact; bool is ≠ 0), and float32/float64 casts of activations. */
export const cast: OpHandler = (n) => {
  const to = n.attrs.int("to", 0);
  const v = n.value(0);
  if (v.kind === "activation") {
    // The executor and the SNN compute in float64 either way; a cast to a narrower or an integer type would round.
    if (!FLOAT_TYPES.has(to)) n.fail(`casts an activation to ONNX type ${dtypeName(to)} (${to}); only float32 and float64 keep its values`, "remove the Cast from the model, or cast to float32");
    return n.bind(0, v);
  }
  const t = n.shapeConstant(0, "input");
  const name = FLOAT_TYPES.get(to) ?? INT_TYPES.get(to) ?? (to === 9 ? "BOOL" : n.fail(`casts to ONNX type ${to}, which spikec does not fold`));
  const data = Float64Array.from(t.data, (x) => (to === 9 ? +(x !== 0) : INT_TYPES.has(to) ? Math.trunc(x) : to === 1 ? Math.fround(x) : x));
  n.bind(0, { kind: "constant", tensor: { ...t, data, dtype: name } });
};

export const identity: OpHandler = (n) => n.bind(0, n.value(0));

export const dropout: OpHandler = (n) => {
  if (n.outputUsed(1)) n.fail("its mask output is used; spikec removes Dropout and has no mask", "export the model in eval mode and do not use the mask");
  if (n.hasInput(2)) {
    const training = n.value(2);
    if (training.kind !== "constant" || training.tensor.data.some((v) => v !== 0))
      n.fail("training_mode is on or not a constant", "export the model in eval mode (model.eval())");
  }
  n.bind(0, n.value(0));
};
