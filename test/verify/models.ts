/** Small generated models and inputs for the verify/reference tests (Gemm → Relu → Gemm, optional tail ops). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeNpy } from "../../src/io/npy.js";
import { OnnxBuilder, type Dtype } from "../helpers/onnx-builder.js";

export const FEATURES = 6;
export const HIDDEN = 10;
export const CLASSES = 4;

export interface MlpOptions {
  dtype?: Dtype;
  opset?: number;
  /** Ops after the last Gemm, in order (e.g. ["Identity", "Dropout", "Softmax"]). */
  tail?: ("Identity" | "Dropout" | "Softmax" | "Flatten")[];
  /** Store the weights in this external data file (beside the model). */
  external?: string;
  seed?: number;
}

/** The model's bytes and its external data files. */
export function mlp(o: MlpOptions = {}): { bytes: Uint8Array; files: Map<string, Uint8Array> } {
  const dtype = o.dtype ?? "float32";
  const opset = o.opset ?? 13;
  const b = new OnnxBuilder({ opset, seed: o.seed ?? 7, ioType: dtype });
  const x = b.input("x", [FEATURES]);
  const w = (dims: number[], scale: number) => ({ ...b.randn(dims, scale), dtype });
  const weight = (dims: number[], scale: number): string => (o.external ? b.externalInit(w(dims, scale), o.external) : b.init(w(dims, scale)));
  let y: string;
  if (o.external) {
    const h = b.relu(b.add(b.matmul(x, weight([FEATURES, HIDDEN], 0.8)), weight([HIDDEN], 0.2)));
    y = b.add(b.matmul(h, weight([HIDDEN, CLASSES], 0.8)), weight([CLASSES], 0.2));
  } else {
    const h = b.relu(b.gemm(x, { b: w([FEATURES, HIDDEN], 0.8), c: w([HIDDEN], 0.2) }));
    y = b.gemm(h, { b: w([HIDDEN, CLASSES], 0.8), c: w([CLASSES], 0.2) });
  }
  for (const op of o.tail ?? []) {
    if (op === "Identity") y = b.identity(y);
    else if (op === "Dropout") y = b.dropout(y)[0]!;
    else if (op === "Flatten") y = b.flatten(y, 1);
    else y = b.softmax(y, opset < 13 ? 1 : undefined);
  }
  b.output(y);
  return { bytes: b.toBytes(), files: b.externalFiles };
}

/** Writes the model (and its external data) into `dir` as `name`; returns its path. */
export function writeModel(dir: string, name: string, o: MlpOptions = {}): string {
  const { bytes, files } = mlp(o);
  for (const [f, data] of files) writeFileSync(join(dir, f), data);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** n inputs uniform in [0, 1), seeded: [n, FEATURES] float64. */
export function inputs(n: number, seed = 3): Float64Array {
  let s = seed;
  return Float64Array.from({ length: n * FEATURES }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  });
}

/** Writes `inputs(n)` as DIR/x.npy; returns its path. */
export function writeInputs(dir: string, n = 200): string {
  const path = join(dir, "x.npy");
  writeFileSync(path, encodeNpy([n, FEATURES], inputs(n)));
  return path;
}
