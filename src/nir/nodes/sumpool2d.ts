import type { NodeBase } from "./common.js";
import { checkInts } from "./common.js";

/**
 * Sum pooling: y[c, i, j] = Σ_{u<Kh, v<Kw} x[c, i·s_h + u − p_h, j·s_w + v − p_w] (padded taps read 0).
 * Input [C, H, W] (inferred from the predecessor), output [C, H', W'] with the conv formula at dilation 1.
 */
export interface SumPool2d extends NodeBase {
  type: "SumPool2d";
  kernel_size: number[];
  stride: number[];
  padding: number[];
}

export function checkPoolGeometry(p: { kernel_size: number[]; stride: number[]; padding: number[] }): void {
  checkInts("kernel_size", p.kernel_size, 2, 1);
  checkInts("stride", p.stride, 2, 1);
  checkInts("padding", p.padding, 2, 0);
}

export function sumPool2d(p: Omit<SumPool2d, "type" | "metadata"> & { metadata?: SumPool2d["metadata"] }): SumPool2d {
  checkPoolGeometry(p);
  return { type: "SumPool2d", kernel_size: [...p.kernel_size], stride: [...p.stride], padding: [...p.padding], metadata: p.metadata ?? {} };
}
