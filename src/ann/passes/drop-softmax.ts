/**
 * drop-softmax
 * Matches: a Softmax whose value is the graph output (and nothing else reads it).
 * Rewrites: the graph output becomes the Softmax's input; a note records it.
 * Why: softmax is monotone, so the argmax readout of the SNN (the membrane potentials = logits) is unchanged.
 * A Softmax anywhere else is not a ReLU network and is an InputError.
 */
import { InputError } from "../../util/errors.js";
import { describeOrigin } from "../graph.js";
import { defineAnnPass } from "./ann-pass.js";

export const dropSoftmax = defineAnnPass({
  name: "drop-softmax",
  description: "remove a final Softmax: the readout gives the logits, whose argmax softmax does not change",
  apply(editor) {
    const lines: string[] = [];
    for (const node of editor.all()) {
      if (node.kind !== "softmax") continue;
      if (editor.output !== node.id || editor.consumers(node.id).length > 0)
        throw new InputError(
          `${editor.graph.source}: Softmax ${describeOrigin(node)} is not the last op of the model; only a final Softmax can be dropped`,
          "export the model without the inner Softmax (a TTFS network computes ReLU layers only)",
        );
      editor.output = node.inputs[0];
      editor.remove(node.id);
      editor.notes.push(`final Softmax ${describeOrigin(node)} ignored: the readout gives its input, the logits (verify compares them with the Softmax's input; the argmax is the same)`);
      lines.push(`dropped ${describeOrigin(node)}`);
    }
    return lines;
  },
  postcondition(graph) {
    const s = graph.nodes.find((n) => n.kind === "softmax");
    if (s) throw new Error(`softmax '${s.id}' left in the graph`);
  },
});
