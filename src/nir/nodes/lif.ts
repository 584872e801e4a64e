import { type NirTensor, commonShape, filledLike } from "../tensor.js";
import type { NodeBase } from "./common.js";

/**
 * Leaky integrate-and-fire `LIF`: τ·dv/dt = (v_leak − v) + R·x(t); spike when v > v_threshold, then
 * v ← v_reset (default 0). Output z (Dirac spikes).
 */
export interface LIF extends NodeBase {
  type: "LIF";
  tau: NirTensor;
  r: NirTensor;
  v_leak: NirTensor;
  v_threshold: NirTensor;
  v_reset: NirTensor;
}

export function lif(p: { tau: NirTensor; r: NirTensor; v_leak: NirTensor; v_threshold: NirTensor; v_reset?: NirTensor; metadata?: LIF["metadata"] }): LIF {
  const v_reset = p.v_reset ?? filledLike(p.v_threshold, 0);
  commonShape({ tau: p.tau, r: p.r, v_leak: p.v_leak, v_threshold: p.v_threshold, v_reset });
  return { type: "LIF", tau: p.tau, r: p.r, v_leak: p.v_leak, v_threshold: p.v_threshold, v_reset, metadata: p.metadata ?? {} };
}
