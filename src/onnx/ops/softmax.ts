/** A final Softmax → softmax node; monotone, so the readout (argmax / first spike) ignores it. */
import type { SoftmaxNode } from "../../ann/graph.js";
import type { OpHandler } from "./types.js";

export const softmax: OpHandler = (n) => {
  const x = n.activation(0, "input");
  const axis = n.attrs.int("axis", n.opset >= 13 ? -1 : 1);
  if (x.shape.length !== 1 || (axis !== 1 && axis !== -1))
    n.fail(`softmax over axis ${axis} of [batch, ${x.shape.join(", ")}]; only a final softmax over the classes of [batch, N] is supported`);
  const node = n.ctx.emit<SoftmaxNode>({ kind: "softmax", id: n.outputName(), inputs: [x.id], shape: x.shape, origin: n.origin() });
  n.ctx.softmaxNodes.set(node.id, n.node);
  n.bind(0, { kind: "activation", id: node.id, shape: x.shape });
};
