import { type NirTensor, commonShape, filledLike } from "../tensor.js";
import type { NodeBase } from "./common.js";

/**
 * Integrate-and-fire `IF`: dv/dt = R·x(t); when v > v_threshold it emits a Dirac spike z and v ← v_reset
 * (v_reset defaults to 0 for files older than nir 1.0.6). Output z.
 */
export interface IF extends NodeBase {
  type: "IF";
  r: NirTensor;
  v_threshold: NirTensor;
  v_reset: NirTensor;
}

export function ifNeuron(p: { r: NirTensor; v_threshold: NirTensor; v_reset?: NirTensor; metadata?: IF["metadata"] }): IF {
  const v_reset = p.v_reset ?? filledLike(p.v_threshold, 0);
  commonShape({ r: p.r, v_threshold: p.v_threshold, v_reset });
  return { type: "IF", r: p.r, v_threshold: p.v_threshold, v_reset, metadata: p.metadata ?? {} };
}
