import type { NirMetadata } from "../metadata.js";
import type { NirTensor } from "../tensor.js";
import type { NodeBase } from "./common.js";

/**
 * z(t) = H(x(t) − θ): 1 while x > θ, else 0 (the reference docstring; its docs table reads it as an event
 * δ(x − θ) instead — the two disagree, see shared/spec/nir.md §1). In = out = shape of `threshold`.
 */
export interface Threshold extends NodeBase {
  type: "Threshold";
  threshold: NirTensor;
}

export function threshold(t: NirTensor, metadata: NirMetadata = {}): Threshold {
  return { type: "Threshold", threshold: t, metadata };
}
