import { type NirTensor, commonShape } from "../tensor.js";
import type { NodeBase } from "./common.js";

/** Leaky integrator `LI`: τ·dv/dt = (v_leak − v) + R·x(t); output v. */
export interface LI extends NodeBase {
  type: "LI";
  tau: NirTensor;
  r: NirTensor;
  v_leak: NirTensor;
}

export function li(p: { tau: NirTensor; r: NirTensor; v_leak: NirTensor; metadata?: LI["metadata"] }): LI {
  commonShape({ tau: p.tau, r: p.r, v_leak: p.v_leak });
  return { type: "LI", tau: p.tau, r: p.r, v_leak: p.v_leak, metadata: p.metadata ?? {} };
}
