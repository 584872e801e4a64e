import { type NirTensor, commonShape } from "../tensor.js";
import type { NodeBase } from "./common.js";

/** Integrator `I`: dv/dt = R·x(t), v(0) = 0; output v. A Dirac input of area w makes v step by R·w. */
export interface I extends NodeBase {
  type: "I";
  r: NirTensor;
}

export function integrator(p: { r: NirTensor; metadata?: I["metadata"] }): I {
  commonShape({ r: p.r });
  return { type: "I", r: p.r, metadata: p.metadata ?? {} };
}
