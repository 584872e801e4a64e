/**
 * ONNX tensors to float64: the dtype conversions. Weights arrive as float32/float64/float16/bfloat16 and shapes
 * as int64/int32, either packed little-endian in raw_data or in the typed repeated fields.
 */
import pkg from "onnx-proto";
import { halfToFloat } from "../io/npy.js";

const { onnx } = pkg;
const DT = onnx.TensorProto.DataType;

/** A constant tensor, every dtype widened to float64 (int64 shapes stay exact up to 2^53). */
export interface ConstTensor {
  dims: number[];
  data: Float64Array;
  /** ONNX dtype name, e.g. "FLOAT16", for messages. */
  dtype: string;
  /**
   * 1 where the entry stands for the model's symbolic batch size (a Shape of an activation; its `data` there is 0).
   * Such a tensor is only a shape: it may flow through Gather, Unsqueeze, Concat, Cast into a Reshape's batch entry.
   */
  batch?: Uint8Array;
}

/** A protobufjs int64: a JS number or a Long. */
export type Int64 = number | { toNumber(): number };
export const int64ToNumber = (v: Int64): number => (typeof v === "number" ? v : v.toNumber());

export const dtypeName = (t: number): string => DT[t] ?? `dtype ${t}`;

/** Bytes per element in raw_data, for the dtypes spikec reads. */
const RAW: Partial<Record<number, { size: number; read: (v: DataView, o: number) => number }>> = {
  [DT.FLOAT]: { size: 4, read: (v, o) => v.getFloat32(o, true) },
  [DT.DOUBLE]: { size: 8, read: (v, o) => v.getFloat64(o, true) },
  [DT.FLOAT16]: { size: 2, read: (v, o) => halfToFloat(v.getUint16(o, true)) },
  [DT.BFLOAT16]: { size: 2, read: (v, o) => bfloat16ToFloat(v.getUint16(o, true)) },
  [DT.INT64]: { size: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  [DT.INT32]: { size: 4, read: (v, o) => v.getInt32(o, true) },
  [DT.INT16]: { size: 2, read: (v, o) => v.getInt16(o, true) },
  [DT.UINT16]: { size: 2, read: (v, o) => v.getUint16(o, true) },
  [DT.INT8]: { size: 1, read: (v, o) => v.getInt8(o) },
  [DT.UINT8]: { size: 1, read: (v, o) => v.getUint8(o) },
  [DT.BOOL]: { size: 1, read: (v, o) => v.getUint8(o) },
};

/** bfloat16 is the top half of a float32. */
export function bfloat16ToFloat(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits << 16, false);
  return view.getFloat32(0, false);
}

export const isSupportedDtype = (t: number): boolean => RAW[t] !== undefined;

/** Bytes per element of a supported dtype in raw_data. */
export const rawElementSize = (t: number): number => RAW[t]!.size;

/** Decodes little-endian packed bytes of `count` elements; null when the byte length does not match. */
export function decodeRaw(bytes: Uint8Array, dataType: number, count: number): Float64Array | null {
  const r = RAW[dataType];
  if (!r || bytes.length !== count * r.size) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = r.read(view, i * r.size);
  return out;
}

/** Decodes the typed repeated fields (float_data, double_data, int64_data, int32_data — the latter also holds 16-bit floats and small ints). */
export function decodeTyped(t: pkg.onnx.ITensorProto, dataType: number): Float64Array | null {
  switch (dataType) {
    case DT.FLOAT:
      return t.floatData?.length ? Float64Array.from(t.floatData) : null;
    case DT.DOUBLE:
      return t.doubleData?.length ? Float64Array.from(t.doubleData) : null;
    case DT.INT64:
      return t.int64Data?.length ? Float64Array.from(t.int64Data, (v) => int64ToNumber(v as Int64)) : null;
    case DT.FLOAT16:
      return t.int32Data?.length ? Float64Array.from(t.int32Data, (v) => halfToFloat(v & 0xffff)) : null;
    case DT.BFLOAT16:
      return t.int32Data?.length ? Float64Array.from(t.int32Data, (v) => bfloat16ToFloat(v & 0xffff)) : null;
    case DT.INT32:
    case DT.INT16:
    case DT.UINT16:
    case DT.INT8:
    case DT.UINT8:
    case DT.BOOL:
      return t.int32Data?.length ? Float64Array.from(t.int32Data) : null;
    default:
      return null;
  }
}

/** Index of the first NaN or ±Inf, or -1. */
export function firstNonFinite(data: Float64Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}
