/** MaxPool, AveragePool, GlobalAveragePool. */
import type { AvgPoolNode, GlobalAvgPoolNode, MaxPoolNode } from "../../ann/graph.js";
import { pool2dOutputShape } from "../../ann/kernels/pool2d.js";
import type { NodeContext } from "../context.js";
import type { OpHandler } from "./types.js";
import { imageShape, parseWindow } from "./window.js";

function poolWindow(n: NodeContext) {
  const x = n.activation(0, "input X");
  const [c, h, w] = imageShape(n, x.shape);
  const k = n.attrs.ints("kernel_shape");
  if (!k) n.fail("kernel_shape is missing");
  if (k.length !== 2) n.fail(`kernel_shape [${k}] is not 2-D; only 2-D pooling is supported`);
  const win = parseWindow(n, [k[0], k[1]], [h, w]);
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
  const { x, win, ceilMode, shape } = poolWindow(n);
  const node = n.ctx.emit<AvgPoolNode>({
    kind: "avgpool",
    id: n.outputName(),
    inputs: [x.id],
    shape,
    origin: n.origin(),
    ...win,
    ceilMode,
    countIncludePad: n.attrs.int("count_include_pad", 0) !== 0,
  });
  n.bind(0, { kind: "activation", id: node.id, shape });
};

export const globalAveragePool: OpHandler = (n) => {
  const x = n.activation(0, "input X");
  const [c] = imageShape(n, x.shape);
  const node = n.ctx.emit<GlobalAvgPoolNode>({ kind: "globalavgpool", id: n.outputName(), inputs: [x.id], shape: [c, 1, 1], origin: n.origin() });
  n.bind(0, { kind: "activation", id: node.id, shape: node.shape });
};
