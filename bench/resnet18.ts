/** A ResNet-18-shaped ONNX model (ImageNet input, random weights, BN folded by nothing: real BN nodes), built in memory. */
import { OnnxBuilder, type Tensor } from "../test/helpers/onnx-builder.js";

export function resnet18Onnx(seed = 1, classes = 1000, size = 224): Uint8Array {
  const b = new OnnxBuilder({ opset: 13, seed });
  const vec = (n: number, scale: number, shift = 0): Tensor => {
    const t = b.randn([n], scale);
    return { dims: [n], data: Array.from(t.data, (v) => v + shift) };
  };
  const conv = (x: string, cin: number, cout: number, k: number, stride: number) =>
    b.conv(x, {
      weight: b.randn([cout, cin, k, k], Math.sqrt(3 / (cin * k * k))),
      strides: [stride, stride],
      pads: Array(4).fill(Math.floor(k / 2)),
    });
  const bn = (x: string, n: number) => b.batchNorm(x, { scale: vec(n, 0.1, 1), bias: vec(n, 0.1), mean: vec(n, 0.1), variance: vec(n, 0.1, 1) });
  let x = b.input("image", [3, size, size]);
  x = b.relu(bn(conv(x, 3, 64, 7, 2), 64));
  x = b.maxPool(x, { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  let c = 64;
  for (const [out, stride] of [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ] as const) {
    for (let block = 0; block < 2; block++) {
      const s = block === 0 ? stride : 1;
      const y = b.relu(bn(conv(x, c, out, 3, s), out));
      const z = bn(conv(y, out, out, 3, 1), out);
      const skip = s !== 1 || c !== out ? bn(conv(x, c, out, 1, s), out) : x;
      x = b.relu(b.add(z, skip));
      c = out;
    }
  }
  const flat = b.flatten(b.globalAveragePool(x));
  b.output(b.gemm(flat, { b: b.randn([classes, c], Math.sqrt(3 / c)), c: vec(classes, 0.01), transB: 1 }));
  return b.toBytes();
}
