/**
 * separate-max-pool: a max pool of more inputs per output than a target's gates take becomes a column pool then a
 * row pool. The rewritten graph computes exactly the same values (max of maxima: no rounding), for any kernel,
 * stride, padding, dilation, ceil mode and min-pool channels, and every pool it leaves fits the limit when each of
 * its kernel's rows and columns does.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AnnGraph, MaxPoolNode } from "../../src/ann/graph.js";
import { maxPoolInputs, separateMaxPool } from "../../src/ann/passes/separate-max-pool.js";
import { AnnBuilder, expectSameFunction } from "../helpers/ann-builder.js";
import { windowArb } from "../helpers/window-arb.js";

const pools = (g: AnnGraph) => g.nodes.filter((n): n is MaxPoolNode => n.kind === "maxpool");
const inShape = (g: AnnGraph, p: MaxPoolNode) => g.nodes.find((n) => n.id === p.inputs[0])!.shape;

describe("separate-max-pool", () => {
  it("a 4×4 pool of stride 4 on a 15-input gate: a 1×4 then a 4×1 pool, same values", () => {
    const b = new AnnBuilder([3, 8, 8]);
    b.maxpool(b.relu(b.conv(b.input, 2, { kernel: 3, pads: 1 })), { kernel: 4, stride: 4 });
    const g = b.build();
    const { graph, rewrites } = separateMaxPool(15, "chip").rewrite(g);
    separateMaxPool(15, "chip").verify(graph);
    expect(rewrites).toEqual(["'/maxpool3' (MaxPool): 4×4 max pool split into a 1×4 and a 4×1 pool (a max-pool gate of chip takes at most 15 inputs)"]);
    expect(pools(graph).map((p) => [p.kernel, p.stride, p.shape])).toEqual([
      [[1, 4], [1, 4], [2, 8, 2]],
      [[4, 1], [4, 1], [2, 2, 2]],
    ]);
    expect(expectSameFunction(g, graph, { batch: 8, tol: 0 })).toBe(0);
    // Within the limit, or a row wider than it: nothing to do.
    expect(separateMaxPool(16, "chip").rewrite(g).rewrites).toEqual([]);
    expect(separateMaxPool(3, "chip").rewrite(g).rewrites).toEqual([]);
  });

  it("any window (property): exact, and every pool within the limit when the kernel's rows and columns are", () => {
    const windows = fc.record({
      h: fc.integer({ min: 2, max: 11 }),
      w: fc.integer({ min: 2, max: 11 }),
      win: windowArb({ kernel: 5, stride: 4, dilation: 2, pad: 4 }),
      ceilMode: fc.boolean(),
      signs: fc.array(fc.constantFrom(1, -1), { minLength: 3, maxLength: 3 }),
      limit: fc.integer({ min: 1, max: 12 }),
    });
    let separated = 0;
    fc.assert(
      fc.property(windows, (o) => {
        const [kh, kw] = o.win.kernel;
        // ONNX: each pad smaller than the kernel; the window must fit the padded input.
        const p = o.win.pads;
        const pads: [number, number, number, number] = [p[0] % kh, p[1] % kw, p[2] % kh, p[3] % kw];
        fc.pre((kh - 1) * o.win.dilation[0] + 1 <= o.h + pads[0] + pads[2] && (kw - 1) * o.win.dilation[1] + 1 <= o.w + pads[1] + pads[3]);
        const b = new AnnBuilder([3, o.h, o.w], o.h * 31 + o.w);
        b.maxpool(b.input, { kernel: [kh, kw], stride: o.win.stride, dilation: o.win.dilation, pads, ceilMode: o.ceilMode });
        const g = b.build();
        (g.nodes[1] as MaxPoolNode).channelSign = Int8Array.from(o.signs);
        const pass = separateMaxPool(o.limit, "chip");
        const { graph, rewrites } = pass.rewrite(g);
        pass.verify(graph);
        expect(expectSameFunction(g, graph, { batch: 3, tol: 0 })).toBe(0);
        const fits = kh <= o.limit && kw <= o.limit;
        if (fits) for (const p of pools(graph)) expect(maxPoolInputs(p, inShape(graph, p))).toBeLessThanOrEqual(o.limit);
        if (rewrites.length) {
          separated++;
          expect(pools(graph).map((p) => [...p.channelSign])).toEqual([o.signs, o.signs]);
        }
      }),
      { numRuns: 300, seed: 5 },
    );
    expect(separated).toBeGreaterThan(20);
  });
});
