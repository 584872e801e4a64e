/**
 * Constants broadcast against an activation [batch, ...shape] (numpy rules), compressed to the cheapest
 * affine parameterization: one scalar, one value per channel, or a full per-element map.
 */
import { product } from "../../ann/graph.js";
import type { AffineNode } from "../../ann/graph.js";
import type { NodeContext } from "../context.js";
import type { ConstTensor } from "../tensor.js";

export interface Broadcast {
  per: AffineNode["per"];
  values: Float64Array;
}

/** Expands c to the activation shape (without batch); fails when c would broadcast the activation itself. */
export function expandToActivation(n: NodeContext, c: ConstTensor, shape: number[]): Float64Array {
  const full = [1, ...shape];
  const bad = () => n.fail(`the constant of shape [${c.dims}] does not broadcast onto the activation [batch, ${shape.join(", ")}]`);
  if (c.dims.length > full.length) bad();
  const dims = [...new Array(full.length - c.dims.length).fill(1), ...c.dims];
  dims.forEach((d, i) => d !== 1 && d !== full[i] && bad());
  if (c.data.length === 1) return new Float64Array(product(shape)).fill(c.data[0]);
  // Strides of c in the activation's index space (0 along broadcast axes); the batch axis is size 1 in both.
  const strides = new Array<number>(dims.length).fill(0);
  for (let i = dims.length - 1, s = 1; i >= 0; i--) {
    strides[i] = dims[i] === 1 ? 0 : s;
    s *= dims[i];
  }
  const out = new Float64Array(product(shape));
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < out.length; flat++) {
    let off = 0;
    for (let a = 0; a < shape.length; a++) off += idx[a] * strides[a + 1];
    out[flat] = c.data[off];
    for (let a = shape.length - 1; a >= 0 && ++idx[a] === shape[a]; a--) idx[a] = 0;
  }
  return out;
}

/** The most compact of scalar / channel / element that represents `full` exactly. */
export function compress(full: Float64Array, shape: number[]): Broadcast {
  if (full.every((v) => v === full[0])) return { per: "scalar", values: Float64Array.of(full[0]) };
  if (shape.length >= 2) {
    const c = shape[0];
    const inner = full.length / c;
    const perChannel = new Float64Array(c);
    let ok = true;
    for (let ch = 0; ch < c && ok; ch++) {
      perChannel[ch] = full[ch * inner];
      for (let i = 1; i < inner; i++) if (full[ch * inner + i] !== perChannel[ch]) { ok = false; break; } // prettier-ignore
    }
    if (ok) return { per: "channel", values: perChannel };
  }
  return { per: "element", values: full };
}

export function broadcastConstant(n: NodeContext, c: ConstTensor, shape: number[]): Broadcast {
  return compress(expandToActivation(n, c, shape), shape);
}
