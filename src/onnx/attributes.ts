/** Typed access to ONNX node attributes, with defaults. */
import pkg from "onnx-proto";
import type { ConstTensor, Int64 } from "./tensor.js";
import { int64ToNumber } from "./tensor.js";
import type { NodeProto } from "./decode.js";

const { onnx } = pkg;
const AT = onnx.AttributeProto.AttributeType;
type AttributeProto = pkg.onnx.IAttributeProto;

export class Attributes {
  private readonly byName: Map<string, AttributeProto>;

  constructor(node: NodeProto) {
    this.byName = new Map((node.attribute ?? []).map((a) => [a.name ?? "", a]));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  int(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a?.i !== undefined && a.i !== null ? int64ToNumber(a.i as Int64) : fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? (a.ints ?? []).map((v) => int64ToNumber(v as Int64)) : undefined;
  }

  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a?.f !== undefined && a.f !== null ? a.f : fallback;
  }

  floats(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? [...(a.floats ?? [])] : undefined;
  }

  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a?.s ? new TextDecoder().decode(a.s) : fallback;
  }

  tensor(name: string): pkg.onnx.ITensorProto | undefined {
    const a = this.byName.get(name);
    return a?.type === AT.TENSOR || a?.t ? (a.t ?? undefined) : undefined;
  }
}

/** A constant built from a scalar or list attribute (Constant's value_float(s)/value_int(s)). */
export const constFromList = (values: number[], scalar: boolean, dtype: string): ConstTensor => ({
  dims: scalar ? [] : [values.length],
  data: Float64Array.from(values),
  dtype,
});
