import { NirFieldError } from "../tensor.js";
import type { NodeBase } from "./common.js";

/**
 * Reshape: dims start_dim..end_dim (inclusive; negative counts from the end) collapse into their product.
 * [d0, …, d_{s−1}, Π d_s..d_e, d_{e+1}, …]. The element count does not change. NIR shapes have no batch dim,
 * so the reference default start_dim = 1 keeps dim 0: always write both.
 */
export interface Flatten extends NodeBase {
  type: "Flatten";
  start_dim: number;
  end_dim: number;
  /** The input shape, stored under this name by the reference; optional (type inference fills it). */
  input_type: number[] | null;
}

export function flatten(p: { start_dim?: number; end_dim?: number; input_type?: number[] | null; metadata?: Flatten["metadata"] }): Flatten {
  const start_dim = p.start_dim ?? 1;
  const end_dim = p.end_dim ?? -1;
  for (const [f, v] of [["start_dim", start_dim], ["end_dim", end_dim]] as const) {
    if (!Number.isInteger(v)) throw new NirFieldError(f, `'${f}' must be an integer, got ${v}`);
  }
  const node: Flatten = { type: "Flatten", start_dim, end_dim, input_type: p.input_type ?? null, metadata: p.metadata ?? {} };
  if (node.input_type) flattenShape(node.input_type, start_dim, end_dim);
  return node;
}

/** Output shape of a Flatten over `shape` (throws naming start_dim/end_dim when they do not fit). */
export function flattenShape(shape: readonly number[], startDim: number, endDim: number): number[] {
  const n = shape.length;
  const s = startDim < 0 ? startDim + n : startDim;
  const e = endDim < 0 ? endDim + n : endDim;
  if (s < 0 || s >= Math.max(n, 1)) throw new NirFieldError("start_dim", `start_dim ${startDim} is out of range for input shape [${shape.join(", ")}]`);
  if (e < s || e >= Math.max(n, 1)) throw new NirFieldError("end_dim", `end_dim ${endDim} is out of range (start_dim ${startDim}) for input shape [${shape.join(", ")}]`);
  const middle = shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return [...shape.slice(0, s), middle, ...shape.slice(e + 1)];
}
