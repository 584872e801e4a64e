/** Import a built model, run it through the executor and through onnxruntime on the same random batch, compare. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execute } from "../../src/ann/execute.js";
import type { AnnGraph } from "../../src/ann/graph.js";
import { product } from "../../src/ann/graph.js";
import { importOnnx, importOnnxBytes } from "../../src/onnx/index.js";
import type { OnnxBuilder } from "./onnx-builder.js";
import { agreement, asFloat32, runOrt, type Agreement } from "./ort.js";
import { scratchDir } from "./scratch.js";

export interface Comparison extends Agreement {
  graph: AnnGraph;
  /** maxDiff / maxAbs. */
  relative: number;
}

/** Writes the model (and its external data files) to a fresh temp folder; returns the model path. */
export function writeModel(b: OnnxBuilder, name = "model.onnx"): string {
  const dir = scratchDir("spikec-onnx-");
  const path = join(dir, name);
  writeFileSync(path, b.toBytes());
  for (const [file, bytes] of b.externalFiles) writeFileSync(join(dir, file), bytes);
  return path;
}

export async function compareWithOrt(b: OnnxBuilder, options: { batch?: number; seed?: number; onDisk?: boolean } = {}): Promise<Comparison> {
  const batch = options.batch ?? 3;
  const onDisk = options.onDisk ?? b.externalFiles.size > 0;
  const path = onDisk ? writeModel(b) : "";
  const bytes = b.toBytes();
  const graph = onDisk ? importOnnx(path) : importOnnxBytes(bytes, "built.onnx");
  const inputShape = graph.nodes[0].shape;
  let seed = options.seed ?? 42;
  const raw = Float64Array.from({ length: batch * product(inputShape) }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648) * 4 - 2;
  });
  const input = asFloat32(raw);
  const ours = execute(graph, input, batch).get(graph.output)!;
  const ref = await runOrt(onDisk ? path : bytes, graph.inputName, [batch, ...inputShape], input, b.ioType === "float64" ? "float64" : "float32");
  const outSize = product(graph.nodes.find((n) => n.id === graph.output)!.shape);
  if (ref.length !== ours.length) throw new Error(`onnxruntime returned ${ref.length} values, the executor ${ours.length}`);
  const a = agreement(ours, ref, outSize);
  return { ...a, graph, relative: a.maxAbs === 0 ? a.maxDiff : a.maxDiff / a.maxAbs };
}
