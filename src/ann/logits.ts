import { describeOrigin, type AnnGraph } from "./graph.js";

/**
 * The node of the imported graph whose value the SNN's readout computes: the graph output, or, when the model ends in
 * a Softmax (which canonicalization drops: the readout gives logits), the Softmax's input. Comparing the readout with
 * the softmax's probabilities would measure the softmax, not the SNN.
 */
export function annLogitsNode(ann: AnnGraph): { id: string; description: string } {
  const out = ann.nodes.find((n) => n.id === ann.output);
  if (out?.kind === "softmax")
    return { id: out.inputs[0]!, description: `logits: the input of the final Softmax ${describeOrigin(out)} (the SNN's readout gives logits; the Softmax is not applied on either side)` };
  return { id: ann.output, description: "logits: the model output" };
}
