import type { NirMetadata } from "../metadata.js";
import { NirFieldError } from "../tensor.js";
import type { NodeBase } from "./common.js";

/** Graph entry: x(t) enters the graph here, unchanged (in = out = shape). Spikes are Dirac pulses of area 1. */
export interface Input extends NodeBase {
  type: "Input";
  /** Signal shape without batch or time axis (int64 1-D in the file). */
  shape: number[];
}

export function checkShapeList(field: string, shape: readonly number[]): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new NirFieldError(field, `'${field}' must be non-negative integers, got [${shape.join(", ")}]`);
  }
}

export function input(shape: readonly number[], metadata: NirMetadata = {}): Input {
  checkShapeList("shape", shape);
  return { type: "Input", shape: [...shape], metadata };
}
