/**
 * Pad: zero padding of an image's height and width, folded into the Conv or AveragePool that reads it (exporters
 * write AvgPool2d(count_include_pad=True) as a Pad and an unpadded AveragePool, and some write conv padding so).
 * The padded activation is bound with its pads pending (context.ts); any other reader refuses it by name.
 */
import type { Activation } from "../context.js";
import type { OpHandler } from "./types.js";

export const pad: OpHandler = (n) => {
  const x: Activation = n.activation(0, "input data");
  const rank = x.shape.length + 1;
  const mode = n.attrs.string("mode", "constant");
  // inputs since opset 11 (the oldest spikec reads): pads, constant_value, and from opset 18 axes
  const spec = Array.from(n.constant(1, "pads").data);
  const value = n.hasInput(2) ? (n.constant(2, "constant_value").data[0] ?? 0) : 0;
  const axes = n.opset >= 18 && n.hasInput(3) ? Array.from(n.constant(3, "axes").data, (a) => (a < 0 ? a + rank : a)) : Array.from({ length: rank }, (_, i) => i);
  if (spec.length !== 2 * axes.length) n.fail(`pads has ${spec.length} entries for ${axes.length} axes`);
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    begin[a] = spec[i]!;
    end[a] = spec[i + axes.length]!;
  });
  if (begin.every((p) => p === 0) && end.every((p) => p === 0)) return n.bind(0, x); // pads nothing
  if (mode !== "constant" || value !== 0)
    n.fail(`pads with ${mode === "constant" ? `the value ${value}` : `mode '${mode}'`}; spikec folds only zero padding into the next layer`, "use zero padding (padding=… on the Conv or pool)");
  if (rank !== 4 || begin[0] !== 0 || end[0] !== 0 || begin[1] !== 0 || end[1] !== 0 || [...begin, ...end].some((p) => p < 0))
    n.fail(`pads [${spec}] are not a zero padding of height and width of [batch, C, H, W]`, "pad only the spatial axes, with non-negative pads");
  const pads: [number, number, number, number] = [begin[2]!, begin[3]!, end[2]!, end[3]!];
  const [c, h, w] = x.shape as [number, number, number];
  n.bind(0, { kind: "activation", id: x.id, shape: [c, h + pads[0] + pads[2], w + pads[1] + pads[3]], pad: { pads, by: n.name, inner: x.shape } });
};
