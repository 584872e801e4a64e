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

/** A model loaded in onnxruntime with its inputs already fed as float32 tensors: `run` is inference only (benchmarks). */
export interface OrtRunner {
  run(): Promise<OrtResult>;
  release(): Promise<void>;
}

/**
 * Loads the model and converts n raw inputs ([n, …inputShape]) to float32 tensors: batches of up to 256 when the batch
 * axis is symbolic, else one sample per run.
 */
export async function onnxRuntimeRunner(model: string | Uint8Array, input: Float64Array, n: number, inputShape: readonly number[]): Promise<OrtRunner> {
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(model as string, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "all" });
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  const size = product(inputShape);
  const meta = (session as unknown as { inputMetadata?: { shape?: (number | string)[] }[] }).inputMetadata?.[0];
  const fixedBatch = meta?.shape && typeof meta.shape[0] === "number" ? (meta.shape[0] as number) : undefined;
  const step = fixedBatch === 1 ? 1 : Math.min(n, 256);
  const feeds: { nb: number; tensor: InstanceType<typeof ort.Tensor> }[] = [];
  try {
    for (let b0 = 0; b0 < n; b0 += step) {
      const nb = Math.min(step, n - b0);
      feeds.push({ nb, tensor: new ort.Tensor("float32", Float32Array.from(input.subarray(b0 * size, (b0 + nb) * size)), [nb, ...inputShape]) });
    }
  } catch (e) {
    await session.release();
    throw e;
  }
  return {
    async run(): Promise<OrtResult> {
      const chunks: Float32Array[] = [];
      let outputSize = 0;
      for (const { nb, tensor } of feeds) {
        const out = (await session.run({ [inputName]: tensor }))[outputName]!;
        outputSize = (out.data as Float32Array).length / nb;
        chunks.push(out.data as Float32Array);
      }
      const output = new Float64Array(n * outputSize);
      let at = 0;
      for (const c of chunks) {
        output.set(c, at);
        at += c.length;
      }
      return { output, outputSize };
    },
    release: () => session.release(),
  };
}

/** Runs the model on n samples (raw inputs, [n, …inputShape]) once. */
export async function runOnnxRuntime(model: string | Uint8Array, input: Float64Array, n: number, inputShape: readonly number[]): Promise<OrtResult> {
  const runner = await onnxRuntimeRunner(model, input, n, inputShape);
  try {
    return await runner.run();
  } finally {
    await runner.release();
  }
}
