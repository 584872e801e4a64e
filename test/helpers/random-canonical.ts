/** Small random canonical ANN graphs (input, layer, maxpool) for mapping and simulator tests. */
import type { AnnGraph, AnnNode, LayerNode, MaxPoolNode } from "../../src/ann/graph.js";
import { rng } from "./rng.js";
export { rng };


export function randomArray(n: number, r: () => number, scale: number, shift = 0): Float64Array {
  return Float64Array.from({ length: n }, () => (r() * 2 - 1) * scale + shift);
}

const origin = (id: string, op: string) => [{ name: id, op }];

/** input [inDim] → dense+relu ×hidden.length → dense readout [classes]. */
export function randomMlp(seed: number, inDim: number, hidden: number[], classes: number): AnnGraph {
  const r = rng(seed);
  const nodes: AnnNode[] = [{ kind: "input", id: "x", inputs: [], shape: [inDim], origin: [] }];
  let prev = "x";
  let prevDim = inDim;
  [...hidden, classes].forEach((dim, k) => {
    const id = k === hidden.length ? "logits" : `fc${k}`;
    const layer: LayerNode = {
      kind: "layer",
      id,
      inputs: [prev],
      shape: [dim],
      origin: origin(id, "Gemm"),
      terms: [{ kind: "dense", source: prev, weight: randomArray(dim * prevDim, r, 1.5 / Math.sqrt(prevDim)) }],
      bias: randomArray(dim, r, 0.2),
      relu: k < hidden.length,
    };
    nodes.push(layer);
    prev = id;
    prevDim = dim;
  });
  return { source: `random-mlp-${seed}`, inputName: "x", nodes, output: prev, notes: [] };
}

/** input [c,h,w] → conv3x3 pad1 + relu → maxpool 2 → conv3x3 stride2 + skip-free → dense readout. */
export function randomConvNet(seed: number, c: number, h: number, w: number, classes: number): AnnGraph {
  const r = rng(seed);
  const c1 = 4;
  const conv1: LayerNode = {
    kind: "layer",
    id: "conv1",
    inputs: ["x"],
    shape: [c1, h, w],
    origin: origin("conv1", "Conv"),
    terms: [{ kind: "conv", source: "x", weight: randomArray(c1 * c * 9, r, 0.5), group: 1, kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1] }],
    bias: randomArray(c1 * h * w, r, 0.1),
    relu: true,
  };
  const pool: MaxPoolNode = {
    kind: "maxpool",
    id: "pool1",
    inputs: ["conv1"],
    shape: [c1, h / 2, w / 2],
    origin: origin("pool1", "MaxPool"),
    kernel: [2, 2],
    stride: [2, 2],
    pads: [0, 0, 0, 0],
    dilation: [1, 1],
    ceilMode: false,
    channelSign: Int8Array.from({ length: c1 }, (_, i) => (i % 3 === 2 ? -1 : 1)),
  };
  const c2 = 6;
  const oh = Math.floor((h / 2 + 2 - 3) / 2) + 1;
  const ow = Math.floor((w / 2 + 2 - 3) / 2) + 1;
  const conv2: LayerNode = {
    kind: "layer",
    id: "conv2",
    inputs: ["pool1", "pool1"],
    shape: [c2, oh, ow],
    origin: origin("conv2", "Conv"),
    terms: [
      { kind: "conv", source: "pool1", weight: randomArray(c2 * c1 * 9, r, 0.4), group: 1, kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], dilation: [1, 1] },
    ],
    bias: randomArray(c2 * oh * ow, r, 0.1),
    relu: true,
  };
  conv2.inputs = ["pool1"];
  const readout: LayerNode = {
    kind: "layer",
    id: "logits",
    inputs: ["conv2", "x"],
    shape: [classes],
    origin: origin("fc", "Gemm"),
    terms: [
      { kind: "dense", source: "conv2", weight: randomArray(classes * c2 * oh * ow, r, 0.3) },
      { kind: "dense", source: "x", weight: randomArray(classes * c * h * w, r, 0.05) },
    ],
    bias: randomArray(classes, r, 0.1),
    relu: false,
  };
  return {
    source: `random-conv-${seed}`,
    inputName: "x",
    nodes: [{ kind: "input", id: "x", inputs: [], shape: [c, h, w], origin: [] }, conv1, pool, conv2, readout],
    output: "logits",
    notes: [],
  };
}
