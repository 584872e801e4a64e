/**
 * onnxruntime-node as the independent reference for the ANN: the original ONNX model, run by the official runtime
 * (one thread) on the same inputs, fed in the element type the model declares for its input (float32, float64 or
 * float16) and read back as float64.
 *
 * What is read: by default the logits, i.e. what the SNN's readout computes. A model that ends in a Softmax (possibly
 * with Identity/Dropout/Flatten after it) is run with the Softmax's input as its graph output instead (the rest of the model is
 * unchanged), so the comparison stays logits against logits and exact up to the runtime's own rounding; comparing
 * softmax probabilities would hide logit errors (softmax is flat) and measure a different quantity.
 */
import { dirname } from "node:path";
import pkg from "onnx-proto";
import { product } from "../ann/graph.js";
import { halfToFloat } from "../io/npy.js";
import { InputError } from "../util/errors.js";
import { decodeModel } from "../onnx/decode.js";
import { readModelFile } from "../onnx/import.js";

const { onnx } = pkg;
const DT = onnx.TensorProto.DataType;

/**
 * onnxruntime refuses a model our importer accepts (it has no kernel for some op and type, e.g. float64 Conv): the
 * reference cannot run, which is not the model's fault. Callers report the comparison as not made, with the reason.
 */
export class OnnxruntimeCannotRun extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`onnxruntime cannot run ${file}: ${reason}`);
    this.name = "OnnxruntimeCannotRun";
  }
}

export interface OrtResult {
  /** Outputs [n, …outputShape] as float64. */
  output: Float64Array;
  outputSize: number;
  /** The tensor read, in words: "the model output 'y'" or "'z', the input of the final Softmax 'sm'". */
  read: string;
  /** The element type the input was fed as (the model's declared input type). */
  inputType: OrtFloatType;
}

export interface OrtOptions {
  /**
   * "logits" (default): the input of a final Softmax when the model ends in one (the SNN's readout gives logits),
   * else the model output. "model": the model output as exported.
   */
  output?: "logits" | "model";
  /** onnxruntime's graph optimizations (default "all", as benchmarks want); "disabled" runs the graph as written. */
  optimization?: "all" | "disabled";
}

/** A model loaded in onnxruntime with its inputs already converted: `run` is inference only (benchmarks). */
export interface OrtRunner {
  run(): Promise<OrtResult>;
  release(): Promise<void>;
  /** The input element type the model declares (what the runner feeds). */
  readonly inputType: OrtFloatType;
  /** See OrtResult.read. */
  readonly read: string;
}

export type OrtFloatType = "float32" | "float64" | "float16";

const INPUT_TYPES = new Map<number, OrtFloatType>([
  [DT.FLOAT, "float32"],
  [DT.DOUBLE, "float64"],
  [DT.FLOAT16, "float16"],
]);

const typeName = (t: number | null | undefined): string => (t === null || t === undefined ? "unknown" : (DT[t] ?? `dtype ${t}`).toLowerCase());

/** Rounds to an integer, ties to even (x ≥ 0, exact below 2^53). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const r = x - f;
  return r > 0.5 ? f + 1 : r < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}

/**
 * IEEE 754 binary16 bits of a float64, rounded to nearest, ties to even, directly from the float64 (no detour
 * through float32, which could round twice): subnormals kept, overflow to ±Infinity, NaN → quiet NaN, −0 kept.
 */
export function float64ToHalfBits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  // The largest half is 65504 = (2 − 2^−10)·2^15; halfway to the next binade (65520) and above round to Infinity.
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal (1024 → the smallest normal, 0x0400)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const m = roundHalfEven((a / 2 ** e) * 1024); // 1024 … 2048; a carry to 2048 moves into the exponent below
  return sign | (((e + 15) << 10) + (m - 1024));
}

/** A tensor's data as float64 (float32, float64 or float16 outputs); anything else is an InputError. */
function toFloat64(type: string, data: unknown, what: string): Float64Array {
  if (type === "float32" || type === "float64") return Float64Array.from(data as Float32Array | Float64Array);
  if (type === "float16") {
    // onnxruntime-node hands float16 back as the raw bit patterns (Uint16Array), or as a Float16Array where the
    // runtime has one.
    if (data instanceof Uint16Array) return Float64Array.from(data, halfToFloat);
    return Float64Array.from(data as ArrayLike<number>);
  }
  throw new InputError(`${what} has element type ${type}; the comparison reads float outputs only`, "export the model with a float32, float64 or float16 output");
}

interface PreparedModel {
  /** What onnxruntime loads: the original path/bytes, or rewritten bytes. */
  source: string | Uint8Array;
  /** Folder of the model's external data when `source` is rewritten bytes of a model read from a path. */
  externalDir?: string;
  file: string;
  inputType: OrtFloatType;
  fixedBatch: boolean;
  read: string;
}

/** Ops that pass their first input's values through in the same (C) order: what may follow a final Softmax. */
const PASS_THROUGH = new Set(["Identity", "Dropout", "Flatten", "Reshape", "Squeeze", "Unsqueeze"]);

/**
 * The tensor that holds the logits of a model ending in Softmax: walk back from the graph output through ops that
 * only pass values on (Identity, Dropout, Flatten/Reshape/Squeeze/Unsqueeze); if a Softmax is reached, its input.
 * null when the model does not end in a Softmax.
 */
export function softmaxLogitsOf(graph: pkg.onnx.IGraphProto): { logits: string; softmax: string } | null {
  const producer = new Map<string, pkg.onnx.INodeProto>();
  for (const node of graph.node ?? []) for (const o of node.output ?? []) if (o) producer.set(o, node);
  let name = graph.output?.[0]?.name ?? "";
  const seen = new Set<string>();
  for (let node = producer.get(name); node && !seen.has(name); node = producer.get(name)) {
    seen.add(name);
    const op = node.opType ?? "";
    if (node.domain && node.domain !== "ai.onnx") return null;
    if (op === "Softmax") return node.input?.[0] ? { logits: node.input[0], softmax: node.name || name } : null;
    if (!PASS_THROUGH.has(op)) return null;
    name = node.input?.[0] ?? "";
  }
  return null;
}

function prepareModel(model: string | Uint8Array, options: OrtOptions): PreparedModel {
  const file = typeof model === "string" ? model : "the model";
  // The same reading and decoding as the importer (and its messages); onnxruntime itself then loads the model.
  const proto = decodeModel(typeof model === "string" ? readModelFile(model) : model, { file });
  const graph = proto.graph ?? {};
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ""));
  const input = (graph.input ?? []).find((i) => !initializers.has(i.name ?? ""));
  const elem = input?.type?.tensorType?.elemType;
  const inputType = elem === null || elem === undefined ? undefined : INPUT_TYPES.get(elem);
  if (!input || !inputType)
    throw new InputError(
      `${file}: input '${input?.name ?? "?"}' has element type ${typeName(elem)}; the onnxruntime comparison feeds float32, float64 or float16 inputs only`,
      "export the model with a float input (float32 is the usual), or run verify with --no-onnxruntime",
    );
  const dim0 = input.type?.tensorType?.shape?.dim?.[0];
  const fixedBatch = !!dim0 && !dim0.dimParam && dim0.dimValue !== null && dim0.dimValue !== undefined && Number(dim0.dimValue) === 1;
  const outputName = graph.output?.[0]?.name ?? "";
  const found = (options.output ?? "logits") === "logits" ? softmaxLogitsOf(graph) : null;
  if (!found) return { source: model, file, inputType, fixedBatch, read: `the model output '${outputName}'` };
  // Read the Softmax's input instead of the model output: the same graph with that tensor as its (only) output.
  const out = graph.output![0]!;
  graph.output = [{ name: found.logits, type: { tensorType: { elemType: out.type?.tensorType?.elemType ?? DT.FLOAT } } }];
  const rewritten = onnx.ModelProto.encode(proto).finish();
  return {
    source: rewritten,
    externalDir: typeof model === "string" ? dirname(model) : undefined,
    file,
    inputType,
    fixedBatch,
    read: `'${found.logits}', the input of the final Softmax '${found.softmax}' (the model output '${outputName}' is its softmax)`,
  };
}

/** The input values as onnxruntime takes them for `type` (float16: bit patterns, rounded to nearest even). */
function inputData(type: OrtFloatType, x: Float64Array): Float32Array | Float64Array | Uint16Array {
  if (type === "float64") return Float64Array.from(x);
  if (type === "float16") return Uint16Array.from(x, float64ToHalfBits);
  return Float32Array.from(x);
}

/**
 * Loads the model and converts n raw inputs ([n, …inputShape]) to tensors of the model's input type: batches of up
 * to 256 when the batch axis is symbolic, else one sample per run.
 */
export async function onnxRuntimeRunner(model: string | Uint8Array, input: Float64Array, n: number, inputShape: readonly number[], options: OrtOptions = {}): Promise<OrtRunner> {
  const prepared = prepareModel(model, options);
  const ort = await import("onnxruntime-node");
  const sessionOptions = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: options.optimization ?? "all",
    // Failures come back as exceptions that the callers report; onnxruntime's own log would repeat them on stderr.
    logSeverityLevel: 4 as const,
    // Rewritten bytes have no path: onnxruntime resolves external data against this folder.
    ...(prepared.externalDir !== undefined ? { extra: { session: { model_external_initializers_file_folder_path: prepared.externalDir } } } : {}),
  };
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(prepared.source as string, sessionOptions);
  } catch (e) {
    throw new OnnxruntimeCannotRun(prepared.file, e instanceof Error ? e.message : String(e));
  }
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  const size = product(inputShape);
  const step = prepared.fixedBatch ? 1 : Math.min(n, 256);
  const feeds: { nb: number; tensor: InstanceType<typeof ort.Tensor> }[] = [];
  try {
    for (let b0 = 0; b0 < n; b0 += step) {
      const nb = Math.min(step, n - b0);
      feeds.push({ nb, tensor: new ort.Tensor(prepared.inputType, inputData(prepared.inputType, input.subarray(b0 * size, (b0 + nb) * size)), [nb, ...inputShape]) });
    }
  } catch (e) {
    await session.release();
    throw e;
  }
  return {
    inputType: prepared.inputType,
    read: prepared.read,
    async run(): Promise<OrtResult> {
      const chunks: Float64Array[] = [];
      let outputSize = 0;
      for (const { nb, tensor } of feeds) {
        let out: Awaited<ReturnType<typeof session.run>>[string];
        try {
          out = (await session.run({ [inputName]: tensor }))[outputName]!;
        } catch (e) {
          throw new OnnxruntimeCannotRun(prepared.file, e instanceof Error ? e.message : String(e));
        }
        const data = toFloat64(out.type, out.data, `${prepared.file}: output '${outputName}'`);
        outputSize = data.length / nb;
        chunks.push(data);
      }
      const output = new Float64Array(n * outputSize);
      let at = 0;
      for (const c of chunks) {
        output.set(c, at);
        at += c.length;
      }
      return { output, outputSize, read: prepared.read, inputType: prepared.inputType };
    },
    release: () => session.release(),
  };
}

/**
 * Runs the model on n samples (raw inputs, [n, …inputShape]) once. When onnxruntime cannot load or run it with its
 * graph optimizations (its fusions refuse some legal graphs, e.g. a Pad fused into an AveragePool), it is run again
 * as written; OnnxruntimeCannotRun when that fails too (onnxruntime lacks a kernel the model needs).
 */
export async function runOnnxRuntime(model: string | Uint8Array, input: Float64Array, n: number, inputShape: readonly number[], options: OrtOptions = {}): Promise<OrtResult> {
  try {
    return await runOnce(model, input, n, inputShape, options);
  } catch (e) {
    if (!(e instanceof OnnxruntimeCannotRun) || options.optimization === "disabled") throw e;
    return await runOnce(model, input, n, inputShape, { ...options, optimization: "disabled" });
  }
}

async function runOnce(model: string | Uint8Array, input: Float64Array, n: number, inputShape: readonly number[], options: OrtOptions): Promise<OrtResult> {
  const runner = await onnxRuntimeRunner(model, input, n, inputShape, options);
  try {
    return await runner.run();
  } finally {
    await runner.release();
  }
}
