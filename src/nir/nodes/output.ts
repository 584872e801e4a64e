import type { NirMetadata } from "../metadata.js";
import type { NodeBase } from "./common.js";
import { checkShapeList } from "./input.js";

/** Graph exit: y(t) = x(t), read by whoever runs the graph (in = out = shape). */
export interface Output extends NodeBase {
  type: "Output";
  shape: number[];
}

export function output(shape: readonly number[], metadata: NirMetadata = {}): Output {
  checkShapeList("shape", shape);
  return { type: "Output", shape: [...shape], metadata };
}
