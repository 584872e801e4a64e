/** Gemm and MatMul with a constant weight → dense. */
import type { DenseNode } from "../../ann/graph.js";
import type { NodeContext } from "../context.js";
import type { ConstTensor } from "../tensor.js";
import type { OpHandler } from "./types.js";

function vectorInput(n: NodeContext): { id: string; k: number } {
  const x = n.activation(0, "input A");
  if (x.shape.length !== 1)
    n.fail(
      `expects a 2-D input [batch, K], got [batch, ${x.shape.join(", ")}]${n.op === "MatMul" ? ": a MatMul on a higher-rank input multiplies its last axis only (a 1×1 convolution or per-position layer), which spikec does not map" : ""}`,
      n.op === "MatMul" ? "flatten the input first (x.flatten(1)) if the layer should see all features, or express a per-position layer as a 1×1 Conv" : "flatten the input first (Flatten, or x.view(x.size(0), -1))",
    );
  return { id: x.id, k: x.shape[0] };
}

/** Bias of N entries from a constant broadcastable to [N] (scalar, [1], [N], [1, N]). */
function biasVector(n: NodeContext, c: ConstTensor, size: number, scale: number): Float64Array {
  const dims = c.dims.filter((d, i) => !(d === 1 && i < c.dims.length - 1));
  if (c.data.length === 1) return new Float64Array(size).fill(scale * c.data[0]);
  if (dims.length === 1 && dims[0] === size) return c.data.map((v) => scale * v);
  return n.fail(`bias C of shape [${c.dims}] does not broadcast to [${size}]`);
}

export const gemm: OpHandler = (n) => {
  if (n.attrs.int("transA", 0) !== 0) n.fail("transA=1 would transpose the batch axis into the features", "export the layer as x·Wᵀ (transA=0)");
  const x = vectorInput(n);
  const b = n.floatConstant(1, "weight B");
  if (b.dims.length !== 2) n.fail(`weight B must be 2-D, got [${b.dims}]`);
  const transB = n.attrs.int("transB", 0) !== 0;
  const alpha = n.finiteFloat("alpha", 1);
  const beta = n.finiteFloat("beta", 1);
  const [k, out] = transB ? [b.dims[1], b.dims[0]] : b.dims;
  if (k !== x.k) n.fail(`weight B of shape [${b.dims}] (transB=${Number(transB)}) does not match ${x.k} input features`);
  // weight is [out, in]: B itself when transB, else Bᵀ; alpha folded in.
  const weight = new Float64Array(out * k);
  for (let o = 0; o < out; o++) for (let i = 0; i < k; i++) weight[o * k + i] = alpha * (transB ? b.data[o * k + i] : b.data[i * out + o]);
  const bias = n.hasInput(2) ? biasVector(n, n.floatConstant(2, "bias C"), out, beta) : new Float64Array(out);
  const node = n.ctx.emit<DenseNode>({ kind: "dense", id: n.outputName(), inputs: [x.id], shape: [out], origin: n.origin(), weight, bias });
  n.bind(0, { kind: "activation", id: node.id, shape: node.shape });
};

export const matmul: OpHandler = (n) => {
  if (n.computed(0) && n.computed(1)) n.fail("MatMul of two activations (as attention's q·kᵀ) is not a linear map", "MatMul needs a constant weight");
  const x = vectorInput(n);
  const w = n.floatConstant(1, "weight");
  if (w.dims.length !== 2) n.fail(`the weight must be a 2-D [K, N] constant, got [${w.dims}]`);
  const [k, out] = w.dims;
  if (k !== x.k) n.fail(`weight of shape [${w.dims}] does not match ${x.k} input features`);
  const weight = new Float64Array(out * k);
  for (let o = 0; o < out; o++) for (let i = 0; i < k; i++) weight[o * k + i] = w.data[i * out + o];
  const node = n.ctx.emit<DenseNode>({ kind: "dense", id: n.outputName(), inputs: [x.id], shape: [out], origin: n.origin(), weight, bias: new Float64Array(out) });
  n.bind(0, { kind: "activation", id: node.id, shape: node.shape });
};
