/** Bad models: each gets its own InputError naming the file, the node and why. */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import pkg from "onnx-proto";
import { importOnnx, importOnnxBytes } from "../../src/onnx/index.js";
import { inspectModelBytes } from "../../src/onnx/inspect.js";
import { OnnxBuilder } from "../helpers/onnx-builder.js";
import { writeModel } from "../helpers/onnx-agree.js";
import { inputErrorOf } from "../helpers/input-error.js";
import { scratchDir } from "../helpers/scratch.js";
import { KNOWN_ATTRIBUTES } from "../../src/onnx/ops/known-attributes.js";
import { OP_HANDLERS } from "../../src/onnx/ops/index.js";

const { onnx } = pkg;

/** x → Conv → [op under test] → output. */
function withNode(add: (b: OnnxBuilder, x: string) => string, opset = 13, batch: string | number = "N"): Uint8Array {
  const b = new OnnxBuilder({ opset, batch });
  const x = b.input("x", [2, 6, 6]);
  const y = b.conv(x, { weight: b.randn([3, 2, 3, 3]) });
  b.output(add(b, y));
  return b.toBytes();
}

describe("files that are not ONNX models", () => {
  const lenet = readFileSync("test/fixtures/lenet5_fmnist.onnx");

  it("truncated .onnx", () => {
    const e = inputErrorOf(() => importOnnxBytes(lenet.subarray(0, Math.floor(lenet.length * 0.6)), "cut.onnx"));
    expect(e.message).toMatch(/^cut\.onnx is not a valid ONNX model \(/);
  });

  it("a non-ONNX file (a .npy array)", () => {
    const e = inputErrorOf(() => importOnnxBytes(readFileSync("test/fixtures/digits_test_y.npy"), "labels.npy"));
    expect(e.message).toMatch(/^labels\.npy is not a valid ONNX model/);
  });

  it("empty graph and missing file", () => {
    expect(inputErrorOf(() => importOnnxBytes(new Uint8Array(0), "empty.onnx")).message).toMatch(/empty\.onnx is not a valid ONNX model \(it has no graph nodes\)/);
    expect(inputErrorOf(() => importOnnx("/nonexistent/model.onnx")).message).toMatch(/cannot read model \/nonexistent\/model\.onnx: ENOENT/);
  });
});

describe("unsupported content", () => {
  it("another activation names the node, the op and the supported list", () => {
    const e = inputErrorOf(() => importOnnxBytes(withNode((b, y) => b.relu(b.node("Sigmoid", [y], {}, 1, "act1")[0]!)), "m.onnx"));
    expect(e.message).toBe("m.onnx: node 'act1' (Sigmoid): op Sigmoid is not supported");
    expect(e.hint).toMatch(/retrain with ReLU/);
    expect(e.hint).toMatch(/Supported ops: Gemm, MatMul, Conv, .*Softmax/);
    const leaky = inputErrorOf(() => importOnnxBytes(withNode((b, y) => b.node("LeakyRelu", [y], { alpha: { float: 0.1 } }, 1, "lr")[0]), "m.onnx"));
    expect(leaky.message).toBe("m.onnx: node 'lr' (LeakyRelu): op LeakyRelu is not supported");
  });

  it("a final Sigmoid or LogSoftmax: export logits; Erf (GELU) named as such; a product of activations is not linear", () => {
    const sig = inputErrorOf(() => importOnnxBytes(withNode((b, y) => b.node("Sigmoid", [y], {}, 1, "head")[0]!), "m.onnx"));
    expect(sig.hint).toMatch(/^export logits: drop the final Sigmoid/);
    const lsm = inputErrorOf(() => importOnnxBytes(withNode((b, y) => b.node("LogSoftmax", [b.flatten(y, 1)], { axis: 1 }, 1, "lsm")[0]!), "m.onnx"));
    expect(lsm.hint).toMatch(/^export logits: drop the final LogSoftmax/);
    const erf = inputErrorOf(() => importOnnxBytes(withNode((b, y) => b.relu(b.node("Erf", [y], {}, 1, "erf")[0]!)), "m.onnx"));
    expect(erf.hint).toMatch(/^Erf is how GELU exports/);
    // An SE-style gate: [3,4,4] × [3,1,1] — refused as a product, not for its shapes.
    const se = inputErrorOf(() =>
      importOnnxBytes(
        withNode((b, y) => b.node("Mul", [y, b.node("GlobalAveragePool", [b.relu(y)])[0]!], {}, 1, "gate")[0]!),
        "m.onnx",
      ),
    );
    expect(se.message).toBe("m.onnx: node 'gate' (Mul): Mul of two activations is not a linear map");
  });

  it("the refusal also lists the model's other unsupported nodes (the first may be an exporter's helper node)", () => {
    const e = inputErrorOf(() => importOnnxBytes(withNode((b, y) => b.relu(b.node("Erf", [b.relu(b.node("ConstantOfShape", [b.node("Shape", [y])[0]!], {}, 1, "zeros")[0]!)], {}, 1, "gelu")[0]!)), "m.onnx"));
    expect(e.message).toMatch(/^m\.onnx: node 'zeros' \(ConstantOfShape\)/);
    expect(e.hint).toMatch(/Other nodes spikec cannot import in this model: 'gelu' \(Erf\) \(spikec inspect lists every node\)\.$/);
  });

  it("Clip(0, +∞) imports as ReLU (torch.clamp(min=0)); Clip(0, 6) is refused naming ReLU6 and its bounds", () => {
    const relu = importOnnxBytes(withNode((b, y) => b.gemm(b.flatten(b.node("Clip", [y, { dims: [], data: [0] }])[0]!, 1), { b: b.randn([48, 2]) })), "m.onnx");
    const plain = importOnnxBytes(withNode((b, y) => b.gemm(b.flatten(b.relu(y), 1), { b: b.randn([48, 2]) })), "m.onnx");
    expect(relu.nodes.map((n) => n.kind)).toEqual(plain.nodes.map((n) => n.kind));
    // torch.clamp(x, 0, float("inf")): an infinite max is a bound, not a non-finite weight (audit 2026-11-27).
    const inf = importOnnxBytes(withNode((b, y) => b.gemm(b.flatten(b.node("Clip", [y, { dims: [], data: [0] }, { dims: [], data: [Infinity] }])[0]!, 1), { b: b.randn([48, 2]) })), "m.onnx");
    expect(inf.nodes.map((n) => n.kind)).toEqual(plain.nodes.map((n) => n.kind));
    const nan = inputErrorOf(() => importOnnxBytes(withNode((b, y) => b.node("Clip", [y, { dims: [], data: [0] }, { dims: [], data: [NaN] }], {}, 1, "cn")[0]!), "m.onnx"));
    expect(nan.message).toMatch(/node 'cn' \(Clip\): weights of node cn contain NaN/);
    const six = inputErrorOf(() => importOnnxBytes(withNode((b, y) => b.node("Clip", [y, { dims: [], data: [0] }, { dims: [], data: [6] }], {}, 1, "r6")[0]!), "m.onnx"));
    expect(six.message).toBe("m.onnx: node 'r6' (Clip): Clip(min 0, max 6) (ReLU6) is not a ReLU: the exact single-spike mapping has no saturating activation");
  });

  it("MaxPool with an indices output", () => {
    const e = inputErrorOf(() => importOnnxBytes(withNode((b, y) => b.maxPool(y, { kernel: [2, 2], indices: true })), "m.onnx"));
    expect(e.message).toMatch(/node 'MaxPool_\d+' \(MaxPool\): the Indices output is requested/);
  });

  it("BatchNormalization exported in training mode: 5 outputs before opset 14, training_mode=1 from 14", () => {
    const stats = (b: OnnxBuilder) => [b.randn([3]), b.randn([3]), b.randn([3]), { dims: [3], data: Float32Array.of(1, 2, 3) }];
    // torch.onnx.export of a module left in train(): the running statistics as extra outputs (unused downstream).
    const training = withNode((b, y) => b.node("BatchNormalization", [y, ...stats(b)], {}, 5, "bn_train")[0]!, 13);
    expect(inputErrorOf(() => importOnnxBytes(training, "m.onnx")).message).toMatch(
      /node 'bn_train' \(BatchNormalization\): it has 5 outputs: at opset 13 that is training mode/,
    );
    const flagged = withNode((b, y) => b.node("BatchNormalization", [y, ...stats(b)], { training_mode: 1 }, 3, "bn_flag")[0]!, 15);
    expect(inputErrorOf(() => importOnnxBytes(flagged, "m.onnx")).message).toMatch(/node 'bn_flag' \(BatchNormalization\): training_mode=1/);
    // The inference form (one output) imports at both opsets.
    for (const opset of [13, 15]) expect(() => importOnnxBytes(withNode((b, y) => b.node("BatchNormalization", [y, ...stats(b)], {}, 1, "bn")[0]!, opset), "m.onnx")).not.toThrow();
  });

  it("an attribute its op does not define is refused naming it and the op's attributes (was: ignored)", () => {
    const b = new OnnxBuilder();
    const x = b.input("x", [2, 6, 6]);
    b.output(b.relu(b.node("Conv", [x, b.randn([3, 2, 3, 3])], { kernel_shape: [3, 3], activation: 1 }, 1, "fused")[0]!));
    const e = inputErrorOf(() => importOnnxBytes(b.toBytes(), "m.onnx"));
    expect(e.message).toBe(
      "m.onnx: node 'fused' (Conv): attribute 'activation' is not defined for Conv in ONNX opsets 11–21 (Conv takes auto_pad, kernel_shape, pads, strides, dilations, group); spikec cannot tell what it changes",
    );
    expect(e.hint).toMatch(/remove the attribute/);
    const relu = inputErrorOf(() => importOnnxBytes(withNode((b, y) => b.node("Relu", [y], { alpha: { float: 0.1 }, beta: 2 }, 1, "r")[0]!), "m.onnx"));
    expect(relu.message).toMatch(/node 'r' \(Relu\): attributes 'alpha', 'beta' are not defined for Relu .*\(Relu takes no attributes\); spikec cannot tell what they change$/);
    // Attributes that only matter in training or for unused outputs still import.
    expect(() => importOnnxBytes(withNode((b, y) => b.node("MaxPool", [y], { kernel_shape: [2, 2], storage_order: 1 }, 1)[0]!), "m.onnx")).not.toThrow();
    expect(() => importOnnxBytes(withNode((b, y) => b.node("Dropout", [y], { ratio: { float: 0.3 } }, 1)[0]!, 11), "m.onnx")).not.toThrow();
  });

  it("every supported op has its attribute list", () => {
    expect(Object.keys(KNOWN_ATTRIBUTES).sort()).toEqual(Object.keys(OP_HANDLERS).sort());
  });

  it("Conv with a 3-D kernel", () => {
    const b = new OnnxBuilder();
    const x = b.input("x", [1, 4, 4, 4]);
    b.output(b.node("Conv", [x, b.randn([2, 1, 3, 3, 3])], {}, 1, "conv3d")[0]);
    expect(inputErrorOf(() => importOnnxBytes(b.toBytes(), "m.onnx")).message).toMatch(/node 'conv3d' \(Conv\): the weight has shape \[2,1,3,3,3\]: a 3-D kernel/);
  });

  it("an integer model input: the type named, and where the cast belongs (audit: 'element type 2')", () => {
    const b = new OnnxBuilder({ opset: 13, ioType: "int32" });
    const x = b.input("x", [4]);
    b.output(b.node("Cast", [x], { to: 1 })[0]!);
    const e = inputErrorOf(() => importOnnxBytes(b.toBytes(), "m.onnx"));
    expect(e.message).toBe("m.onnx: input 'x' has element type INT32; spikec needs a float input (FLOAT, DOUBLE or FLOAT16)");
    expect(e.hint).toMatch(/move a cast and scaling of the input \(x\.float\(\) \/ 255\) out of the model/);
  });

  it("a batch dimension of 8", () => {
    const e = inputErrorOf(() => importOnnxBytes(withNode((b, y) => b.relu(y), 13, 8), "m.onnx"));
    expect(e.message).toBe("m.onnx: input 'x' has a batch dimension of 8; spikec needs it symbolic or 1");
  });

  it("NaN and Inf weights", () => {
    const nan = withNode((b, y) => b.conv(y, { weight: { dims: [1, 3, 1, 1], data: [1, NaN, 2] } }));
    expect(inputErrorOf(() => importOnnxBytes(nan, "m.onnx")).message).toMatch(/node 'Conv_\d+' \(Conv\): weights of node Conv_\d+ contain NaN/);
    const inf = withNode((b, y) => b.add(y, { dims: [], data: [Infinity] }));
    expect(inputErrorOf(() => importOnnxBytes(inf, "m.onnx")).message).toMatch(/weights of node Add_\d+ contain Inf/);
  });

  it("an integer-typed weight (float bytes under INT32): refused, not read as integers (audit: logits of 1e10)", () => {
    const bytes = withNode((b, y) => b.gemm(b.flatten(y), { b: { dims: [4, 48], data: Array.from({ length: 192 }, (_, i) => i % 7), dtype: "int32" }, transB: 1 }));
    expect(inputErrorOf(() => importOnnxBytes(bytes, "m.onnx")).message).toMatch(
      /^m\.onnx: node 'Gemm_\d+' \(Gemm\): weight B 'w_\d+' holds INT32 values; a weight beside a float activation must be FLOAT, DOUBLE, FLOAT16 or BFLOAT16$/,
    );
  });

  it("a tensor produced twice (two nodes writing one name): refused naming both, not an internal error", () => {
    const b = new OnnxBuilder({ opset: 13 });
    const x = b.input("x", [8]);
    const h = b.node("Gemm", [x, b.init(b.randn([4, 8]))], { transB: 1 }, ["h"], "g1")[0]!;
    b.node("Relu", [h], {}, ["h"], "r1");
    b.output(b.node("Gemm", ["h", b.init(b.randn([2, 4]))], { transB: 1 }, ["y"], "g2")[0]!);
    const e = inputErrorOf(() => importOnnxBytes(b.toBytes(), "m.onnx"));
    expect(e.message).toBe("m.onnx: tensor 'h' is produced twice, by node 'g1' (Gemm) and by node 'r1' (Relu)");
    expect(inputErrorOf(() => inspectModelBytes(b.toBytes(), "m.onnx")).message).toBe(e.message);
  });

  it("raw data of the wrong length names the bytes found and needed (was: holds no values)", () => {
    const model = onnx.ModelProto.decode(withNode((b, y) => b.relu(y)));
    const w = model.graph!.initializer![0]!;
    w.rawData = w.rawData!.subarray(0, w.rawData!.length - 4);
    const e = inputErrorOf(() => importOnnxBytes(onnx.ModelProto.encode(model).finish(), "m.onnx"));
    expect(e.message).toMatch(/^m\.onnx: initializer 'w_\d+' holds 212 bytes of FLOAT data \(53 values\) but its shape \[3,2,3,3\] needs 54 \(216 bytes\)$/);
  });

  it("a MatMul on a 4-D activation: says it multiplies the last axis only (flattening would change the model)", () => {
    const bytes = withNode((b, y) => b.matmul(y, { dims: [4, 5], data: Array.from({ length: 20 }, (_, i) => i / 20) }));
    const e = inputErrorOf(() => importOnnxBytes(bytes, "m.onnx"));
    expect(e.message).toMatch(/\(MatMul\): expects a 2-D input \[batch, K\], got \[batch, 3, 4, 4\]: a MatMul on a higher-rank input multiplies its last axis only/);
    expect(e.hint).toMatch(/^flatten the input first \(x\.flatten\(1\)\) if the layer should see all features, or express a per-position layer as a 1×1 Conv/);
  });

  it("missing initializer", () => {
    const bytes = withNode((b, y) => b.node("MatMul", [b.flatten(y), "missing_weight"], {}, 1, "fc")[0]);
    const e = inputErrorOf(() => importOnnxBytes(bytes, "m.onnx"));
    expect(e.message).toBe("m.onnx: node 'fc' (MatMul): input 'missing_weight' is neither a graph input, an initializer nor the output of an earlier node");
    // A broken file needs repair, not other ops: no list of supported ops in the hint (audit: noise).
    expect(e.hint).toBe("the model is incomplete (a missing initializer?) or its nodes are not in topological order; export it again");
  });

  it("Softmax that is not last, used Dropout mask, reshape that un-flattens", () => {
    const soft = withNode((b, y) => b.relu(b.softmax(b.flatten(y))));
    expect(inputErrorOf(() => importOnnxBytes(soft, "m.onnx")).message).toMatch(/\(Softmax\): Softmax is only supported as the last op/);
    const mask = withNode((b, y) => {
      const [, m] = b.dropout(y, { mask: true });
      return b.add(b.relu(y), b.node("Cast", [m], { to: 1 })[0]);
    });
    expect(inputErrorOf(() => importOnnxBytes(mask, "m.onnx")).message).toMatch(/\(Dropout\): its mask output is used/);
    const unflatten = withNode((b, y) => b.reshape(b.flatten(y), [0, 3, 16]));
    expect(inputErrorOf(() => importOnnxBytes(unflatten, "m.onnx")).message).toMatch(/\(Reshape\): reshapes \[batch, 48\] to \[batch, 3, 16\]; only a flatten/);
    // A one-output head squeezed to [batch] (audit: the message said "reshapes [batch, 1] to [1]").
    const squeezed = withNode((b, y) => b.node("Squeeze", [b.gemm(b.flatten(y), { b: b.randn([1, 48]), transB: 1 })], {}, 1, "sq")[0]!);
    expect(inputErrorOf(() => importOnnxBytes(squeezed, "m.onnx")).message).toMatch(/\(Squeeze\): squeezes \[batch, 1\] to \[batch\]; only a flatten to \[batch, 1\] or a no-op is supported$/);
  });

  it("external data that is a folder, a named pipe, a link out of the folder, or at a non-decimal offset (audit: internal error, a hang, read through the link, '0x10' read as 16)", () => {
    const model = (location: string, offset?: string) => {
      const b = new OnnxBuilder();
      b.output(b.matmul(b.input("x", [4]), "w"));
      b.externalInit(b.randn([4, 2]), "w.bin", "w", { location });
      const path = writeModel(b);
      if (offset !== undefined) {
        // Rewrite the offset entry as an exporter that writes other notations would.
        const m = onnx.ModelProto.decode(readFileSync(path));
        m.graph!.initializer![0]!.externalData!.find((e) => e.key === "offset")!.value = offset;
        writeFileSync(path, onnx.ModelProto.encode(m).finish());
      }
      return path;
    };
    const dir = model("sub");
    mkdirSync(join(dir, "..", "sub"));
    expect(inputErrorOf(() => importOnnx(dir)).message).toMatch(/: external data 'sub' of initializer 'w' is a folder, not a file$/);
    const fifo = model("pipe.bin");
    execFileSync("mkfifo", [join(fifo, "..", "pipe.bin")]);
    expect(inputErrorOf(() => importOnnx(fifo)).message).toMatch(/: external data 'pipe\.bin' of initializer 'w' is a named pipe \(FIFO\), not a file$/);
    const linked = model("link.bin");
    const outside = join(scratchDir("spikec-outside-"), "secret.bin");
    writeFileSync(outside, new Uint8Array(32));
    symlinkSync(outside, join(linked, "..", "link.bin"));
    const e = inputErrorOf(() => importOnnx(linked));
    expect(e.message).toMatch(/initializer 'w' reads external data 'link\.bin' through a symbolic link to .*secret\.bin, outside the model's folder$/);
    const hex = model("w.bin", "0x10");
    expect(inputErrorOf(() => importOnnx(hex)).message).toMatch(/external data 'offset' of initializer 'w' is '0x10', not a decimal byte count$/);
    expect(() => importOnnx(model("w.bin", "0"))).not.toThrow();
  });

  it("a Gemm alpha or beta of NaN or Inf, a pool kernel of size 0, an initializer defined twice (audit: internal errors, the second copy used)", () => {
    for (const [attr, v] of [["alpha", NaN], ["beta", Infinity]] as const) {
      const b = new OnnxBuilder();
      b.output(b.node("Gemm", [b.input("x", [4]), b.randn([2, 4]), b.randn([2])], { transB: 1, [attr]: { float: v } }, 1, "g")[0]!);
      expect(inputErrorOf(() => importOnnxBytes(b.toBytes(), "m.onnx")).message).toBe(`m.onnx: node 'g' (Gemm): attribute ${attr} is ${v}`);
    }
    const pool = inputErrorOf(() => importOnnxBytes(withNode((b, y) => b.node("MaxPool", [y], { kernel_shape: [0, 0] }, 1, "p")[0]!), "m.onnx"));
    expect(pool.message).toBe("m.onnx: node 'p' (MaxPool): kernel_shape [0,0] has a size below 1");
    const twice = new OnnxBuilder();
    twice.output(twice.matmul(twice.input("x", [4]), twice.init(twice.randn([4, 2]), "w")));
    twice.init({ dims: [4, 2], data: new Array(8).fill(0) }, "w");
    expect(inputErrorOf(() => importOnnxBytes(twice.toBytes(), "m.onnx")).message).toBe("m.onnx: initializer 'w' is defined twice");
  });

  it("external data that escapes the model folder, or is missing", () => {
    const b = new OnnxBuilder();
    const x = b.input("x", [4]);
    b.output(b.matmul(x, "w"));
    b.externalInit(b.randn([4, 2]), "w.bin", "w", { location: "../outside.bin" });
    const path = writeModel(b);
    expect(inputErrorOf(() => importOnnx(path)).message).toMatch(/initializer 'w' points to external data '\.\.\/outside\.bin' outside the model's folder/);
    const c = new OnnxBuilder();
    const y = c.input("x", [4]);
    c.output(c.matmul(y, "w"));
    c.externalInit(c.randn([4, 2]), "w.bin", "w");
    const p2 = writeModel(c);
    writeFileSync(join(p2, "..", "w.bin"), new Uint8Array(8)); // too short
    expect(inputErrorOf(() => importOnnx(p2)).message).toMatch(/initializer 'w' reads bytes 0\.\.32 of 'w\.bin', which has 8 bytes/);
    expect(inputErrorOf(() => importOnnxBytes(c.toBytes(), "m.onnx")).message).toMatch(/stored in the external file 'w\.bin', but the model was given as bytes/);
  });
});
