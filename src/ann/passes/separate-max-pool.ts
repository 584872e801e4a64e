/**
 * separate-max-pool (runs after canonicalization, only when lowering to a target whose max-pool gates take at most
 * `limit` inputs)
 * Matches: a max pool one output of which reads more than `limit` inputs (taps inside the input; padding reads
 * nothing), whose kernel rows and columns each fit the limit.
 * Rewrites: y = maxpool_{kh×kw, stride (sh, sw)}(x) → y = maxpool_{kh×1, (sh, 1)}(maxpool_{1×kw, (1, sw)}(x)): the
 * columns pooled first, then the rows, each with its axis's pads, dilation and ceil mode; min-pool channels (BN sign
 * −1) stay min pools in both.
 * Why: max (min) over a rectangle is the max (min) over its rows of the max (min) over each row, and each output
 * size depends on its own axis only, so the result is exact; a gate of kh (kw) inputs fits where one of kh·kw did
 * not, for one more gate population (same window, no latency in the exact SNN).
 */
import { describeOrigin, type MaxPoolNode } from "../graph.js";
import { pool2dOutputShape } from "../kernels/pool2d.js";
import { defineAnnPass, untilFixedPoint, type AnnPass } from "./ann-pass.js";
import { windowInputs } from "./split-fan-in.js";

/** Inputs one output of the pool reads at most (over its positions). */
export const maxPoolInputs = (pool: MaxPoolNode, inShape: readonly number[]): number => windowInputs(pool, inShape, pool.shape);

export function separateMaxPool(limit: number, targetName: string): AnnPass {
  const tooWide = (pool: MaxPoolNode, inShape: readonly number[]) =>
    maxPoolInputs(pool, inShape) > limit && pool.kernel[0] > 1 && pool.kernel[1] > 1 && pool.kernel[0] <= limit && pool.kernel[1] <= limit;
  return defineAnnPass({
    name: "separate-max-pool",
    description: `split a max pool of more than ${limit} inputs per output (more than a max-pool gate of ${targetName} takes) into a row pool and a column pool`,
    apply(editor) {
      return untilFixedPoint(editor, (ed) => {
        const pool = ed.all().find((n): n is MaxPoolNode => n.kind === "maxpool" && tooWide(n, ed.get(n.inputs[0]!).shape));
        if (!pool) return null;
        const x = ed.get(pool.inputs[0]!);
        const [kh, kw] = pool.kernel;
        const columns: MaxPoolNode = {
          ...pool,
          id: ed.freshId(`${pool.id}/columns`),
          inputs: [x.id],
          kernel: [1, kw],
          stride: [1, pool.stride[1]],
          pads: [0, pool.pads[1], 0, pool.pads[3]],
          dilation: [1, pool.dilation[1]],
          shape: [],
        };
        columns.shape = pool2dOutputShape(x.shape, columns, pool.ceilMode);
        ed.add(columns, x.id);
        // The row pool keeps the pool's id, so its readers read the separated pair unchanged.
        ed.set({ ...pool, inputs: [columns.id], kernel: [kh, 1], stride: [pool.stride[0], 1], pads: [pool.pads[0], 0, pool.pads[2], 0], dilation: [pool.dilation[0], 1] });
        return `${describeOrigin(pool)}: ${kh}×${kw} max pool split into a 1×${kw} and a ${kh}×1 pool (a max-pool gate of ${targetName} takes at most ${limit} inputs)`;
      });
    },
    postcondition(graph) {
      const shapes = new Map(graph.nodes.map((n) => [n.id, n.shape]));
      const bad = graph.nodes.find((n) => n.kind === "maxpool" && tooWide(n, shapes.get(n.inputs[0]!)!));
      if (bad) throw new Error(`max pool '${bad.id}' still reads more than ${limit} inputs per output`);
    },
  });
}
