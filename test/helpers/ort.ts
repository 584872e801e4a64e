/** onnxruntime-node as the reference: runs a model on float64 data (fed as float32) with one thread. */
import * as ort from "onnxruntime-node";

export async function runOrt(
  model: Uint8Array | string,
  inputName: string,
  shape: number[],
  data: Float64Array,
  dtype: "float32" | "float64" = "float32",
): Promise<Float64Array> {
  const session = await ort.InferenceSession.create(model as Uint8Array, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "disabled" });
  try {
    const tensor = dtype === "float64" ? new ort.Tensor("float64", Float64Array.from(data), shape) : new ort.Tensor("float32", Float32Array.from(data), shape);
    const feeds = { [inputName]: tensor };
    const out = await session.run(feeds);
    const first = out[session.outputNames[0]];
    return Float64Array.from(first.data as Float32Array | Float64Array);
  } finally {
    await session.release();
  }
}

/** Same data through float32, as the reference sees it: compare the executor on these values. */
export const asFloat32 = (data: Float64Array): Float64Array => Float64Array.from(Float32Array.from(data));

export interface Agreement {
  maxDiff: number;
  maxAbs: number;
  argmaxAgree: number;
  samples: number;
}

/** max |a − b|, max |b|, and how many rows of width `classes` have the same argmax. */
export function agreement(a: Float64Array, b: Float64Array, classes: number): Agreement {
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    maxAbs = Math.max(maxAbs, Math.abs(b[i]));
  }
  const samples = a.length / classes;
  let argmaxAgree = 0;
  for (let s = 0; s < samples; s++) {
    const row = (x: Float64Array) => x.subarray(s * classes, (s + 1) * classes);
    if (argmax(row(a)) === argmax(row(b))) argmaxAgree++;
  }
  return { maxDiff, maxAbs, argmaxAgree, samples };
}

export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}
