import type { NodeBase } from "./common.js";
import { checkPoolGeometry } from "./sumpool2d.js";

/**
 * Average pooling = SumPool2d followed by a scale of 1/(Kh·Kw) (padded taps count, read 0).
 * Shapes as SumPool2d.
 */
export interface AvgPool2d extends NodeBase {
  type: "AvgPool2d";
  kernel_size: number[];
  stride: number[];
  padding: number[];
}

export function avgPool2d(p: Omit<AvgPool2d, "type" | "metadata"> & { metadata?: AvgPool2d["metadata"] }): AvgPool2d {
  checkPoolGeometry(p);
  return { type: "AvgPool2d", kernel_size: [...p.kernel_size], stride: [...p.stride], padding: [...p.padding], metadata: p.metadata ?? {} };
}
