/** Fully connected layer on a batch: out[b, o] += Σ_i W[o, i] · x[b, i]. */
import { gemmABtAccumulate } from "./gemm.js";

export function denseAccumulate(
  input: Float64Array,
  batch: number,
  inSize: number,
  weight: Float64Array,
  outSize: number,
  output: Float64Array,
): void {
  gemmABtAccumulate(batch, outSize, inSize, input, 0, inSize, weight, 0, inSize, output, 0, outSize);
}
