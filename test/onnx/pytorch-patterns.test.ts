/**
 * What PyTorch's exporter writes for plain ReLU networks, found refused by an audit of real exports (torch 1.13,
 * opsets 11–17): x.view(x.size(0), -1) with a dynamic batch is Shape → Gather → Unsqueeze → Concat → Reshape, and
 * AvgPool2d(count_include_pad=True) is a zero Pad before an unpadded AveragePool. Both import now, agreeing with
 * onnxruntime; what cannot be folded is refused by name.
 */
import { describe, expect, it } from "vitest";
import { importOnnxBytes } from "../../src/onnx/index.js";
import { compareWithOrt } from "../helpers/onnx-agree.js";
import { inputErrorOf } from "../helpers/input-error.js";
import { OnnxBuilder, type Tensor } from "../helpers/onnx-builder.js";

const ints = (data: number[], dims = [data.length]): Tensor => ({ dims, data, dtype: "int64" });

/** conv → relu on [N, 3, 8, 8], then x.view(x.size(0), -1) as the exporter writes it, then a linear layer. */
function viewFlatten(opset: number, shapeOp: (b: OnnxBuilder, x: string) => string, reshapeAttrs: Record<string, number> = {}): OnnxBuilder {
  const b = new OnnxBuilder({ opset });
  const x = b.relu(b.conv(b.input("x", [3, 8, 8]), { weight: b.randn([4, 3, 3, 3]), bias: b.randn([4]), pads: [1, 1, 1, 1] }));
  const size0 = shapeOp(b, x);
  const shape = b.node("Concat", [b.unsqueeze(size0, [0]), ints([-1])], { axis: 0 })[0]!;
  b.output(b.gemm(b.node("Reshape", [x, shape], reshapeAttrs)[0]!, { b: b.randn([5, 256]), c: b.randn([5]), transB: 1 }));
  return b;
}

describe("x.view(x.size(0), -1) with a dynamic batch", () => {
  it.each([11, 13, 17])("opset %i: Shape → Gather(0) → Unsqueeze → Concat → Reshape is a flatten, agreeing with onnxruntime", async (opset) => {
    const b = viewFlatten(opset, (b, x) => b.node("Gather", [b.node("Shape", [x])[0]!, ints([0], [])], { axis: 0 })[0]!);
    const c = await compareWithOrt(b, { batch: 3 });
    expect(c.relative).toBeLessThanOrEqual(1e-5);
    expect(c.graph.nodes.filter((n) => n.kind === "flatten")).toHaveLength(1);
  });

  it("opset 15 Shape with start/end, through Cast: the same flatten", async () => {
    const b = viewFlatten(15, (b, x) => b.node("Cast", [b.node("Squeeze", [b.node("Shape", [x], { start: 0, end: 1 })[0]!, ints([0])])[0]!], { to: 7 })[0]!);
    const c = await compareWithOrt(b, { batch: 2 });
    expect(c.relative).toBeLessThanOrEqual(1e-5);
  });

  it("Reshape with allowzero=1 (opset 14+): the symbolic batch entry still keeps the batch axis", async () => {
    const b = viewFlatten(17, (b, x) => b.node("Gather", [b.node("Shape", [x])[0]!, ints([0], [])], { axis: 0 })[0]!, { allowzero: 1 });
    const c = await compareWithOrt(b, { batch: 3 });
    expect(c.relative).toBeLessThanOrEqual(1e-5);
  });

  it("the batch size anywhere but a Reshape's first entry is refused, naming the node", () => {
    // reshape to [-1, N]: the batch size at axis 1
    const b = new OnnxBuilder({ opset: 13 });
    const x = b.input("x", [4]);
    const n = b.unsqueeze(b.node("Gather", [b.node("Shape", [x])[0]!, ints([0], [])])[0]!, [0]);
    b.output(b.node("Reshape", [x, b.node("Concat", [ints([-1]), n], { axis: 0 })[0]!], {}, 1, "swap")[0]!);
    expect(inputErrorOf(() => importOnnxBytes(b.toBytes(), "m.onnx")).message).toContain("node 'swap' (Reshape): puts the batch size at axis 1 of the shape");
    // the batch size as a value: a constant multiplied by it
    const v = new OnnxBuilder({ opset: 13 });
    const y = v.input("x", [4]);
    const size = v.node("Cast", [v.node("Gather", [v.node("Shape", [y])[0]!, ints([0], [])])[0]!], { to: 1 })[0]!;
    v.output(v.node("Mul", [y, size], {}, 1, "scale")[0]!);
    expect(inputErrorOf(() => importOnnxBytes(v.toBytes(), "m.onnx")).message).toContain("holds the model's batch size (computed by a Shape node), used here as a value");
    // Gather on an activation
    const g = new OnnxBuilder({ opset: 13 });
    g.output(g.node("Gather", [g.input("x", [4]), ints([1, 2])], {}, 1, "pick")[0]!);
    expect(inputErrorOf(() => importOnnxBytes(g.toBytes(), "m.onnx")).message).toContain("node 'pick' (Gather): gathers from an activation");
  });
});

describe("x.mean((2, 3)): ReduceMean over H and W is a global average pool", () => {
  /** [N, 3, 6, 5] → conv → relu → ReduceMean(axes) → (flatten) → gemm. */
  function meanHead(opset: number, axes: number[], keepdims: number): OnnxBuilder {
    const b = new OnnxBuilder({ opset });
    const x = b.input("x", [3, 6, 5]);
    const y = b.relu(b.conv(x, { weight: b.randn([4, 3, 3, 3]), bias: b.randn([4]), pads: [1, 1, 1, 1] }));
    const m = b.node("ReduceMean", opset >= 18 ? [y, ints(axes)] : [y], opset >= 18 ? { keepdims } : { axes, keepdims }, 1, "mean")[0]!;
    b.output(b.gemm(keepdims ? b.flatten(m) : m, { b: b.randn([5, 4]), c: b.randn([5]), transB: 1 }));
    return b;
  }

  it("keepdims 0 and 1, axes (2, 3) or (−2, −1), attribute (opsets 11, 13) or input (opset 18): agrees with onnxruntime", async () => {
    for (const [opset, axes, keepdims] of [[11, [2, 3], 0], [13, [-1, -2], 1], [18, [2, 3], 0], [18, [-2, -1], 1]] as const) {
      const c = await compareWithOrt(meanHead(opset, [...axes], keepdims), { batch: 3 });
      expect(c.relative).toBeLessThanOrEqual(1e-5);
      expect(c.graph.nodes.some((n) => n.kind === "globalavgpool")).toBe(true);
    }
  });

  it("over other axes: refused naming them", () => {
    const e = inputErrorOf(() => importOnnxBytes(meanHead(13, [1, 2], 1).toBytes(), "m.onnx"));
    expect(e.message).toBe(
      "m.onnx: node 'mean' (ReduceMean): it averages over axes [1, 2] of [batch, 4, 6, 5]; spikec supports the mean over H and W of an image (axes 2 and 3), a global average pool",
    );
  });
});

describe("a zero Pad before an AveragePool or a Conv", () => {
  /** [N, 4, 7, 7] → Pad(pads) → op → relu → flatten → gemm. */
  function padded(opset: number, pads: number[], op: (b: OnnxBuilder, x: string) => string, value?: number): OnnxBuilder {
    const b = new OnnxBuilder({ opset });
    const x = b.input("x", [4, 7, 7]);
    const p = b.node("Pad", [x, ints(pads), ...(value === undefined ? [] : [{ dims: [], data: [value] }])], {}, 1, "pad")[0]!;
    const y = b.relu(op(b, p));
    const flat = b.flatten(y);
    b.output(flat);
    return b;
  }

  it.each([
    ["AvgPool2d(3, 2, padding=1): Pad [1,1] then AveragePool(3, stride 2)", [0, 0, 1, 1, 0, 0, 1, 1], (b: OnnxBuilder, x: string) => b.averagePool(x, { kernel: [3, 3], strides: [2, 2] })],
    ["AvgPool2d(2): an all-zero Pad", [0, 0, 0, 0, 0, 0, 0, 0], (b: OnnxBuilder, x: string) => b.averagePool(x, { kernel: [2, 2], strides: [2, 2] })],
    ["asymmetric Pad then AveragePool with its own pads counted", [0, 0, 2, 0, 0, 0, 0, 1], (b: OnnxBuilder, x: string) => b.averagePool(x, { kernel: [3, 3], pads: [1, 1, 1, 1], countIncludePad: true })],
    ["Pad then Conv", [0, 0, 1, 2, 0, 0, 2, 1], (b: OnnxBuilder, x: string) => b.conv(x, { weight: b.randn([3, 4, 3, 3]), bias: b.randn([3]), strides: [2, 1] })],
  ])("%s: folded into the window, agreeing with onnxruntime (opsets 11 and 13)", async (_what, pads, op) => {
    for (const opset of [11, 13]) {
      const c = await compareWithOrt(padded(opset, pads, op), { batch: 2 });
      expect(c.relative).toBeLessThanOrEqual(1e-5);
    }
  });

  it("F.pad / nn.ZeroPad2d as torch exports it: pads computed by ConstantOfShape → Concat → Reshape → Slice → Transpose → Reshape → Cast (audit: refused)", async () => {
    for (const opset of [11, 13, 17]) {
      const b = new OnnxBuilder({ opset });
      const x = b.input("x", [2, 8, 8]);
      // torch's (left, right, top, bottom) = (1, 0, 2, 1), completed with zeros for N and C, reversed by axis pairs.
      const zeros = b.node("ConstantOfShape", [ints([4])], { value: ints([0], [1]) })[0]!;
      const pairs = b.node("Reshape", [b.node("Concat", [ints([1, 0, 2, 1]), zeros], { axis: 0 })[0]!, ints([-1, 2])])[0]!;
      const reversed = b.node("Slice", [pairs, ints([-1]), ints([-(2 ** 62)]), ints([0]), ints([-1])])[0]!;
      const onnxPads = b.node("Cast", [b.node("Reshape", [b.node("Transpose", [reversed], { perm: [1, 0] })[0]!, ints([-1])])[0]!], { to: 7 })[0]!;
      const p = b.node("Pad", [x, onnxPads, { dims: [], data: [0] }], { mode: "constant" }, 1, "pad")[0]!;
      const y = b.relu(b.conv(p, { weight: b.randn([4, 2, 3, 3]), bias: b.randn([4]) }));
      b.output(b.flatten(y));
      const c = await compareWithOrt(b, { batch: 2 });
      expect(c.relative).toBeLessThanOrEqual(1e-5);
      // H 8 + 2 + 1, W 8 + 1 + 0: the pads reached the Conv as [top 2, left 1, bottom 1, right 0].
      const conv = c.graph.nodes.find((n) => n.kind === "conv")!;
      expect(conv.shape).toEqual([4, 9, 7]);
    }
  });

  it("Transpose and Slice (negative, strided and clamped) fold on constants as onnxruntime computes them; on activations they are refused", async () => {
    const b = new OnnxBuilder({ opset: 13 });
    const x = b.input("x", [5]);
    // W0 [7, 10] → Transpose [10, 7] → rows 9, 7, 5, 3, 1 (step −2 from past the end) × columns 1..4 (end clamped) → [5, 6]…
    const w = b.node("Transpose", [b.randn([7, 10])], {})[0]!;
    const rows = b.node("Slice", [w, ints([100, 1]), ints([-100, 100]), ints([0, 1]), ints([-2, 1])])[0]!;
    const picked = b.node("Slice", [rows, ints([0]), ints([5]), ints([1])])[0]!;
    b.output(b.matmul(x, picked));
    const c = await compareWithOrt(b, { batch: 3 });
    expect(c.relative).toBeLessThanOrEqual(1e-5);
    expect(c.graph.nodes.find((n) => n.kind === "dense")!.shape).toEqual([5]);
    const act = new OnnxBuilder({ opset: 13 });
    act.output(act.node("Transpose", [act.input("x", [3, 4])], { perm: [0, 2, 1] }, 1, "t")[0]!);
    expect(inputErrorOf(() => importOnnxBytes(act.toBytes(), "m.onnx")).message).toBe(
      "m.onnx: node 't' (Transpose): transposes an activation; spikec evaluates Transpose only on constants (shape computations such as the pads of F.pad)",
    );
  });

  it("the folded Pad stays in the provenance of the layer that took it over (audit: no population named it)", () => {
    const g = importOnnxBytes(padded(13, [0, 0, 1, 1, 0, 0, 1, 1], (b, x) => b.conv(x, { weight: b.randn([3, 4, 3, 3]) })).toBytes(), "m.onnx");
    const conv = g.nodes.find((n) => n.origin.some((o) => o.op === "Conv"))!;
    expect(conv.origin.map((o) => [o.name, o.op])).toEqual([["pad", "Pad"], [conv.origin[1]!.name, "Conv"]]);
  });

  it("refused by name: a Pad before a MaxPool, a non-zero value, padding of the channels, two paddings that cannot be one window", () => {
    const msg = (b: OnnxBuilder) => inputErrorOf(() => importOnnxBytes(b.toBytes(), "m.onnx")).message;
    expect(msg(padded(13, [0, 0, 1, 1, 0, 0, 1, 1], (b, x) => b.maxPool(x, { kernel: [2, 2] })))).toContain("is zero-padded by Pad node 'pad', which spikec folds only into a following Conv or AveragePool");
    expect(msg(padded(13, [0, 0, 1, 1, 0, 0, 1, 1], (b, x) => b.averagePool(x, { kernel: [2, 2] }), 0.5))).toContain("node 'pad' (Pad): pads with the value 0.5; spikec folds only zero padding");
    expect(msg(padded(13, [0, 1, 0, 0, 0, 0, 0, 0], (b, x) => b.averagePool(x, { kernel: [2, 2] })))).toContain("are not a zero padding of height and width");
    expect(msg(padded(13, [0, 0, 1, 1, 0, 0, 1, 1], (b, x) => b.averagePool(x, { kernel: [3, 3], pads: [1, 1, 1, 1], countIncludePad: false })))).toContain(
      "reads a zero-padded input (Pad) and pads again without counting its padding",
    );
  });
});
