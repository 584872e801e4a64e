/**
 * onnxruntime-node as the independent reference for the ANN: the original ONNX model, run by the official runtime
 * (float32, one thread) on the same inputs.
 */
import { product } from "../ann/graph.js";

export interface OrtResult {
  /** Outputs [n, …outputShape] as float64. */
  output: Float64Array;
  outputSize: number;
}

/** Runs the model on n samples (raw inputs, [n, …inputShape]); feeds batches when the batch axis is symbolic, else one at a time. */
export async function runOnnxRuntime(model: string | Uint8Array, input: Float64Array, n: number, inputShape: readonly number[]): Promise<OrtResult> {
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(model as string, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "all" });
  try {
    const inputName = session.inputNames[0]!;
    const outputName = session.outputNames[0]!;
    const size = product(inputShape);
    const meta = (session as unknown as { inputMetadata?: { shape?: (number | string)[] }[] }).inputMetadata?.[0];
    const fixedBatch = meta?.shape && typeof meta.shape[0] === "number" ? (meta.shape[0] as number) : undefined;
    const step = fixedBatch === 1 ? 1 : Math.min(n, 256);
    const chunks: Float64Array[] = [];
    let outputSize = 0;
    for (let b0 = 0; b0 < n; b0 += step) {
      const nb = Math.min(step, n - b0);
      const data = Float32Array.from(input.subarray(b0 * size, (b0 + nb) * size));
      const result = await session.run({ [inputName]: new ort.Tensor("float32", data, [nb, ...inputShape]) });
      const out = result[outputName]!;
      outputSize = (out.data as Float32Array).length / nb;
      chunks.push(Float64Array.from(out.data as Float32Array));
    }
    const output = new Float64Array(n * outputSize);
    let at = 0;
    for (const c of chunks) {
      output.set(c, at);
      at += c.length;
    }
    return { output, outputSize };
  } finally {
    await session.release();
  }
}
