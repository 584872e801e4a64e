/** BatchNormalization (inference) → per-channel affine: scale = γ/√(σ²+ε), shift = β − μ·scale. */
import type { AffineNode } from "../../ann/graph.js";
import type { OpHandler } from "./types.js";

export const batchNormalization: OpHandler = (n) => {
  if (n.attrs.int("training_mode", 0) !== 0) n.fail("training_mode=1; only inference-mode batch normalization is supported", "export the model in eval mode (model.eval())");
  // Before opset 14 there is no attribute: a node with the optional statistics outputs IS training mode (it normalizes
  // with the batch's own mean and variance, as onnxruntime computes it), whether or not the outputs are read.
  const statistics = (n.node.output ?? []).slice(1).filter((o) => o !== "").length;
  if (n.opset < 14 && statistics > 0)
    n.fail(
      `it has ${statistics + 1} outputs: at opset ${n.opset} that is training mode (the batch's own mean and variance, not the running statistics)`,
      "export the model in eval mode (model.eval(), or torch.onnx.export(..., training=torch.onnx.TrainingMode.EVAL))",
    );
  for (let i = 1; i < (n.node.output?.length ?? 0); i++)
    if (n.outputUsed(i)) n.fail(`output ${i} (running statistics) is used; only inference mode is supported`, "export the model in eval mode (model.eval())");
  const x = n.activation(0, "input X");
  const c = x.shape[0];
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => n.floatConstant(i, ["", "scale", "B", "mean", "var"][i]).data);
  for (const [name, v] of [["scale", gamma], ["B", beta], ["mean", mean], ["var", variance]] as const)
    if (v.length !== c) n.fail(`${name} has ${v.length} entries for ${c} channels`);
  const eps = n.finiteFloat("epsilon", 1e-5);
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    if (variance[i] + eps <= 0) n.fail(`channel ${i} has variance ${variance[i]} + epsilon ≤ 0`);
    scale[i] = gamma[i] / Math.sqrt(variance[i] + eps);
    shift[i] = beta[i] - mean[i] * scale[i];
  }
  const node = n.ctx.emit<AffineNode>({ kind: "affine", id: n.outputName(), inputs: [x.id], shape: x.shape, origin: n.origin(), per: "channel", scale, shift });
  n.bind(0, { kind: "activation", id: node.id, shape: node.shape });
};
