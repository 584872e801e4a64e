import type { NirMetadata } from "../metadata.js";
import { type NirTensor, NirFieldError } from "../tensor.js";
import type { NodeBase } from "./common.js";

/** y_i(t) = x_i(t − d_i), one delay per element; in = out = shape of `delay`. Delays are ≥ 0. */
export interface Delay extends NodeBase {
  type: "Delay";
  delay: NirTensor;
}

export function delay(d: NirTensor, metadata: NirMetadata = {}): Delay {
  for (const v of d.data) if (!(Number(v) >= 0)) throw new NirFieldError("delay", `'delay' must be ≥ 0, got ${v}`);
  return { type: "Delay", delay: d, metadata };
}
