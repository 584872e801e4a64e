/**
 * Applying one linear term of a canonical layer (or one projection of the SNN IR, which is a term plus a delay) to a
 * batch of source activations. Shared by the ANN executor, the mapping and the exact SNN simulator.
 */
import { product, type Term } from "./graph.js";
import { conv2dAccumulate, type Conv2dArgs } from "./kernels/conv2d.js";
import { denseAccumulate } from "./kernels/dense.js";
import { avgPool2dAccumulate } from "./kernels/pool2d.js";

/** out[b, …outShape] += term(x[b, …inShape]) for every b in the batch. */
export function applyTerm(term: Term, x: Float64Array, inShape: readonly number[], outShape: readonly number[], batch: number, out: Float64Array): void {
  switch (term.kind) {
    case "dense":
      denseAccumulate(x, batch, product(inShape), term.weight, product(outShape), out);
      return;
    case "conv":
      conv2dAccumulate(convArgs(term, x, inShape, outShape, batch, out));
      return;
    case "avgpool": {
      const [c, ih, iw] = inShape as [number, number, number];
      avgPool2dAccumulate(
        { ...term, input: x, batch, channels: c, inH: ih, inW: iw, output: out, outH: outShape[1]!, outW: outShape[2]! },
        term.countIncludePad,
        term.weight,
      );
      return;
    }
    case "identity": {
      const size = product(inShape);
      const channels = term.weight.length;
      const inner = size / channels;
      for (let b = 0; b < batch; b++)
        for (let c = 0; c < channels; c++) {
          const w = term.weight[c]!;
          if (w === 0) continue;
          const base = b * size + c * inner;
          for (let i = 0; i < inner; i++) out[base + i]! += w * x[base + i]!;
        }
      return;
    }
  }
}

/** The convolution kernel's arguments for a conv term on a batch [batch, …inShape] → out [batch, …outShape]. */
export function convArgs(term: Extract<Term, { kind: "conv" }>, x: Float64Array, inShape: readonly number[], outShape: readonly number[], batch: number, out: Float64Array): Conv2dArgs {
  const [cin, ih, iw] = inShape as [number, number, number];
  const [cout, oh, ow] = outShape as [number, number, number];
  return { ...term, input: x, batch, inChannels: cin, inH: ih, inW: iw, outChannels: cout, output: out, outH: oh, outW: ow };
}

/** A copy of the term with its weights replaced (same geometry). */
export function withWeights<T extends Term>(term: T, weight: Float64Array): T {
  return { ...term, weight };
}
