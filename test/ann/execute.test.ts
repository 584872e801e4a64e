/**
 * The executor's kernels against direct loop-nest definitions of the ONNX ops (onnxruntime agreement is in
 * test/onnx), and the canonical `layer` node against the imported kinds it replaces.
 */
import { windowArb as windowArbOf } from "../helpers/window-arb.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { execute } from "../../src/ann/execute.js";
import type { AnnGraph, AnnNode, Window2d } from "../../src/ann/graph.js";
import { conv2dOutputShape } from "../../src/ann/kernels/conv2d.js";
import { pool2dOutputShape } from "../../src/ann/kernels/pool2d.js";

const seeded = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
const randomArray = (n: number, rand: () => number) => Float64Array.from({ length: n }, rand);
const maxAbsDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

function graphOf(nodes: AnnNode[]): AnnGraph {
  return { source: "test", inputName: "x", nodes, output: nodes[nodes.length - 1].id, notes: [] };
}
const inputNode = (shape: number[]): AnnNode => ({ kind: "input", id: "x", inputs: [], shape, origin: [] });

/** Direct 7-deep loop nest: the definition of ONNX Conv. */
function directConv(x: Float64Array, batch: number, [cin, h, w]: number[], weight: Float64Array, bias: Float64Array, cout: number, group: number, win: Window2d) {
  const [, oh, ow] = conv2dOutputShape([cin, h, w], cout, win);
  const cg = cin / group;
  const og = cout / group;
  const out = new Float64Array(batch * cout * oh * ow);
  for (let b = 0; b < batch; b++)
    for (let o = 0; o < cout; o++)
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++) {
          let s = bias[o];
          const g = Math.floor(o / og);
          for (let c = 0; c < cg; c++)
            for (let ky = 0; ky < win.kernel[0]; ky++)
              for (let kx = 0; kx < win.kernel[1]; kx++) {
                const iy = y * win.stride[0] - win.pads[0] + ky * win.dilation[0];
                const ix = xx * win.stride[1] - win.pads[1] + kx * win.dilation[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                s += weight[((o * cg + c) * win.kernel[0] + ky) * win.kernel[1] + kx] * x[((b * cin + g * cg + c) * h + iy) * w + ix];
              }
          out[((b * cout + o) * oh + y) * ow + xx] = s;
        }
  return out;
}

const windowArb = windowArbOf({ kernel: 4, stride: 3, dilation: 2, pad: 2 });

describe("conv kernel", () => {
  it("matches the direct definition for random geometry, groups and batch", () => {
    fc.assert(
      fc.property(windowArb, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 6, max: 11 }), fc.integer({ min: 1, max: 3 }), fc.nat(1000),
        (win, group, cgIn, cgOut, size, batch, seed) => {
          const cin = group * cgIn;
          const cout = group * cgOut;
          const shape = conv2dOutputShape([cin, size, size], cout, win);
          fc.pre(shape[1] > 0 && shape[2] > 0);
          const rand = seeded(seed);
          const weight = randomArray(cout * cgIn * win.kernel[0] * win.kernel[1], rand);
          const bias = randomArray(cout, rand);
          const x = randomArray(batch * cin * size * size, rand);
          const g = graphOf([inputNode([cin, size, size]), { kind: "conv", id: "c", inputs: ["x"], shape, origin: [], ...win, group, weight, bias }]);
          const got = execute(g, x, batch).get("c")!;
          expect(maxAbsDiff(got, directConv(x, batch, [cin, size, size], weight, bias, cout, group, win))).toBeLessThan(1e-12);
        }),
      { numRuns: 60 },
    );
  });

  it("a canonical layer with a conv term and full bias map equals conv + affine + relu", () => {
    const rand = seeded(7);
    const win: Window2d = { kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1] };
    const weight = randomArray(4 * 2 * 9, rand);
    const shape = conv2dOutputShape([2, 5, 5], 4, win);
    const bias = randomArray(4, rand);
    const fullBias = new Float64Array(4 * 25).map((_, i) => bias[Math.floor(i / 25)]);
    const x = randomArray(3 * 50, rand);
    const reference = graphOf([
      inputNode([2, 5, 5]),
      { kind: "conv", id: "c", inputs: ["x"], shape, origin: [], ...win, group: 1, weight, bias },
      { kind: "relu", id: "r", inputs: ["c"], shape, origin: [] },
    ]);
    const layer = graphOf([
      inputNode([2, 5, 5]),
      { kind: "layer", id: "l", inputs: ["x"], shape, origin: [], terms: [{ kind: "conv", source: "x", group: 1, weight, ...win }], bias: fullBias, relu: true },
    ]);
    const a = execute(reference, x, 3).get("r")!;
    expect(a.some((v) => v === 0) && a.some((v) => v > 0)).toBe(true);
    expect(maxAbsDiff(a, execute(layer, x, 3).get("l")!)).toBe(0);
  });
});

describe("pooling", () => {
  it("min pool (channelSign -1) is -maxpool(-x); padding never wins", () => {
    const win: Window2d = { kernel: [2, 2], stride: [2, 2], pads: [1, 1, 1, 1], dilation: [1, 1] };
    const shape = pool2dOutputShape([2, 3, 3], win, false);
    expect(shape).toEqual([2, 2, 2]);
    const x = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -2, -3, -4, -5, -6, -7, -8, -9]);
    const g = graphOf([inputNode([2, 3, 3]), { kind: "maxpool", id: "p", inputs: ["x"], shape, origin: [], ...win, ceilMode: false, channelSign: Int8Array.from([-1, 1]) }]);
    expect(Array.from(execute(g, x, 1).get("p")!)).toEqual([1, 2, 4, 5, -1, -2, -4, -5]);
  });

  it("avgpool divisors: countIncludePad counts the declared padding, never the ceil-mode overhang", () => {
    const win: Window2d = { kernel: [3, 3], stride: [2, 2], pads: [1, 1, 0, 0], dilation: [1, 1] };
    const shape = pool2dOutputShape([1, 4, 4], win, true);
    expect(shape).toEqual([1, 2, 2]);
    const x = new Float64Array(16).fill(1);
    const run = (countIncludePad: boolean) =>
      Array.from(execute(graphOf([inputNode([1, 4, 4]), { kind: "avgpool", id: "p", inputs: ["x"], shape, origin: [], ...win, ceilMode: true, countIncludePad }]), x, 1).get("p")!);
    expect(run(false)).toEqual([1, 1, 1, 1]);
    // top-left window: 3×3 taps of which 5 are padding → 4/9; bottom-right: 2×2 inside, overhang not counted → 1.
    expect(run(true)).toEqual([4 / 9, 6 / 9, 6 / 9, 1]);
  });
});

describe("memory", () => {
  it("returns only graph.output by default and every requested node with keep", () => {
    const nodes: AnnNode[] = [inputNode([4]), { kind: "relu", id: "r", inputs: ["x"], shape: [4], origin: [] }, { kind: "softmax", id: "s", inputs: ["r"], shape: [4], origin: [] }];
    const x = Float64Array.from([-1, 0, 1, 2, 3, 3, 3, 3]);
    expect([...execute(graphOf(nodes), x, 2).keys()]).toEqual(["s"]);
    const all = execute(graphOf(nodes), x, 2, { keep: () => true });
    expect(Array.from(all.get("r")!)).toEqual([0, 0, 1, 2, 3, 3, 3, 3]);
    expect(Array.from(all.get("s")!.subarray(4))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it("a ReLU overwrites its input only when nothing else can see it (caller's input, kept values, flatten aliases)", () => {
    const affine = (id: string, src: string): AnnNode => ({ kind: "affine", id, inputs: [src], shape: [4], origin: [], per: "scalar", scale: Float64Array.of(1), shift: Float64Array.of(-1) });
    const relu = (id: string, src: string): AnnNode => ({ kind: "relu", id, inputs: [src], shape: [4], origin: [] });
    const x = Float64Array.from([-1, 0, 1, 2]);
    // a → flatten f and a → relu r: r runs after f, when a has one use left, but f shares a's array.
    const shared: AnnNode[] = [inputNode([4]), affine("a", "x"), { kind: "flatten", id: "f", inputs: ["a"], shape: [4], origin: [] }, relu("r", "a"), { kind: "add", id: "y", inputs: ["f", "r"], shape: [4], origin: [] }];
    expect(Array.from(execute(graphOf(shared), x, 1).get("y")!)).toEqual([-2, -1, 0, 2]);
    // The caller's input is never overwritten, nor a kept value.
    expect(Array.from(execute(graphOf([inputNode([4]), relu("r", "x")]), x, 1).get("r")!)).toEqual([0, 0, 1, 2]);
    expect(Array.from(x)).toEqual([-1, 0, 1, 2]);
    const kept = execute(graphOf([inputNode([4]), affine("a", "x"), relu("r", "a")]), x, 1, { keep: () => true });
    expect(Array.from(kept.get("a")!)).toEqual([-2, -1, 0, 1]);
    expect(Array.from(kept.get("r")!)).toEqual([0, 0, 0, 1]);
  });

  it("arrays of dropped values are reused across calls without touching returned ones", () => {
    const rand = seeded(5);
    const win: Window2d = { kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1] };
    const shape = conv2dOutputShape([2, 6, 6], 3, win);
    const pooled = pool2dOutputShape(shape, { kernel: [2, 2], stride: [2, 2], pads: [0, 0, 0, 0], dilation: [1, 1] }, false);
    const g = graphOf([
      inputNode([2, 6, 6]),
      { kind: "conv", id: "c", inputs: ["x"], shape, origin: [], ...win, group: 1, weight: randomArray(54, rand), bias: randomArray(3, rand) },
      { kind: "relu", id: "r", inputs: ["c"], shape, origin: [] },
      { kind: "maxpool", id: "p", inputs: ["r"], shape: pooled, origin: [], kernel: [2, 2], stride: [2, 2], pads: [0, 0, 0, 0], dilation: [1, 1], ceilMode: false, channelSign: Int8Array.from([1, 1, 1]) },
      { kind: "flatten", id: "f", inputs: ["p"], shape: [27], origin: [] },
      { kind: "dense", id: "d", inputs: ["f"], shape: [4], origin: [], weight: randomArray(108, rand), bias: randomArray(4, rand) },
    ]);
    const batch = 3;
    const x1 = randomArray(batch * 72, rand);
    const x2 = randomArray(batch * 72, rand);
    const first = execute(g, x1, batch, { keep: (id) => id === "p" || id === "d" });
    const snapshot = new Map([...first].map(([id, v]) => [id, v.slice()]));
    // More calls: their dropped arrays (conv, relu) go to the pool and come back for the next call's values.
    const second = execute(g, x2, batch);
    execute(g, x1, batch);
    for (const [id, v] of first) expect(maxAbsDiff(v, snapshot.get(id)!)).toBe(0);
    // Reused arrays give the same values as fresh ones.
    expect(maxAbsDiff(execute(g, x1, batch).get("d")!, snapshot.get("d")!)).toBe(0);
    expect(second.get("d")!).not.toBe(first.get("d")!);
  });
});
