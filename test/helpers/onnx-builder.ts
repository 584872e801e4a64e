/**
 * Builds ONNX models in memory for tests: every op spikec imports has a helper, `node()` covers the rest
 * (unsupported ops, odd attributes), and initializers can be float32/float64/float16, raw or typed, or external.
 *
 *   const b = new OnnxBuilder({ opset: 13 });
 *   const x = b.input("x", [1, 8, 8]);                    // batch axis is symbolic ("N") unless batch: 1
 *   const y = b.relu(b.conv(x, { weight: b.randn([4, 1, 3, 3]), pads: [1, 1, 1, 1] }));
 *   b.output(y);
 *   const bytes = b.toBytes();
 */
import pkg from "onnx-proto";

const { onnx } = pkg;
const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

export type Dtype = "float32" | "float64" | "float16" | "int64" | "int32";

/** A constant: dims and values, plus how to store it. */
export interface Tensor {
  dims: number[];
  data: ArrayLike<number>;
  dtype?: Dtype;
  /** raw_data (default) or the typed repeated field (float_data, double_data, int64_data, int32_data). */
  storage?: "raw" | "typed";
}

export type AttrValue = number | number[] | string | Tensor | { float: number } | { floats: number[] };

export interface BuilderOptions {
  opset?: number;
  /** "N" (symbolic, default) or a fixed batch size. */
  batch?: string | number;
  /** Seed of randn(). */
  seed?: number;
  /** Data type of the graph input and output (default float32). */
  ioType?: Dtype;
}

export interface WindowOptions {
  strides?: number[];
  pads?: number[];
  dilations?: number[];
  autoPad?: "NOTSET" | "SAME_UPPER" | "SAME_LOWER" | "VALID";
}

const ELEM: Record<Dtype, number> = { float32: DT.FLOAT, float64: DT.DOUBLE, float16: DT.FLOAT16, int64: DT.INT64, int32: DT.INT32 };

/** float → IEEE half bits, round to nearest even (enough for test weights; no subnormal fuss beyond flushing). */
export function floatToHalf(v: number): number {
  const f32 = new Float32Array([v]);
  const x = new Uint32Array(f32.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (Number.isNaN(v)) return 0x7e00;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >> (1 - exp);
    return sign | ((mant + 0x1000 + ((mant >> 13) & 1) - 1) >> 13);
  }
  const half = sign | (exp << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  return rest > 0x1000 || (rest === 0x1000 && half & 1) ? half + 1 : half;
}

/** Encodes values little-endian. */
export function encodeValues(data: ArrayLike<number>, dtype: Dtype): Uint8Array {
  const n = data.length;
  const size = { float32: 4, float64: 8, float16: 2, int64: 8, int32: 4 }[dtype];
  const buf = new Uint8Array(n * size);
  const v = new DataView(buf.buffer);
  for (let i = 0; i < n; i++) {
    if (dtype === "float32") v.setFloat32(i * 4, data[i], true);
    else if (dtype === "float64") v.setFloat64(i * 8, data[i], true);
    else if (dtype === "float16") v.setUint16(i * 2, floatToHalf(data[i]), true);
    else if (dtype === "int64") v.setBigInt64(i * 8, BigInt(Math.trunc(data[i])), true);
    else v.setInt32(i * 4, data[i], true);
  }
  return buf;
}

export function tensorProto(name: string, t: Tensor): pkg.onnx.ITensorProto {
  const dtype = t.dtype ?? "float32";
  const proto: pkg.onnx.ITensorProto = { name, dims: t.dims, dataType: ELEM[dtype] };
  if ((t.storage ?? "raw") === "raw") proto.rawData = encodeValues(t.data, dtype);
  else if (dtype === "float32") proto.floatData = Array.from(t.data);
  else if (dtype === "float64") proto.doubleData = Array.from(t.data);
  else if (dtype === "int64") proto.int64Data = Array.from(t.data);
  else if (dtype === "float16") proto.int32Data = Array.from(t.data, floatToHalf);
  else proto.int32Data = Array.from(t.data);
  return proto;
}

export class OnnxBuilder {
  readonly opset: number;
  private readonly nodes: pkg.onnx.INodeProto[] = [];
  private readonly inits: pkg.onnx.ITensorProto[] = [];
  private readonly inputs: pkg.onnx.IValueInfoProto[] = [];
  private readonly outputs: pkg.onnx.IValueInfoProto[] = [];
  /** External data files by relative path (write them beside the model). */
  readonly externalFiles = new Map<string, Uint8Array>();
  private counter = 0;
  private seed: number;
  private readonly batch: string | number;
  readonly ioType: Dtype;

  constructor(options: BuilderOptions = {}) {
    this.opset = options.opset ?? 13;
    this.batch = options.batch ?? "N";
    this.seed = options.seed ?? 1;
    this.ioType = options.ioType ?? "float32";
  }

  private fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Uniform values in [-scale, scale), from the builder's seeded generator. */
  randn(dims: number[], scale = 0.5): Tensor {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      this.seed = (this.seed * 1103515245 + 12345) % 2147483648;
      data[i] = (this.seed / 2147483648 - 0.5) * 2 * scale;
    }
    return { dims, data };
  }

  /** The graph input [batch, ...shape]. */
  input(name: string, shape: number[], dims?: (number | string)[]): string {
    const all = dims ?? [this.batch, ...shape];
    this.inputs.push({
      name,
      type: { tensorType: { elemType: ELEM[this.ioType], shape: { dim: all.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } },
    });
    return name;
  }

  output(name: string): void {
    this.outputs.push({ name, type: { tensorType: { elemType: ELEM[this.ioType] } } });
  }

  /** Adds an initializer and returns its name. */
  init(t: Tensor, name = this.fresh("w")): string {
    this.inits.push(tensorProto(name, t));
    return name;
  }

  /** An initializer whose bytes live in an external file (raw little-endian), at `offset` within it. */
  externalInit(t: Tensor, file: string, name = this.fresh("w"), options: { offset?: number; location?: string; withLength?: boolean } = {}): string {
    const bytes = encodeValues(t.data, t.dtype ?? "float32");
    const existing = this.externalFiles.get(file) ?? new Uint8Array(0);
    const offset = options.offset ?? existing.length;
    const merged = new Uint8Array(Math.max(existing.length, offset + bytes.length));
    merged.set(existing);
    merged.set(bytes, offset);
    this.externalFiles.set(file, merged);
    const entries = [
      { key: "location", value: options.location ?? file },
      { key: "offset", value: String(offset) },
      ...(options.withLength === false ? [] : [{ key: "length", value: String(bytes.length) }]),
    ];
    this.inits.push({ name, dims: t.dims, dataType: ELEM[t.dtype ?? "float32"], dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: entries });
    return name;
  }

  private operand(v: string | Tensor): string {
    return typeof v === "string" ? v : this.init(v);
  }

  /** Any node; returns its output names. `outputs` is a count or explicit names ("" = omitted). */
  node(op: string, inputs: (string | Tensor)[], attrs: Record<string, AttrValue | undefined> = {}, outputs: number | string[] = 1, name?: string): string[] {
    const nodeName = name ?? this.fresh(op);
    const outs = typeof outputs === "number" ? Array.from({ length: outputs }, (_, i) => `${nodeName}_out${i}`) : outputs;
    const attribute = Object.entries(attrs)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => attributeProto(k, v!));
    this.nodes.push({ name: nodeName, opType: op, input: inputs.map((i) => this.operand(i)), output: outs, attribute });
    return outs;
  }

  private one(op: string, inputs: (string | Tensor)[], attrs: Record<string, AttrValue | undefined> = {}): string {
    return this.node(op, inputs, attrs)[0];
  }

  private windowAttrs(w: WindowOptions): Record<string, AttrValue | undefined> {
    return { strides: w.strides, pads: w.pads, dilations: w.dilations, auto_pad: w.autoPad };
  }

  conv(x: string, o: WindowOptions & { weight: Tensor; bias?: Tensor; group?: number; kernelShape?: number[] }): string {
    return this.one("Conv", o.bias ? [x, o.weight, o.bias] : [x, o.weight], { ...this.windowAttrs(o), group: o.group, kernel_shape: o.kernelShape });
  }

  gemm(x: string, o: { b: Tensor; c?: Tensor; transA?: number; transB?: number; alpha?: number; beta?: number }): string {
    return this.one("Gemm", o.c ? [x, o.b, o.c] : [x, o.b], {
      transA: o.transA,
      transB: o.transB,
      alpha: o.alpha === undefined ? undefined : { float: o.alpha },
      beta: o.beta === undefined ? undefined : { float: o.beta },
    });
  }

  matmul(a: string | Tensor, b: string | Tensor): string {
    return this.one("MatMul", [a, b]);
  }

  add(a: string | Tensor, b: string | Tensor): string {
    return this.one("Add", [a, b]);
  }

  sub(a: string | Tensor, b: string | Tensor): string {
    return this.one("Sub", [a, b]);
  }

  mul(a: string | Tensor, b: string | Tensor): string {
    return this.one("Mul", [a, b]);
  }

  div(a: string | Tensor, b: string | Tensor): string {
    return this.one("Div", [a, b]);
  }

  relu(x: string): string {
    return this.one("Relu", [x]);
  }

  batchNorm(x: string, o: { scale: Tensor; bias: Tensor; mean: Tensor; variance: Tensor; epsilon?: number }): string {
    return this.one("BatchNormalization", [x, o.scale, o.bias, o.mean, o.variance], { epsilon: o.epsilon === undefined ? undefined : { float: o.epsilon } });
  }

  maxPool(x: string, o: WindowOptions & { kernel: number[]; ceilMode?: boolean; indices?: boolean }): string {
    return this.node("MaxPool", [x], { ...this.windowAttrs(o), kernel_shape: o.kernel, ceil_mode: o.ceilMode ? 1 : undefined }, o.indices ? 2 : 1)[0];
  }

  averagePool(x: string, o: WindowOptions & { kernel: number[]; ceilMode?: boolean; countIncludePad?: boolean }): string {
    return this.one("AveragePool", [x], {
      ...this.windowAttrs(o),
      kernel_shape: o.kernel,
      ceil_mode: o.ceilMode ? 1 : undefined,
      count_include_pad: o.countIncludePad ? 1 : undefined,
    });
  }

  globalAveragePool(x: string): string {
    return this.one("GlobalAveragePool", [x]);
  }

  flatten(x: string, axis?: number): string {
    return this.one("Flatten", [x], { axis });
  }

  reshape(x: string, shape: number[]): string {
    return this.one("Reshape", [x, { dims: [shape.length], data: shape, dtype: "int64" }]);
  }

  /** Squeeze/Unsqueeze: axes as an attribute before opset 13, as an input from 13 on. */
  squeeze(x: string, axes?: number[]): string {
    return this.axesOp("Squeeze", x, axes);
  }

  unsqueeze(x: string | Tensor, axes: number[]): string {
    return this.axesOp("Unsqueeze", x, axes);
  }

  private axesOp(op: string, x: string | Tensor, axes?: number[]): string {
    if (axes === undefined) return this.one(op, [x]);
    return this.opset >= 13 ? this.one(op, [x, { dims: [axes.length], data: axes, dtype: "int64" }]) : this.one(op, [x], { axes });
  }

  concat(xs: string[], axis = 1): string {
    return this.one("Concat", xs, { axis });
  }

  identity(x: string): string {
    return this.one("Identity", [x]);
  }

  /** Dropout; `mask: true` adds the mask output (which must stay unused for spikec). */
  dropout(x: string, o: { ratio?: number; mask?: boolean } = {}): string[] {
    const ratio = o.ratio ?? 0.5;
    const inputs: (string | Tensor)[] = this.opset >= 12 ? [x, { dims: [], data: [ratio] }] : [x];
    return this.node("Dropout", inputs, this.opset >= 12 ? {} : { ratio: { float: ratio } }, o.mask ? 2 : 1);
  }

  softmax(x: string, axis?: number): string {
    return this.one("Softmax", [x], { axis });
  }

  /** A Constant node holding `t` as `value` (default) or value_float(s)/value_int(s). */
  constant(t: Tensor, form: "value" | "value_float" | "value_floats" | "value_int" | "value_ints" = "value"): string {
    const v = Array.from(t.data);
    const attr: AttrValue =
      form === "value" ? t : form === "value_float" ? { float: v[0] } : form === "value_floats" ? { floats: v } : form === "value_int" ? v[0] : v;
    return this.one("Constant", [], { [form]: attr });
  }

  model(): pkg.onnx.IModelProto {
    return {
      irVersion: this.opset >= 21 ? 10 : this.opset >= 15 ? 8 : 7,
      producerName: "spikec-tests",
      opsetImport: [{ domain: "", version: this.opset }],
      graph: { name: "g", node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    };
  }

  toBytes(): Uint8Array {
    return onnx.ModelProto.encode(onnx.ModelProto.create(this.model())).finish();
  }
}

function attributeProto(name: string, v: AttrValue): pkg.onnx.IAttributeProto {
  if (typeof v === "number") return { name, type: AT.INT, i: v };
  if (typeof v === "string") return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
  if ("float" in v) return { name, type: AT.FLOAT, f: v.float };
  if ("floats" in v) return { name, type: AT.FLOATS, floats: v.floats };
  return { name, type: AT.TENSOR, t: tensorProto(name, v) };
}
