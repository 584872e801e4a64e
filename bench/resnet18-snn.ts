/**
 * A ResNet-18-shaped SNN (ImageNet 224×224, 1000 classes) built directly in the SNN IR with deterministic random
 * parameters: the populations and projections `spikec compile` makes of ResNet-18 (7×7/2 conv, 3×3/2 max-pool
 * gate, 8 basic blocks with identity or 1×1/2 conv skips delayed to align windows, global average pool folded into
 * the dense readout). For benchmarks of stages after compilation, without compiling first.
 */
import type { Population, Projection, SnnNetwork, SpikingPopulation } from "../src/snn/network.js";

function values(n: number, seed: number, scale: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = scale * (2 * (s / 2 ** 32) - 1);
  }
  return out;
}

export function resnet18Snn(): SnnNetwork {
  let seed = 1;
  const pops: Population[] = [{ kind: "input", id: "input", shape: [3, 224, 224], origin: [], window: { tMin: 0, tMax: 1 }, range: { low: 0, high: 1 } }];
  const conv = (source: Population, cout: number, k: number, stride: number, delay = 0): Projection => {
    const cin = source.shape[0]!;
    const p = Math.floor(k / 2);
    return { kind: "conv", source: source.id, group: 1, weight: values(cout * cin * k * k, seed++, 0.1 * Math.sqrt(3 / (cin * k * k))), kernel: [k, k], stride: [stride, stride], pads: [p, p, p, p], dilation: [1, 1], delay };
  };
  const spiking = (id: string, shape: number[], source: Population, projections: Projection[]): SpikingPopulation => {
    const n = shape.reduce((a, b) => a * b, 1);
    const t1 = source.window.tMax;
    const pop: SpikingPopulation = {
      kind: "spiking",
      id,
      shape,
      origin: [{ name: `/${id}/Conv`, op: "Conv" }, { name: `/${id}/Relu`, op: "Relu" }],
      window: { tMin: t1, tMax: t1 + 1.5 },
      inputWindow: { ...source.window },
      alpha: 1,
      threshold: Float64Array.from(values(n, seed++, 0.4), (v) => 1 + v),
      maxActivation: 1,
      scale: new Float64Array(n).fill(1),
      projections,
    };
    pops.push(pop);
    return pop;
  };
  const stem = spiking("conv1", [64, 112, 112], pops[0]!, [conv(pops[0]!, 64, 7, 2)]);
  let x: Population = { kind: "gate", id: "maxpool", shape: [64, 56, 56], origin: [{ name: "/maxpool/MaxPool", op: "MaxPool" }], window: { ...stem.window }, channelSign: new Int8Array(64).fill(1), scale: new Float64Array(64 * 56 * 56).fill(1), projection: { kind: "pool", source: stem.id, delay: 0, ceilMode: false, kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], dilation: [1, 1] } };
  pops.push(x);
  let size = 56;
  for (const [stage, [c, stride]] of ([[64, 1], [128, 2], [256, 2], [512, 2]] as const).entries()) {
    for (let block = 0; block < 2; block++) {
      const s = block === 0 ? stride : 1;
      size = size / s;
      const y = spiking(`layer${stage + 1}_${block}_a`, [c, size, size], x, [conv(x, c, 3, s)]);
      const align = y.window.tMax - x.window.tMax;
      const skip: Projection = s !== 1 || x.shape[0] !== c ? conv(x, c, 1, s, align) : { kind: "identity", source: x.id, weight: new Float64Array(c).fill(1), delay: align };
      x = spiking(`layer${stage + 1}_${block}_b`, [c, size, size], y, [conv(y, c, 3, 1), skip]);
    }
  }
  const t1 = x.window.tMax;
  pops.push({
    kind: "readout",
    id: "fc",
    shape: [1000],
    origin: [{ name: "/fc/Gemm", op: "Gemm" }],
    window: { tMin: t1, tMax: t1 },
    inputWindow: { ...x.window },
    alpha: values(1000, seed++, 0.01),
    relu: false,
    projections: [{ kind: "dense", source: x.id, weight: values(1000 * 512 * 7 * 7, seed++, Math.sqrt(3 / 25088)), delay: 0 }],
  });
  return { format: "spikec.snn", version: 1, model: "alpha", compiledFrom: { model: "resnet18-shaped (synthetic)", margin: 0.5, calibrationSamples: 0 }, populations: pops, notes: [] };
}
