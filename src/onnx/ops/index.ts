/** The op registry: ONNX op type → handler. Keep in step with ../supported.ts. */
import { constant } from "./constant.js";
import { conv } from "./conv.js";
import { add, div, mul, relu, sub } from "./elementwise.js";
import { gemm, matmul } from "./linear.js";
import { batchNormalization } from "./normalization.js";
import { averagePool, globalAveragePool, maxPool, reduceMean } from "./pool.js";
import { cast, concat, dropout, flatten, gather, identity, reshape, shape, squeeze, unsqueeze } from "./shape.js";
import { softmax } from "./softmax.js";
import { pad } from "./pad.js";
import { clip } from "./clip.js";
import { constantOfShape, slice, transpose } from "./fold.js";
import type { OpHandler } from "./types.js";

export const OP_HANDLERS: Readonly<Record<string, OpHandler>> = {
  Gemm: gemm,
  MatMul: matmul,
  Conv: conv,
  BatchNormalization: batchNormalization,
  Relu: relu,
  Clip: clip,
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalAveragePool,
  ReduceMean: reduceMean,
  Flatten: flatten,
  Reshape: reshape,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Add: add,
  Sub: sub,
  Mul: mul,
  Div: div,
  Concat: concat,
  Identity: identity,
  Dropout: dropout,
  Constant: constant,
  Softmax: softmax,
  Shape: shape,
  Gather: gather,
  Cast: cast,
  Pad: pad,
  ConstantOfShape: constantOfShape,
  Slice: slice,
  Transpose: transpose,
};
