/**
 * Convolution problems that reach every path of the conv kernels (src/ann/kernels/conv2d.ts, conv2d-signed.ts): the
 * lenet layers, odd widths, a single output column, stride, dilation, groups, depthwise, many input channels, and
 * operands past the first 16 MiB kernel memory (a new, larger memory, never a grow: the shape after it runs there).
 */
export interface ConvShape {
  name: string;
  cin: number;
  h: number;
  w: number;
  cout: number;
  k: number;
  s: number;
  p: number;
  d: number;
  g: number;
  /** Tens of megabytes of operands. */
  large?: true;
}

export const CONV_SHAPES: readonly ConvShape[] = [
  { name: "lenet conv1 (pad 2, 28 wide, 6 channels)", cin: 1, h: 28, w: 28, cout: 6, k: 5, s: 1, p: 2, d: 1, g: 1 },
  { name: "lenet conv2 (10 wide: 5 pairs per row, 16 channels)", cin: 6, h: 14, w: 14, cout: 16, k: 5, s: 1, p: 0, d: 1, g: 1 },
  { name: "odd output width (7), 3 channels", cin: 2, h: 9, w: 9, cout: 3, k: 3, s: 1, p: 0, d: 1, g: 1 },
  { name: "stride 2, 5 channels", cin: 3, h: 9, w: 9, cout: 5, k: 3, s: 2, p: 1, d: 1, g: 1 },
  { name: "stride 2, 7 channels, 3×3 output pixels", cin: 3, h: 7, w: 7, cout: 7, k: 3, s: 2, p: 1, d: 1, g: 1 },
  { name: "dilation 2, 5 channels", cin: 2, h: 9, w: 11, cout: 5, k: 3, s: 1, p: 2, d: 2, g: 1 },
  { name: "2 groups of 3 output channels", cin: 4, h: 6, w: 5, cout: 6, k: 3, s: 1, p: 1, d: 1, g: 2 },
  { name: "depthwise", cin: 8, h: 10, w: 10, cout: 8, k: 3, s: 1, p: 1, d: 1, g: 8 },
  { name: "single output column", cin: 2, h: 5, w: 3, cout: 2, k: 3, s: 1, p: 0, d: 1, g: 1 },
  { name: "many input channels (several passes)", cin: 40, h: 6, w: 6, cout: 9, k: 3, s: 1, p: 1, d: 1, g: 1 },
  { name: "64 × 192² input (19 MB of operands)", cin: 64, h: 192, w: 192, cout: 3, k: 3, s: 1, p: 1, d: 1, g: 1, large: true },
  { name: "lenet conv2 again, after the larger memory", cin: 6, h: 14, w: 14, cout: 16, k: 5, s: 1, p: 0, d: 1, g: 1 },
];
