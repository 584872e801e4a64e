/** The ONNX ops spikec imports, with what each becomes (shown by `spikec inspect` and in every "unsupported" error). */
export const SUPPORTED_OPS: Readonly<Record<string, string>> = {
  Gemm: "dense (any transB/alpha/beta, C broadcast; A must be the activation)",
  MatMul: "dense with a constant weight; a following Add of a constant bias is fused",
  Conv: "2-D conv (strides, pads, auto_pad, dilations, groups incl. depthwise, optional bias)",
  BatchNormalization: "per-channel affine (inference mode)",
  Relu: "relu",
  MaxPool: "2-D max pool (no indices output)",
  AveragePool: "2-D average pool (count_include_pad, ceil_mode, auto_pad)",
  GlobalAveragePool: "global average pool",
  Flatten: "flatten to [batch, rest]",
  Reshape: "only a flatten to [batch, rest] or a no-op",
  Squeeze: "only where it flattens or is a no-op",
  Unsqueeze: "only on constants (shape computations)",
  Add: "add of two activations, or affine with a constant",
  Sub: "affine with a constant (either side), or add with a negated activation",
  Mul: "affine with a constant",
  Div: "affine with a constant divisor",
  Concat: "concatenation on the channel axis",
  Identity: "removed",
  Dropout: "removed (its mask output must be unused)",
  Constant: "constant tensor",
  Softmax: "final softmax only (the readout ignores it)",
};

export const supportedOpList = (): string => Object.keys(SUPPORTED_OPS).join(", ");
