/**
 * Ops spikec evaluates on constants only, at import: the small shape computations exporters emit around a constant,
 * e.g. torch's F.pad / nn.ZeroPad2d, whose pad amounts go through ConstantOfShape → Concat → Reshape → Slice (a
 * reversal) → Transpose → Reshape → Cast into the Pad. On an activation each of them would move or create values
 * across the axes spikec keeps, so they are refused there.
 */
import { product } from "../../ann/graph.js";
import { decodeTensor } from "../decode.js";
import type { NodeContext } from "../context.js";
import type { ConstTensor } from "../tensor.js";
import type { OpHandler } from "./types.js";

/** Most values a folded constant may hold (a shape computation holds a few; a hostile shape would exhaust memory). */
const MAX_FOLDED = 1 << 24;

/** The constant input 0, or a refusal saying the op is only folded on constants. */
function foldedInput(n: NodeContext, what: string): ConstTensor {
  const v = n.value(0);
  if (v.kind !== "constant")
    n.fail(`${what} an activation; spikec evaluates ${n.op} only on constants (shape computations such as the pads of F.pad)`, `remove the ${n.op} from the model's data path`);
  return n.shapeConstant(0, "input");
}

/** C-order strides of `dims`. */
const stridesOf = (dims: readonly number[]): number[] => dims.map((_, i) => product(dims.slice(i + 1)));

/** out[k] = t[source(k)], where source maps each output multi-index to the input's flat index. */
function gatherConst(t: ConstTensor, dims: number[], source: (index: number[]) => number): ConstTensor {
  const size = product(dims);
  const data = new Float64Array(size);
  const batch = t.batch ? new Uint8Array(size) : undefined;
  const index = new Array<number>(dims.length).fill(0);
  for (let k = 0; k < size; k++) {
    const from = source(index);
    data[k] = t.data[from]!;
    if (batch) batch[k] = t.batch![from]!;
    for (let a = dims.length - 1; a >= 0; a--) {
      if (++index[a]! < dims[a]!) break;
      index[a] = 0;
    }
  }
  const out: ConstTensor = { dims, data, dtype: t.dtype };
  if (batch?.some((b) => b === 1)) out.batch = batch;
  return out;
}

/** ConstantOfShape: a tensor of the given shape filled with `value` (one element; default float 0). */
export const constantOfShape: OpHandler = (n) => {
  const shape = n.constant(0, "shape");
  const dims = Array.from(shape.data, (d) => Math.trunc(d));
  if (dims.some((d) => d < 0)) n.fail(`shape [${dims}] has a negative dimension`);
  if (product(dims) > MAX_FOLDED) n.fail(`shape [${dims}] holds ${product(dims)} values; spikec folds shape computations of up to ${MAX_FOLDED} values`, "compute large constants outside the model and store them as initializers");
  const t = n.attrs.tensor("value");
  const value = t ? decodeTensor(t, `the value of ConstantOfShape node '${n.name}'`, n.ctx.src) : { dims: [1], data: Float64Array.of(0), dtype: "FLOAT" };
  if (value.data.length !== 1) n.fail(`its value holds ${value.data.length} elements; ONNX requires one`);
  n.bind(0, { kind: "constant", tensor: { dims, data: new Float64Array(product(dims)).fill(value.data[0]!), dtype: value.dtype } });
};

/** Transpose: out[i_0, …] = in[i_{perm^-1}…]; perm defaults to reversing the axes. */
export const transpose: OpHandler = (n) => {
  const t = foldedInput(n, "transposes");
  const rank = t.dims.length;
  const perm = n.attrs.ints("perm") ?? t.dims.map((_, i) => rank - 1 - i);
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) n.fail(`perm [${perm}] is not a permutation of ${rank} axes`);
  const strides = stridesOf(t.dims);
  n.bind(0, { kind: "constant", tensor: gatherConst(t, perm.map((p) => t.dims[p]!), (index) => index.reduce((s, i, a) => s + i * strides[perm[a]!]!, 0)) });
};

/** Slice (opset ≥ 10: starts, ends, axes, steps as inputs), with ONNX's clamping of out-of-range bounds. */
export const slice: OpHandler = (n) => {
  const t = foldedInput(n, "slices");
  const rank = t.dims.length;
  const ints = (i: number, role: string): number[] | undefined => (n.hasInput(i) ? Array.from(n.constant(i, role).data, (x) => Math.trunc(x)) : undefined);
  const starts = ints(1, "starts") ?? n.fail("starts are missing");
  const ends = ints(2, "ends") ?? n.fail("ends are missing");
  const axes = (ints(3, "axes") ?? starts.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a));
  const steps = ints(4, "steps") ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length)
    n.fail(`starts, ends, axes and steps have ${starts.length}, ${ends.length}, ${axes.length} and ${steps.length} entries; ONNX requires the same count`);
  // Per axis, the input indices kept (all of them for an axis not sliced).
  const picked = t.dims.map((d) => Array.from({ length: d }, (_, i) => i));
  axes.forEach((a, k) => {
    if (!(a >= 0 && a < rank)) n.fail(`axis ${axes[k]} is outside a rank-${rank} tensor`);
    const d = t.dims[a]!;
    const step = steps[k]!;
    if (step === 0) n.fail("a step of 0");
    const at = (x: number) => (x < 0 ? x + d : x);
    const idx: number[] = [];
    if (step > 0) for (let i = Math.min(Math.max(at(starts[k]!), 0), d), end = Math.min(Math.max(at(ends[k]!), 0), d); i < end; i += step) idx.push(i);
    else for (let i = Math.min(Math.max(at(starts[k]!), 0), d - 1), end = Math.min(Math.max(at(ends[k]!), -1), d - 1); i > end; i += step) idx.push(i);
    picked[a] = idx;
  });
  const strides = stridesOf(t.dims);
  n.bind(0, { kind: "constant", tensor: gatherConst(t, picked.map((p) => p.length), (index) => index.reduce((s, i, a) => s + picked[a]![i]! * strides[a]!, 0)) });
};
