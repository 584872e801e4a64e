/**
 * The attributes each supported op may carry in ONNX opsets 11–21, from the operator specs. An attribute outside
 * this list is refused: spikec cannot know what it changes, and reading past it could give a silently wrong network
 * (onnxruntime refuses such nodes too). Attributes listed here that a handler does not read only matter in training
 * or for outputs spikec does not use (e.g. MaxPool's storage_order orders the Indices output).
 */
import type { NodeContext } from "../context.js";

const WINDOW = ["auto_pad", "kernel_shape", "pads", "strides", "dilations"];

export const KNOWN_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  Gemm: ["alpha", "beta", "transA", "transB"],
  MatMul: [],
  Conv: [...WINDOW, "group"],
  BatchNormalization: ["epsilon", "momentum", "training_mode"],
  Relu: [],
  Clip: [],
  MaxPool: [...WINDOW, "ceil_mode", "storage_order"],
  AveragePool: [...WINDOW, "ceil_mode", "count_include_pad"],
  GlobalAveragePool: [],
  ReduceMean: ["axes", "keepdims", "noop_with_empty_axes"],
  Flatten: ["axis"],
  Reshape: ["allowzero"],
  Squeeze: ["axes"],
  Unsqueeze: ["axes"],
  Add: [],
  Sub: [],
  Mul: [],
  Div: [],
  Concat: ["axis"],
  Identity: [],
  Dropout: ["ratio", "seed"],
  Constant: ["value", "value_float", "value_floats", "value_int", "value_ints", "value_string", "value_strings", "sparse_value"],
  Softmax: ["axis"],
  Shape: ["start", "end"],
  Gather: ["axis"],
  Cast: ["to", "saturate"],
  Pad: ["mode"],
  ConstantOfShape: ["value"],
  Slice: [],
  Transpose: ["perm"],
};

/** Fails naming the first attribute of the node that its op does not define. */
export function refuseUnknownAttributes(n: NodeContext): void {
  const known = KNOWN_ATTRIBUTES[n.op];
  if (!known) return;
  const unknown = n.attrs.names().filter((a) => !known.includes(a));
  if (unknown.length === 0) return;
  const list = unknown.map((a) => `'${a}'`).join(", ");
  n.fail(
    `attribute${unknown.length > 1 ? "s" : ""} ${list} ${unknown.length > 1 ? "are" : "is"} not defined for ${n.op} in ONNX opsets 11–21 (${n.op} takes ${known.length ? known.join(", ") : "no attributes"}); spikec cannot tell what ${unknown.length > 1 ? "they change" : "it changes"}`,
    "export the model again with a standard exporter, or remove the attribute (onnx.helper) if you know it has no effect",
  );
}
