import { type NirTensor, NirFieldError, fmtShape, requireRank } from "../tensor.js";
import { type IntOrInts, type NodeBase, checkInts } from "./common.js";
import { checkConvCommon } from "./conv2d.js";

/**
 * 1-D convolution, PyTorch semantics: y[o, n] = b[o] + Σ_{c,k} W[o, c, k] · x[g(o)·Cin/g + c, n·s + k·d − p].
 * weight [Cout, Cin/groups, K]; input type [Cin, N], output [Cout, floor((N + 2p − d(K−1) − 1)/s + 1)].
 * `input_shape` (N) is required by the reference reader; stride/padding/dilation/groups are int64 scalars.
 */
export interface Conv1d extends NodeBase {
  type: "Conv1d";
  weight: NirTensor;
  bias: NirTensor;
  stride: IntOrInts;
  padding: IntOrInts | "same" | "valid";
  dilation: IntOrInts;
  groups: number;
  input_shape: IntOrInts | null;
}

export function conv1d(p: Omit<Conv1d, "type" | "metadata"> & { metadata?: Conv1d["metadata"] }): Conv1d {
  requireRank("weight", p.weight, 3, "3-D ([Cout, Cin/groups, K])");
  if (p.weight.shape.length !== 3) throw new NirFieldError("weight", `'weight' must be 3-D, got ${fmtShape(p.weight.shape)}`);
  checkConvCommon(p, 1);
  if (p.input_shape !== null) checkInts("input_shape", p.input_shape, 1, 0);
  return { type: "Conv1d", ...p, metadata: p.metadata ?? {} };
}
