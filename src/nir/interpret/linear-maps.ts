/**
 * The linear primitives of the interpreter as scatter maps: input element j → (output element i, coefficient)
 * pairs, plus an optional constant bias. One map serves both the events of a signal and its constant parts.
 * PyTorch semantics (zero padding, cross-correlation), C order.
 */
import type { Affine, AvgPool2d, Conv2d, Flatten, Linear, Scale, SumPool2d } from "../graph.js";
import { intAt } from "../nodes/common.js";
import { flattenShape } from "../nodes/flatten.js";
import { toFloat64 } from "../tensor.js";
import { convOutSize } from "../types.js";

export type Visit = (i: number, coef: number) => void;

export interface LinearMap {
  outShape: number[];
  scatter: (j: number, visit: Visit) => void;
  bias?: Float64Array;
}

export class InterpretError extends Error {}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function dense(weight: Float64Array, wShape: number[], inShape: number[], bias?: Float64Array): LinearMap {
  const m = wShape[wShape.length - 1]!;
  const n = weight.length / m;
  if (size(inShape) !== m) throw new InterpretError(`weight [${wShape.join(", ")}] does not fit an input of shape [${inShape.join(", ")}]`);
  return {
    outShape: wShape.slice(0, -1),
    scatter: (j, visit) => {
      for (let i = 0; i < n; i++) {
        const c = weight[i * m + j]!;
        if (c !== 0) visit(i, c);
      }
    },
    ...(bias ? { bias } : {}),
  };
}

function spatialPads(padding: Conv2d["padding"], n: number[], k: number[], d: number[]): number[] {
  if (padding === "valid") return [0, 0];
  if (padding === "same") return n.map((_, a) => Math.floor((d[a]! * (k[a]! - 1)) / 2));
  return [intAt(padding, 0), intAt(padding, 1)];
}

/** Conv / pooling windows: for input (iy, ix), every output (oy, ox) and kernel tap (ky, kx) that reads it. */
function windows(inHW: number[], outHW: number[], k: number[], s: number[], p: number[], d: number[]) {
  return (iy: number, ix: number, visit: (oy: number, ox: number, ky: number, kx: number) => void) => {
    for (let ky = 0; ky < k[0]!; ky++) {
      const ny = iy + p[0]! - ky * d[0]!;
      if (ny < 0 || ny % s[0]! !== 0) continue;
      const oy = ny / s[0]!;
      if (oy >= outHW[0]!) continue;
      for (let kx = 0; kx < k[1]!; kx++) {
        const nx = ix + p[1]! - kx * d[1]!;
        if (nx < 0 || nx % s[1]! !== 0) continue;
        const ox = nx / s[1]!;
        if (ox < outHW[1]!) visit(oy, ox, ky, kx);
      }
    }
  };
}

function conv(node: Conv2d, inShape: number[]): LinearMap {
  const [cin, h, w] = inShape as [number, number, number];
  const wt = toFloat64(node.weight);
  const [cout, cpg, kh, kw] = node.weight.shape as [number, number, number, number];
  if (inShape.length !== 3 || cpg * node.groups !== cin) throw new InterpretError(`Conv2d weight [${node.weight.shape.join(", ")}] (groups ${node.groups}) does not fit an input of shape [${inShape.join(", ")}]`);
  const s = [intAt(node.stride, 0), intAt(node.stride, 1)];
  const d = [intAt(node.dilation, 0), intAt(node.dilation, 1)];
  const p = spatialPads(node.padding, [h, w], [kh, kw], d);
  const out = [0, 1].map((a) => convOutSize([h, w][a]!, p[a]!, d[a]!, [kh, kw][a]!, s[a]!));
  const [oh, ow] = out as [number, number];
  const opg = cout / node.groups;
  const win = windows([h, w], out, [kh, kw], s, p, d);
  const b = toFloat64(node.bias);
  const bias = new Float64Array(cout * oh * ow);
  for (let o = 0; o < cout; o++) bias.fill(b[o]!, o * oh * ow, (o + 1) * oh * ow);
  return {
    outShape: [cout, oh, ow],
    scatter: (j, visit) => {
      const c = Math.floor(j / (h * w));
      const g = Math.floor(c / cpg);
      const cc = c % cpg;
      win(Math.floor((j % (h * w)) / w), j % w, (oy, ox, ky, kx) => {
        for (let o = g * opg; o < (g + 1) * opg; o++) {
          const coef = wt[((o * cpg + cc) * kh + ky) * kw + kx]!;
          if (coef !== 0) visit((o * oh + oy) * ow + ox, coef);
        }
      });
    },
    bias,
  };
}

function pool(node: SumPool2d | AvgPool2d, inShape: number[]): LinearMap {
  const [c, h, w] = inShape as [number, number, number];
  if (inShape.length !== 3) throw new InterpretError(`${node.type} needs a [C, H, W] input, got [${inShape.join(", ")}]`);
  const k = node.kernel_size;
  const out = [0, 1].map((a) => convOutSize([h, w][a]!, node.padding[a]!, 1, k[a]!, node.stride[a]!));
  const [oh, ow] = out as [number, number];
  const coef = node.type === "AvgPool2d" ? 1 / (k[0]! * k[1]!) : 1;
  const win = windows([h, w], out, k, node.stride, node.padding, [1, 1]);
  return {
    outShape: [c, oh, ow],
    scatter: (j, visit) => {
      const ch = Math.floor(j / (h * w));
      win(Math.floor((j % (h * w)) / w), j % w, (oy, ox) => visit((ch * oh + oy) * ow + ox, coef));
    },
  };
}

export function linearMap(node: Affine | Linear | Scale | Conv2d | SumPool2d | AvgPool2d | Flatten, inShape: number[]): LinearMap {
  switch (node.type) {
    case "Linear":
      return dense(toFloat64(node.weight), node.weight.shape, inShape);
    case "Affine":
      return dense(toFloat64(node.weight), node.weight.shape, inShape, Float64Array.from(toFloat64(node.bias)));
    case "Scale": {
      const s = toFloat64(node.scale);
      if (s.length !== size(inShape)) throw new InterpretError(`Scale of shape [${node.scale.shape.join(", ")}] does not fit an input of shape [${inShape.join(", ")}]`);
      return { outShape: [...inShape], scatter: (j, visit) => visit(j, s[j]!) };
    }
    case "Flatten":
      return { outShape: flattenShape(inShape, node.start_dim, node.end_dim), scatter: (j, visit) => visit(j, 1) };
    case "Conv2d":
      return conv(node, inShape);
    case "SumPool2d":
    case "AvgPool2d":
      return pool(node, inShape);
  }
}
