/** Relu, and Add/Sub/Mul/Div: of two activations (→ add) or with a constant (→ affine, or fused into a dense bias). */
import type { AddNode, AffineNode, ReluNode } from "../../ann/graph.js";
import type { Activation, NodeContext } from "../context.js";
import type { ConstTensor } from "../tensor.js";
import { broadcastConstant, expandToActivation } from "./broadcast.js";
import type { OpHandler } from "./types.js";

export const relu: OpHandler = (n) => {
  const x = n.activation(0, "input X");
  const node = n.ctx.emit<ReluNode>({ kind: "relu", id: n.outputName(), inputs: [x.id], shape: x.shape, origin: n.origin() });
  n.bind(0, { kind: "activation", id: node.id, shape: x.shape });
};

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

function emitAffine(n: NodeContext, x: Activation, id: string, per: AffineNode["per"], scale: Float64Array, shift: Float64Array): Activation {
  const node = n.ctx.emit<AffineNode>({ kind: "affine", id, inputs: [x.id], shape: x.shape, origin: n.origin(), per, scale, shift });
  return { kind: "activation", id: node.id, shape: node.shape };
}

/** MatMul/Gemm + Add(constant bias): the bias joins the dense node when nothing else reads the product. */
function tryFuseBias(n: NodeContext, x: Activation, c: ConstTensor, sign: number): boolean {
  const producer = n.ctx.producer(x.id);
  if (producer?.kind !== "dense" || (n.ctx.consumers.get(x.id) ?? 0) !== 1 || n.ctx.nodes[n.ctx.nodes.length - 1] !== producer) return false;
  const full = expandToActivation(n, c, x.shape);
  for (let i = 0; i < full.length; i++) producer.bias[i] += sign * full[i];
  producer.origin.push(...n.origin());
  n.bind(0, x);
  return true;
}

function elementwise(n: NodeContext, op: "Add" | "Sub" | "Mul" | "Div"): void {
  // Known before the operands' shapes (or whether an unsupported node computed them): a product is never linear.
  if ((op === "Mul" || op === "Div") && n.computed(0) && n.computed(1))
    n.fail(`${op} of two activations is not a linear map`, "only Add/Sub of activations (residual connections) are supported; gating (x·σ(…), squeeze-excitation, attention) has no exact single-spike mapping");
  const a = n.value(0);
  const b = n.value(1);
  if (a.kind === "activation" && b.kind === "activation") {
    if (!sameShape(a.shape, b.shape))
      n.fail(`the activations have shapes [batch, ${a.shape}] and [batch, ${b.shape}]; ${op} between activations needs equal shapes`);
    let second = b;
    if (op === "Sub") {
      const ones = Float64Array.of(-1);
      second = emitAffine(n, b, `${n.outputName()}/negate`, "scalar", ones, Float64Array.of(0));
    }
    const node = n.ctx.emit<AddNode>({ kind: "add", id: n.outputName(), inputs: [a.id, second.id], shape: a.shape, origin: n.origin() });
    n.bind(0, { kind: "activation", id: node.id, shape: a.shape });
    return;
  }
  if (a.kind === "constant" && b.kind === "constant") n.fail(`both operands are constants; spikec does not fold constant arithmetic`, "fold constants before export (e.g. onnxsim)");
  const constantLeft = a.kind === "constant";
  const x = n.activation(constantLeft ? 1 : 0);
  const c = n.floatConstant(constantLeft ? 0 : 1, "constant operand");
  if (op === "Add" && tryFuseBias(n, x, c, 1)) return;
  if (op === "Sub" && !constantLeft && tryFuseBias(n, x, c, -1)) return;
  const { per, values } = broadcastConstant(n, c, x.shape);
  const m = values.length;
  let scale: Float64Array;
  let shift: Float64Array;
  switch (op) {
    case "Add":
      [scale, shift] = [new Float64Array(m).fill(1), values];
      break;
    case "Sub": // x − c, or c − x
      [scale, shift] = constantLeft ? [new Float64Array(m).fill(-1), values] : [new Float64Array(m).fill(1), values.map((v) => -v)];
      break;
    case "Mul":
      [scale, shift] = [values, new Float64Array(m)];
      break;
    case "Div":
      if (constantLeft) n.fail("dividing a constant by an activation is not a linear map");
      if (values.some((v) => v === 0)) n.fail("division by a constant that contains 0");
      [scale, shift] = [values.map((v) => 1 / v), new Float64Array(m)];
      break;
  }
  n.bind(0, emitAffine(n, x, n.outputName(), per, scale, shift));
}

export const add: OpHandler = (n) => elementwise(n, "Add");
export const sub: OpHandler = (n) => elementwise(n, "Sub");
export const mul: OpHandler = (n) => elementwise(n, "Mul");
export const div: OpHandler = (n) => elementwise(n, "Div");
