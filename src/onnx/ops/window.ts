/** Window attributes shared by Conv, MaxPool and AveragePool: kernel, strides, dilations, pads and auto_pad. */
import type { Window2d } from "../../ann/graph.js";
import type { NodeContext } from "../context.js";

function pair(n: NodeContext, name: string, fallback: [number, number]): [number, number] {
  const v = n.attrs.ints(name);
  if (v === undefined) return fallback;
  if (v.length !== 2) n.fail(`'${name}' has ${v.length} entries; only 2-D windows are supported`);
  if (v.some((x) => !(x >= 1))) n.fail(`'${name}' must be positive, got [${v}]`);
  return [v[0], v[1]];
}

/**
 * Resolves the window of a 2-D op over an [H, W] input. auto_pad SAME_* pads so that out = ceil(in/stride),
 * the odd pixel going at the end (SAME_UPPER) or the beginning (SAME_LOWER). `extra`: zero padding of a Pad node
 * before the op (inHW is the size after it), added to the op's own pads.
 */
export function parseWindow(n: NodeContext, kernel: [number, number], inHW: [number, number], extra: [number, number, number, number] = [0, 0, 0, 0]): Window2d {
  const stride = pair(n, "strides", [1, 1]);
  const dilation = pair(n, "dilations", [1, 1]);
  const autoPad = n.attrs.string("auto_pad", "NOTSET");
  let pads: [number, number, number, number] = [0, 0, 0, 0];
  if (autoPad === "NOTSET") {
    const p = n.attrs.ints("pads");
    if (p !== undefined) {
      if (p.length !== 4) n.fail(`'pads' has ${p.length} entries; a 2-D window needs 4`);
      if (p.some((x) => x < 0)) n.fail(`negative pads [${p}] (cropping) are not supported`);
      pads = [p[0], p[1], p[2], p[3]];
    }
  } else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    const total = [0, 1].map((a) => Math.max(0, (Math.ceil(inHW[a] / stride[a]) - 1) * stride[a] + (kernel[a] - 1) * dilation[a] + 1 - inHW[a]));
    const begin = total.map((t) => (autoPad === "SAME_UPPER" ? Math.floor(t / 2) : t - Math.floor(t / 2)));
    pads = [begin[0], begin[1], total[0] - begin[0], total[1] - begin[1]];
  } else if (autoPad !== "VALID") {
    n.fail(`unknown auto_pad '${autoPad}'`);
  }
  return { kernel, stride, pads: [pads[0] + extra[0], pads[1] + extra[1], pads[2] + extra[2], pads[3] + extra[3]], dilation };
}

/** The image shape [C, H, W] of an activation, or a failure naming the rank. */
export function imageShape(n: NodeContext, shape: number[]): [number, number, number] {
  if (shape.length !== 3)
    n.fail(`expects a 4-D input [batch, C, H, W], got [batch, ${shape.join(", ")}]`, "only 2-D images are supported (no 1-D or 3-D convolution/pooling)");
  return [shape[0], shape[1], shape[2]];
}
