/** MaxPool, AveragePool, GlobalAveragePool, and ReduceMean over H and W (a global average pool). */
import type { AvgPoolNode, FlattenNode, GlobalAvgPoolNode, MaxPoolNode } from "../../ann/graph.js";
import { pool2dOutputShape } from "../../ann/kernels/pool2d.js";
import type { NodeContext } from "../context.js";
import type { OpHandler } from "./types.js";
import { imageShape, parseWindow } from "./window.js";

/** `padded`: a zero Pad before the pool, folded into its window (AveragePool only: MaxPool pads with −∞). */
function poolWindow(n: NodeContext, padded: [number, number, number, number] = [0, 0, 0, 0]) {
  const x = padded.some((p) => p > 0) ? n.paddedActivation(0, "input X").x : n.activation(0, "input X");
  const [c, h, w] = imageShape(n, x.shape);
  const k = n.attrs.ints("kernel_shape");
  if (!k) n.fail("kernel_shape is missing");
  if (k.length !== 2) n.fail(`kernel_shape [${k}] is not 2-D; only 2-D pooling is supported`);
  if (k.some((d) => !(d >= 1))) n.failBroken(`kernel_shape [${k}] has a size below 1`, "export the model again; a pooling window holds at least one input per axis");
  const win = parseWindow(n, [k[0], k[1]], [h + padded[0] + padded[2], w + padded[1] + padded[3]], padded);
  const ceilMode = n.attrs.int("ceil_mode", 0) !== 0;
  const shape = pool2dOutputShape([c, h, w], win, ceilMode);
  if (shape[1] < 1 || shape[2] < 1) n.fail(`the ${k[0]}×${k[1]} window does not fit the ${h}×${w} input`);
  return { x, win, ceilMode, shape };
}

export const maxPool: OpHandler = (n) => {
  if (n.node.output?.[1])
    n.fail("the Indices output is requested; spikec supports MaxPool with its values output only", "export the pool without return_indices");
  const { x, win, ceilMode, shape } = poolWindow(n);
  const node = n.ctx.emit<MaxPoolNode>({
    kind: "maxpool",
    id: n.outputName(),
    inputs: [x.id],
    shape,
    origin: n.origin(),
    ...win,
    ceilMode,
    channelSign: new Int8Array(shape[0]).fill(1),
  });
  n.bind(0, { kind: "activation", id: node.id, shape });
};

export const averagePool: OpHandler = (n) => {
  // PyTorch exports AvgPool2d(count_include_pad=True) as a zero Pad and an unpadded AveragePool: the zeros are data,
  // so they count in every average, which is count_include_pad over the pool's own padding.
  const padded = n.paddedActivation(0, "input X").pads;
  const { x, win, ceilMode, shape } = poolWindow(n, padded);
  const own = win.pads.some((p, i) => p !== padded[i]);
  let countIncludePad = n.attrs.int("count_include_pad", 0) !== 0;
  if (padded.some((p) => p > 0)) {
    if (own && !countIncludePad)
      n.fail("reads a zero-padded input (Pad) and pads again without counting its padding: the two paddings cannot be one window", "put all the padding in one place");
    countIncludePad = true;
  }
  const node = n.ctx.emit<AvgPoolNode>({
    kind: "avgpool",
    id: n.outputName(),
    inputs: [x.id],
    shape,
    origin: n.origin(),
    ...win,
    ceilMode,
    countIncludePad,
  });
  n.bind(0, { kind: "activation", id: node.id, shape });
};

export const globalAveragePool: OpHandler = (n) => {
  const x = n.activation(0, "input X");
  const [c] = imageShape(n, x.shape);
  const node = n.ctx.emit<GlobalAvgPoolNode>({ kind: "globalavgpool", id: n.outputName(), inputs: [x.id], shape: [c, 1, 1], origin: n.origin() });
  n.bind(0, { kind: "activation", id: node.id, shape: node.shape });
};

/**
 * ReduceMean over H and W of a [batch, C, H, W] activation (torch's x.mean((2, 3))): a global average pool, flattened
 * to [batch, C] when keepdims is 0. Axes come from the attribute (opset < 18) or the second input (opset 18).
 */
export const reduceMean: OpHandler = (n) => {
  const x = n.activation(0, "input data");
  const rank = x.shape.length + 1;
  const given = n.opset >= 18 ? (n.hasInput(1) ? Array.from(n.constant(1, "axes").data) : undefined) : n.attrs.ints("axes");
  if (given === undefined || given.length === 0) return n.fail("it averages over every axis, the batch axis included", "average over H and W only: x.mean((2, 3))");
  const axes = [...new Set(given.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  if (rank !== 4 || axes.length !== 2 || axes[0] !== 2 || axes[1] !== 3)
    n.fail(`it averages over axes [${given.join(", ")}] of [batch, ${x.shape.join(", ")}]; spikec supports the mean over H and W of an image (axes 2 and 3), a global average pool`, "average over H and W only: x.mean((2, 3)), or use AdaptiveAvgPool2d(1)");
  const c = x.shape[0]!;
  const keep = n.attrs.int("keepdims", 1) !== 0;
  const pooled = n.ctx.emit<GlobalAvgPoolNode>({ kind: "globalavgpool", id: keep ? n.outputName() : `${n.outputName()}/pool`, inputs: [x.id], shape: [c, 1, 1], origin: n.origin() });
  if (keep) return n.bind(0, { kind: "activation", id: pooled.id, shape: pooled.shape });
  const flat = n.ctx.emit<FlattenNode>({ kind: "flatten", id: n.outputName(), inputs: [pooled.id], shape: [c], origin: n.origin() });
  n.bind(0, { kind: "activation", id: flat.id, shape: flat.shape });
};
