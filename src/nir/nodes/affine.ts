import type { NirMetadata } from "../metadata.js";
import { type NirTensor, NirFieldError, fmtShape, requireRank, sameShape } from "../tensor.js";
import type { NodeBase } from "./common.js";

/**
 * y(t) = W·x(t) + b. weight [..., out, in] (leading dims batch the map), bias [..., out].
 * Input type [..., in], output type [..., out].
 */
export interface Affine extends NodeBase {
  type: "Affine";
  weight: NirTensor;
  bias: NirTensor;
}

export function affine(weight: NirTensor, bias: NirTensor, metadata: NirMetadata = {}): Affine {
  requireRank("weight", weight, 2, "at least 2-D ([out, in])");
  const out = weight.shape.slice(0, -1);
  if (!sameShape(bias.shape, out)) {
    throw new NirFieldError("bias", `'bias' has shape ${fmtShape(bias.shape)} but weight ${fmtShape(weight.shape)} needs ${fmtShape(out)}`);
  }
  return { type: "Affine", weight, bias, metadata };
}
