/** A built model and a small deterministic calibration set for it, as files for the CLI. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeNpy } from "../../src/io/npy.js";
import type { OnnxBuilder } from "./onnx-builder.js";

/** Writes DIR/NAME.onnx and DIR/NAME-calib.npy ([samples, …inputShape], values in [0, 1]); returns both paths. */
export function writeModelFiles(dir: string, name: string, b: OnnxBuilder, inputShape: number[], samples = 4): { model: string; calib: string } {
  const model = join(dir, `${name}.onnx`);
  writeFileSync(model, b.toBytes());
  const calib = join(dir, `${name}-calib.npy`);
  const size = samples * inputShape.reduce((a, d) => a * d, 1);
  writeFileSync(calib, encodeNpy([samples, ...inputShape], Float64Array.from({ length: size }, (_, i) => ((i * 37) % 11) / 10)));
  return { model, calib };
}
