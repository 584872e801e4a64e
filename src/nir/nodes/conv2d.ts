import { type NirTensor, NirFieldError, fmtShape } from "../tensor.js";
import { type IntOrInts, type NodeBase, checkInts } from "./common.js";

/**
 * 2-D convolution, PyTorch semantics (zero padding, cross-correlation):
 * y[o, i, j] = b[o] + Σ_{c,u,v} W[o, c, u, v] · x[g(o)·Cin/g + c, i·s_h + u·d_h − p_h, j·s_w + v·d_w − p_w].
 * weight [Cout, Cin/groups, Kh, Kw]; input type [Cin, H, W]; output [Cout, H', W'] with
 * H' = floor((H + 2p_h − d_h(Kh−1) − 1)/s_h + 1) (same for W). `input_shape` [H, W] is required by the reference
 * reader. stride/padding/dilation are int64 [2] as the reference writes them (an int means both dims).
 */
export interface Conv2d extends NodeBase {
  type: "Conv2d";
  weight: NirTensor;
  bias: NirTensor;
  stride: IntOrInts;
  padding: IntOrInts | "same" | "valid";
  dilation: IntOrInts;
  groups: number;
  input_shape: number[] | null;
}

/** Invariants shared by Conv1d and Conv2d: bias [Cout], groups divides Cout, positive stride/dilation. */
export function checkConvCommon(
  p: { weight: NirTensor; bias: NirTensor; stride: IntOrInts; padding: IntOrInts | string; dilation: IntOrInts; groups: number },
  dims: number,
): void {
  const cout = p.weight.shape[0]!;
  if (p.bias.shape.length !== 1 || p.bias.shape[0] !== cout) {
    throw new NirFieldError("bias", `'bias' must have shape [${cout}] (Cout of weight ${fmtShape(p.weight.shape)}), got ${fmtShape(p.bias.shape)}`);
  }
  if (!Number.isInteger(p.groups) || p.groups < 1 || cout % p.groups !== 0) {
    throw new NirFieldError("groups", `'groups' must be a positive divisor of Cout = ${cout}, got ${p.groups}`);
  }
  checkInts("stride", p.stride, dims, 1);
  checkInts("dilation", p.dilation, dims, 1);
  if (typeof p.padding === "string") {
    if (p.padding !== "same" && p.padding !== "valid") throw new NirFieldError("padding", `'padding' must be 'same', 'valid' or ints, got '${p.padding}'`);
  } else checkInts("padding", p.padding, dims, 0);
}

export function conv2d(p: Omit<Conv2d, "type" | "metadata"> & { metadata?: Conv2d["metadata"] }): Conv2d {
  if (p.weight.shape.length !== 4) throw new NirFieldError("weight", `'weight' must be 4-D ([Cout, Cin/groups, Kh, Kw]), got ${fmtShape(p.weight.shape)}`);
  checkConvCommon(p, 2);
  if (p.input_shape !== null) {
    if (p.input_shape.length !== 2) throw new NirFieldError("input_shape", `'input_shape' must be [H, W], got ${fmtShape(p.input_shape)}`);
    checkInts("input_shape", p.input_shape, 2, 0);
  }
  return { type: "Conv2d", ...p, metadata: p.metadata ?? {} };
}
