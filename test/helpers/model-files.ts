/** A built model and a small deterministic calibration set for it, as files for the CLI. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeNpy } from "../../src/io/npy.js";
import { OnnxBuilder } from "./onnx-builder.js";

/** Writes DIR/NAME.onnx and DIR/NAME-calib.npy ([samples, …inputShape], values in [0, 1]); returns both paths. */
export function writeModelFiles(dir: string, name: string, b: OnnxBuilder, inputShape: number[], samples = 4): { model: string; calib: string } {
  const model = join(dir, `${name}.onnx`);
  writeFileSync(model, b.toBytes());
  const calib = join(dir, `${name}-calib.npy`);
  const size = samples * inputShape.reduce((a, d) => a * d, 1);
  writeFileSync(calib, encodeNpy([samples, ...inputShape], Float64Array.from({ length: size }, (_, i) => ((i * 37) % 11) / 10)));
  return { model, calib };
}

/** x [1, 8, 8] → Conv (2 channels, `kernel`, `pads`) → ReLU → Flatten → Gemm (3 outputs): a model of one conv geometry. */
export function oneConvModel(kernel: [number, number], pads: [number, number, number, number]): OnnxBuilder {
  const b = new OnnxBuilder({ opset: 13 });
  const x = b.input("x", [1, 8, 8]);
  const c = b.relu(b.conv(x, { weight: b.randn([2, 1, ...kernel]), pads }));
  const [oh, ow] = [8 + pads[0] + pads[2] - kernel[0] + 1, 8 + pads[1] + pads[3] - kernel[1] + 1];
  b.output(b.gemm(b.flatten(c), { b: b.randn([3, 2 * oh * ow]), transB: 1 }));
  return b;
}
