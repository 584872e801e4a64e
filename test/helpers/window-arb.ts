/** Random 2-D windows (kernel, stride, dilation, pads) for property tests, each bound inclusive. */
import fc from "fast-check";
import type { Window2d } from "../../src/ann/graph.js";

export function windowArb(max: { kernel: number; stride: number; dilation: number; pad: number }): fc.Arbitrary<Window2d> {
  const upTo = (n: number) => fc.integer({ min: 1, max: n });
  return fc
    .record({ kh: upTo(max.kernel), kw: upTo(max.kernel), sh: upTo(max.stride), sw: upTo(max.stride), dh: upTo(max.dilation), dw: upTo(max.dilation), pads: fc.tuple(fc.nat(max.pad), fc.nat(max.pad), fc.nat(max.pad), fc.nat(max.pad)) })
    .map(({ kh, kw, sh, sw, dh, dw, pads }): Window2d => ({ kernel: [kh, kw], stride: [sh, sw], dilation: [dh, dw], pads }));
}
