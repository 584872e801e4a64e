import type { NirMetadata } from "../metadata.js";
import { NirFieldError } from "../tensor.js";

/** Fields every node has: optional free-form metadata (written as a `metadata` group only when non-empty). */
export interface NodeBase {
  metadata: NirMetadata;
}

/** An int, or one int per spatial dim (how Conv/pool geometry is stored; kept as read so files round-trip). */
export type IntOrInts = number | number[];

export function checkInts(field: string, v: IntOrInts, dims: number, min: number): void {
  const list = typeof v === "number" ? [v] : v;
  if (typeof v !== "number" && v.length !== dims && v.length !== 1) {
    throw new NirFieldError(field, `'${field}' must be an int or ${dims} ints, got [${v.join(", ")}]`);
  }
  for (const x of list) {
    if (!Number.isInteger(x) || x < min) throw new NirFieldError(field, `'${field}' must be integers ≥ ${min}, got ${JSON.stringify(v)}`);
  }
}

/** Value of an int-or-ints field along spatial dim `i`. */
export const intAt = (v: IntOrInts, i: number): number => (typeof v === "number" ? v : (v[i] ?? v[0]!));
