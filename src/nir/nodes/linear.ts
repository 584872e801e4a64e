import type { NirMetadata } from "../metadata.js";
import { type NirTensor, requireRank } from "../tensor.js";
import type { NodeBase } from "./common.js";

/** y(t) = W·x(t). weight [..., out, in]; input type [..., in], output type [..., out]. */
export interface Linear extends NodeBase {
  type: "Linear";
  weight: NirTensor;
}

export function linear(weight: NirTensor, metadata: NirMetadata = {}): Linear {
  requireRank("weight", weight, 2, "at least 2-D ([out, in])");
  return { type: "Linear", weight, metadata };
}
