import type { NirMetadata } from "../metadata.js";
import type { NirTensor } from "../tensor.js";
import type { NodeBase } from "./common.js";

/** y(t) = s ⊙ x(t), elementwise; in = out = shape of `scale`. */
export interface Scale extends NodeBase {
  type: "Scale";
  scale: NirTensor;
}

export function scale(s: NirTensor, metadata: NirMetadata = {}): Scale {
  return { type: "Scale", scale: s, metadata };
}
