import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { canonicalize } from "../../src/ann/canonicalize.js";
import { isCanonical, type AnnGraph } from "../../src/ann/graph.js";
import { conv2dOutputShape } from "../../src/ann/kernels/conv2d.js";
import { pool2dOutputShape } from "../../src/ann/kernels/pool2d.js";
import { InputError } from "../../src/util/errors.js";
import { AnnBuilder, expectSameFunction } from "../helpers/ann-builder.js";

// Random ReLU networks: conv (stride, dilation, padding, groups), BN before and after ReLU (negative and zero
// scales), max pool (also after a negative BN: min pools), average pool (both countIncludePad, ceil mode), residual
// Add, Concat, global average pool, flatten, dense, final softmax.

const window = fc.record({
  k: fc.integer({ min: 1, max: 3 }),
  s: fc.integer({ min: 1, max: 2 }),
  p: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
  d: fc.integer({ min: 1, max: 2 }),
});

const block = fc.oneof(
  fc.record({ op: fc.constant("conv" as const), cout: fc.integer({ min: 1, max: 4 }), w: window, groups: fc.boolean(), bnBefore: fc.boolean(), bnAfter: fc.boolean(), negative: fc.boolean() }),
  fc.record({ op: fc.constant("maxpool" as const), w: window, ceil: fc.boolean() }),
  fc.record({ op: fc.constant("avgpool" as const), w: window, ceil: fc.boolean(), countIncludePad: fc.boolean() }),
  fc.record({ op: fc.constant("residual" as const), k: fc.constantFrom(1, 3), projection: fc.boolean() }),
  fc.record({ op: fc.constant("concat" as const), cout: fc.integer({ min: 1, max: 3 }) }),
);

const network = fc.record({
  c: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 3, max: 8 }),
  w: fc.integer({ min: 3, max: 8 }),
  blocks: fc.array(block, { minLength: 1, maxLength: 5 }),
  head: fc.constantFrom("gap" as const, "flatten" as const, "conv" as const),
  hidden: fc.boolean(),
  softmax: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

type Net = typeof network extends fc.Arbitrary<infer T> ? T : never;

const pads = (p: number[], k: number, d: number) => p.map((x) => Math.min(x, (k - 1) * d)) as [number, number, number, number];
const fits = (s: number[]) => s.every((d) => d >= 1);

/** Builds the network; blocks whose geometry does not fit the current map are skipped. */
function build(net: Net): AnnGraph {
  const b = new AnnBuilder([net.c, net.h, net.w], net.seed);
  let x = b.input;
  // After a negative BN that follows a ReLU only a conv, dense or max pool may come (an average pool of it could
  // be negative and unmergeable, which is a legitimate InputError, not what this property is about).
  let signed = false;
  for (const blk of net.blocks) {
    const shape = b.shape(x);
    if (blk.op === "conv") {
      const o = { kernel: blk.w.k, stride: blk.w.s, dilation: blk.w.d, pads: pads(blk.w.p, blk.w.k, blk.w.d) };
      const group = blk.groups && shape[0] % 2 === 0 && blk.cout % 2 === 0 ? 2 : 1;
      if (!fits(conv2dOutputShape(shape, blk.cout, { ...o, kernel: [o.kernel, o.kernel], stride: [o.stride, o.stride], dilation: [o.dilation, o.dilation] })))
        continue;
      x = b.conv(x, blk.cout, { ...o, group });
      if (blk.bnBefore) x = b.bn(x, { negative: blk.negative });
      x = b.relu(x);
      signed = false;
      if (blk.bnAfter) {
        x = b.bn(x, { negative: blk.negative, zero: blk.negative });
        signed = true;
      }
    } else if (blk.op === "maxpool" || blk.op === "avgpool") {
      if ((blk.op === "avgpool" && signed) || x === b.input) continue; // the raw input can be negative
      const win = { kernel: [blk.w.k, blk.w.k] as [number, number], stride: [blk.w.s, blk.w.s] as [number, number], dilation: [1, 1] as [number, number], pads: pads(blk.w.p, blk.w.k, 1) };
      // ONNX requires pads smaller than the kernel.
      win.pads = win.pads.map((p) => Math.min(p, blk.w.k - 1)) as [number, number, number, number];
      if (!fits(pool2dOutputShape(shape, win, blk.ceil))) continue;
      const o = { kernel: blk.w.k, stride: blk.w.s, pads: win.pads, ceilMode: blk.ceil };
      x = blk.op === "maxpool" ? b.maxpool(x, o) : b.avgpool(x, { ...o, countIncludePad: blk.countIncludePad });
    } else if (blk.op === "residual") {
      if (signed) continue;
      const c = shape[0];
      const p = (blk.k - 1) / 2;
      const f = b.bn(b.conv(b.relu(b.bn(b.conv(x, c, { kernel: blk.k, pads: p }))), c, { kernel: blk.k, pads: p }), { negative: true });
      const skip = blk.projection ? b.bn(b.conv(x, c, { kernel: 1 })) : x;
      x = b.relu(b.add(f, skip));
    } else if (x !== b.input) {
      x = b.concat(x, b.relu(b.conv(x, blk.cout, { kernel: 1 })));
    }
  }
  if (net.head === "gap") x = b.flatten(b.globalAvgPool(x));
  else if (net.head === "flatten") x = b.flatten(x);
  else x = b.flatten(b.conv(x, 3, { kernel: 1 }));
  if (net.hidden) x = b.relu(b.dense(x, 5));
  x = b.dense(x, 4);
  if (net.softmax) x = b.softmax(x);
  return b.build(x);
}

describe("canonicalize on random ReLU networks", () => {
  test("always canonical and the same function (max |Δ| ≤ 1e-9 · max |output|)", () => {
    let worst = 0;
    fc.assert(
      fc.property(network, fc.boolean(), (net, ranged) => {
        const g = build(net);
        const range = ranged ? { low: -1.5, high: 2 } : undefined;
        const { graph } = canonicalize(g, { inputRange: range });
        expect(isCanonical(graph)).toBe(true);
        const out = graph.nodes.find((n) => n.id === graph.output)!;
        expect(out.kind).toBe("layer");
        worst = Math.max(worst, expectSameFunction(g, graph, { range, batch: 3, seed: net.seed }));
      }),
      { numRuns: 150, seed: 20240601 },
    );
    expect(worst).toBeLessThan(1e-9);
  });
});

// Arbitrary op soups: most are ReLU networks, some are not (a max pool over signed values, two padded convs with
// nothing between). Canonicalization must either succeed exactly or throw an InputError — never return a wrong graph.
const anyOp = fc.oneof(
  fc.record({ op: fc.constantFrom("relu", "bn", "bnNeg", "maxpool", "avgpool", "avgpoolPad", "conv1", "conv3", "conv3s2", "add", "concat", "gap") }),
);

describe("canonicalize on arbitrary op sequences", () => {
  test("succeeds exactly or throws an InputError", () => {
    let ok = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(anyOp, { minLength: 1, maxLength: 7 }), fc.integer({ min: 1, max: 1 << 30 }), (ops, seed) => {
        const b = new AnnBuilder([2, 6, 6], seed);
        let x = b.input;
        for (const { op } of ops) {
          const [c, h] = b.shape(x);
          if (b.shape(x).length !== 3) break;
          if (op === "relu") x = b.relu(x);
          else if (op === "bn" || op === "bnNeg") x = b.bn(x, { negative: op === "bnNeg" });
          else if (op === "maxpool" && h >= 2) x = b.maxpool(x);
          else if (op === "avgpool" && h >= 2) x = b.avgpool(x);
          else if (op === "avgpoolPad") x = b.avgpool(x, { kernel: 3, stride: 1, pads: 1 });
          else if (op === "conv1") x = b.conv(x, 2, { kernel: 1 });
          else if (op === "conv3") x = b.conv(x, 2, { pads: 1 });
          else if (op === "conv3s2" && h >= 3) x = b.conv(x, 3, { stride: 2, pads: 1 });
          else if (op === "add") x = b.add(x, b.conv(x, c, { pads: 1 }));
          else if (op === "concat") x = b.concat(x, b.relu(b.conv(x, 1, { kernel: 1 })));
          else if (op === "gap") x = b.globalAvgPool(x);
        }
        x = b.dense(b.flatten(x), 3);
        const g = b.build(x);
        let graph: AnnGraph;
        try {
          graph = canonicalize(g, { inputRange: { low: 0, high: 1 } }).graph;
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          refused++;
          return;
        }
        ok++;
        expect(isCanonical(graph)).toBe(true);
        expectSameFunction(g, graph, { batch: 3, seed });
      }),
      { numRuns: 200, seed: 77 },
    );
    expect(ok).toBeGreaterThan(refused);
  });
});
