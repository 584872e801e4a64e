/**
 * A pre-activation ResNet (He et al. 2016, "Identity Mappings in Deep Residual Networks") as ONNX bytes, random
 * weights and real BatchNormalization nodes: stem conv → BN → ReLU → max pool, then per block
 *   a = relu(bn1(x)); x' = conv2(relu(bn2(conv1(a)))) + (x, or a 1×1 projection of a when the shape changes),
 * and the head relu(bn(x)) → global average pool → Gemm. The residual stream x has no ReLU on it: every Add reads the
 * previous Add, which is what makes this family stress canonicalization. `stages` gives [channels, stride, blocks];
 * ResNet-18 is [[64, 1, 2], [128, 2, 2], [256, 2, 2], [512, 2, 2]].
 */
import { OnnxBuilder, type Tensor } from "./onnx-builder.js";

export type Stage = readonly [channels: number, stride: number, blocks: number];

export const RESNET18_STAGES = (width: number): Stage[] => [
  [width, 1, 2],
  [2 * width, 2, 2],
  [4 * width, 2, 2],
  [8 * width, 2, 2],
];

export function preactResnetOnnx(o: { stages: Stage[]; size: number; inChannels?: number; classes?: number; seed?: number }): Uint8Array {
  const b = new OnnxBuilder({ opset: 13, seed: o.seed ?? 1 });
  const vec = (n: number, scale: number, shift = 0): Tensor => {
    const t = b.randn([n], scale);
    return { dims: [n], data: Array.from(t.data, (v) => v + shift) };
  };
  const conv = (x: string, cin: number, cout: number, k: number, stride: number) =>
    b.conv(x, { weight: b.randn([cout, cin, k, k], Math.sqrt(3 / (cin * k * k))), strides: [stride, stride], pads: Array(4).fill(Math.floor(k / 2)) });
  const bn = (x: string, n: number) => b.batchNorm(x, { scale: vec(n, 0.3, 1), bias: vec(n, 0.2), mean: vec(n, 0.2), variance: vec(n, 0.2, 1) });
  let c = o.inChannels ?? 3;
  let x = b.input("image", [c, o.size, o.size]);
  const stem = o.stages[0][0];
  x = b.maxPool(b.relu(bn(conv(x, c, stem, 3, 1), stem)), { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  c = stem;
  for (const [out, stride, blocks] of o.stages)
    for (let k = 0; k < blocks; k++) {
      const s = k === 0 ? stride : 1;
      const a = b.relu(bn(x, c));
      const z = conv(b.relu(bn(conv(a, c, out, 3, s), out)), out, out, 3, 1);
      const skip = s !== 1 || c !== out ? conv(a, c, out, 1, s) : x;
      x = b.add(z, skip);
      c = out;
    }
  const flat = b.flatten(b.globalAveragePool(b.relu(bn(x, c))));
  b.output(b.gemm(flat, { b: b.randn([o.classes ?? 10, c], Math.sqrt(3 / c)), c: vec(o.classes ?? 10, 0.01), transB: 1 }));
  return b.toBytes();
}
