/** Conv (2-D) → conv. */
import type { ConvNode } from "../../ann/graph.js";
import { conv2dOutputShape } from "../../ann/kernels/conv2d.js";
import type { OpHandler } from "./types.js";
import { imageShape, parseWindow } from "./window.js";

export const conv: OpHandler = (n) => {
  // A zero Pad before the Conv (as some exporters write padding) is the Conv's own padding.
  const { x, pads: padded } = n.paddedActivation(0, "input X");
  const w = n.floatConstant(1, "weight W");
  if (w.dims.length !== 4)
    n.fail(`the weight has shape [${w.dims}]: a ${w.dims.length - 2}-D kernel; only 2-D convolution is supported`, "use Conv2d layers");
  const [c, h, wd] = imageShape(n, x.shape);
  const group = n.attrs.int("group", 1);
  const [cout, cg, kh, kw] = w.dims;
  if (group < 1 || c !== cg * group || cout % group !== 0)
    n.fail(`weight [${w.dims}] with group=${group} does not match ${c} input channels`);
  const ks = n.attrs.ints("kernel_shape");
  if (ks && (ks.length !== 2 || ks[0] !== kh || ks[1] !== kw)) n.fail(`kernel_shape [${ks}] disagrees with the weight shape [${w.dims}]`);
  const win = parseWindow(n, [kh, kw], [h + padded[0] + padded[2], wd + padded[1] + padded[3]], padded);
  const shape = conv2dOutputShape(x.shape, cout, win);
  if (shape[1] < 1 || shape[2] < 1) n.fail(`the ${kh}×${kw} kernel does not fit the ${h}×${wd} input`);
  const bias = n.hasInput(2) ? n.floatConstant(2, "bias B").data : new Float64Array(cout);
  if (bias.length !== cout) n.fail(`bias has ${bias.length} entries for ${cout} output channels`);
  const node = n.ctx.emit<ConvNode>({
    kind: "conv",
    id: n.outputName(),
    inputs: [x.id],
    shape,
    origin: n.origin(),
    ...win,
    group,
    weight: w.data,
    bias: Float64Array.from(bias),
  });
  n.bind(0, { kind: "activation", id: node.id, shape });
};
