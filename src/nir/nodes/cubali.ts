import { type NirTensor, commonShape, filledLike } from "../tensor.js";
import type { NodeBase } from "./common.js";

/**
 * Current-based leaky integrator `CubaLI`: τ_syn·dI/dt = −I + w_in·x(t); τ_mem·dv/dt = (v_leak − v) + R·I.
 * Output v. w_in is elementwise and defaults to 1.
 */
export interface CubaLI extends NodeBase {
  type: "CubaLI";
  tau_syn: NirTensor;
  tau_mem: NirTensor;
  r: NirTensor;
  v_leak: NirTensor;
  w_in: NirTensor;
}

export function cubaLI(p: { tau_syn: NirTensor; tau_mem: NirTensor; r: NirTensor; v_leak: NirTensor; w_in?: NirTensor; metadata?: CubaLI["metadata"] }): CubaLI {
  const w_in = p.w_in ?? filledLike(p.tau_mem, 1);
  commonShape({ tau_syn: p.tau_syn, tau_mem: p.tau_mem, r: p.r, v_leak: p.v_leak, w_in });
  return { type: "CubaLI", tau_syn: p.tau_syn, tau_mem: p.tau_mem, r: p.r, v_leak: p.v_leak, w_in, metadata: p.metadata ?? {} };
}
