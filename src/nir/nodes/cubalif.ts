import { type NirTensor, commonShape, filledLike } from "../tensor.js";
import type { NodeBase } from "./common.js";

/**
 * Current-based LIF `CubaLIF`: τ_syn·dI/dt = −I + w_in·x(t); τ_mem·dv/dt = (v_leak − v) + R·I; spike when
 * v > v_threshold, then v ← v_reset (default 0). Output z. w_in defaults to 1.
 */
export interface CubaLIF extends NodeBase {
  type: "CubaLIF";
  tau_syn: NirTensor;
  tau_mem: NirTensor;
  r: NirTensor;
  v_leak: NirTensor;
  v_threshold: NirTensor;
  v_reset: NirTensor;
  w_in: NirTensor;
}

export function cubaLIF(p: {
  tau_syn: NirTensor;
  tau_mem: NirTensor;
  r: NirTensor;
  v_leak: NirTensor;
  v_threshold: NirTensor;
  v_reset?: NirTensor;
  w_in?: NirTensor;
  metadata?: CubaLIF["metadata"];
}): CubaLIF {
  const v_reset = p.v_reset ?? filledLike(p.v_threshold, 0);
  const w_in = p.w_in ?? filledLike(p.tau_mem, 1);
  commonShape({ tau_syn: p.tau_syn, tau_mem: p.tau_mem, r: p.r, v_leak: p.v_leak, v_threshold: p.v_threshold, v_reset, w_in });
  return { type: "CubaLIF", tau_syn: p.tau_syn, tau_mem: p.tau_mem, r: p.r, v_leak: p.v_leak, v_threshold: p.v_threshold, v_reset, w_in, metadata: p.metadata ?? {} };
}
