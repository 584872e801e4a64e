/**
 * Canonicalization: rewrites an imported ANN graph until only `input`, `layer` and `maxpool` nodes remain, computing
 * the same function (on the normalized input x̂ ∈ [0, 1] when an input range is given).
 *
 * Driver: the main passes run in order, round after round, until a round changes nothing; then the fallback passes
 * (each exact, but each costs an extra layer or asserts a property) are tried one at a time, and the main passes
 * resume after any of them changes the graph. Whatever is still not canonical at the end is reported as an
 * InputError naming the ONNX node, the op, why it cannot be mapped, and what to try.
 */
import { InputError } from "../util/errors.js";
import { describeOrigin, isCanonical, type AffineNode, type AnnGraph, type AnnNode } from "./graph.js";
import { addReadout } from "./passes/add-readout.js";
import { applyAnnPass, type AnnPass, type PassLog } from "./passes/ann-pass.js";
import { dropSoftmax } from "./passes/drop-softmax.js";
import { factorNonNegative } from "./passes/factor-nonnegative.js";
import { GraphEditor } from "./passes/editor.js";
import { foldAffineBackward } from "./passes/fold-affine-backward.js";
import { foldAffineForward } from "./passes/fold-affine-forward.js";
import { materializeRelu } from "./passes/materialize-relu.js";
import { mergeLinear, mergeObstacle } from "./passes/merge-linear.js";
import { nonNegativeAnalysis } from "./passes/nonnegative.js";
import { pushAffineThroughMaxpool } from "./passes/push-affine-through-maxpool.js";
import { rectifyNonNegative } from "./passes/rectify-nonnegative.js";
import { removeDead } from "./passes/remove-dead.js";
import { reorderMaxpoolRelu } from "./passes/reorder-maxpool-relu.js";
import { splitAtConcat } from "./passes/split-at-concat.js";
import { splitSigned } from "./passes/split-signed.js";
import { toLayers } from "./passes/to-layers.js";
import { verifyGraph } from "./verify.js";

export type { PassLog } from "./passes/ann-pass.js";

export interface CanonicalizeOptions {
  /** Range [low, high] of the raw input: the canonical graph then takes x̂ = (x − low)/(high − low) ∈ [0, 1]. */
  inputRange?: { low: number; high: number };
}

/** The main passes, in the order one round runs them. */
export const MAIN_PASSES: readonly AnnPass[] = [
  dropSoftmax,
  toLayers,
  splitAtConcat,
  reorderMaxpoolRelu,
  foldAffineBackward,
  pushAffineThroughMaxpool,
  foldAffineForward,
  mergeLinear,
  removeDead,
];

export function canonicalize(graph: AnnGraph, options: CanonicalizeOptions = {}): { graph: AnnGraph; log: PassLog[] } {
  verifyGraph(graph);
  const log: PassLog[] = [];
  let g = graph;
  if (options.inputRange) {
    const r = insertInputRange(g, options.inputRange);
    g = r.graph;
    log.push({ pass: "input-range", rewrites: [r.line] });
  }
  const inputNonNegative = options.inputRange !== undefined;
  const fallbacks: AnnPass[] = [materializeRelu, rectifyNonNegative({ inputNonNegative }), factorNonNegative({ inputNonNegative }), splitSigned({ inputNonNegative }), addReadout];
  const run = (pass: AnnPass): boolean => {
    const next = applyAnnPass(pass, g, log);
    if (next === g) return false;
    g = next;
    return true;
  };
  for (let round = 0; ; round++) {
    if (round > 1000) throw new Error("canonicalize: the passes did not reach a fixed point");
    let changed = false;
    for (const pass of MAIN_PASSES) changed = run(pass) || changed;
    if (changed) continue;
    if (!fallbacks.some(run)) break;
  }
  g = finalNotes(g);
  requireCanonical(g, options.inputRange !== undefined);
  return { graph: g, log };
}

/** Inserts x = low + (high − low)·x̂ right after the input; the affine folds like any other. */
function insertInputRange(graph: AnnGraph, range: { low: number; high: number }): { graph: AnnGraph; line: string } {
  const { low, high } = range;
  if (!Number.isFinite(low) || !Number.isFinite(high) || !(high > low))
    throw new InputError(`input range [${low}, ${high}] is not a finite interval with low < high`, "pass --input-range LOW,HIGH with LOW < HIGH");
  const ed = new GraphEditor(graph);
  const input = ed.all().find((n) => n.kind === "input")!;
  const affine: AffineNode = {
    kind: "affine",
    id: ed.freshId(`${input.id}/range`),
    inputs: [input.id],
    shape: input.shape,
    origin: [{ name: `input range [${low}, ${high}]`, op: "InputRange" }],
    per: "scalar",
    scale: Float64Array.of(high - low),
    shift: Float64Array.of(low),
  };
  ed.replaceUses(input.id, affine.id);
  ed.add(affine, input.id);
  ed.notes.push(`the canonical graph takes the normalized input x̂ = (x − ${low})/(${high} − ${low}) ∈ [0, 1]`);
  return { graph: ed.finish(), line: `inserted x = ${low} + ${high - low}·x̂ after '${input.id}'` };
}

function finalNotes(g: AnnGraph): AnnGraph {
  const out = g.nodes.find((n) => n.id === g.output);
  if (out?.kind === "layer" && out.relu)
    return { ...g, notes: [...g.notes, `the model ends in a ReLU: the readout ${describeOrigin(out)} keeps it (its values are ≥ 0)`] };
  return g;
}

const WHAT_TO_DO = "restructure the model so that every linear op is followed by a ReLU (or is the last op), then export it again";

/** Throws an InputError for the first node the passes could not make canonical. */
function requireCanonical(g: AnnGraph, inputNonNegative: boolean): void {
  const ed = new GraphEditor(g);
  const nonNeg = nonNegativeAnalysis((id) => ed.get(id), inputNonNegative);
  const src = g.source;
  for (const n of g.nodes) {
    if (n.kind === "input") continue;
    if (n.kind === "maxpool") {
      if (!nonNeg(n.inputs[0]))
        throw new InputError(
          `${src}: MaxPool ${describeOrigin(n)} pools values that can be negative (${describeOrigin(ed.get(n.inputs[0]))} has no ReLU before it); ` +
            `spike times encode only non-negative activations`,
          "put the ReLU before the pool (or directly after it), as in conv → ReLU → pool",
        );
      continue;
    }
    if (n.kind === "layer") {
      if (n.relu || (n.id === g.output && ed.consumers(n.id).length === 0)) continue;
      const readers = ed.consumers(n.id);
      const reader = readers.find((c) => c.kind !== "layer") ?? readers[0];
      if (reader?.kind === "layer") {
        const t = reader.terms.find((x) => x.source === n.id)!;
        const why = mergeObstacle(t, n, reader, (id) => ed.get(id).shape) ?? "the two cannot be merged";
        throw new InputError(
          `${src}: ${describeOrigin(n)} and ${describeOrigin(reader)} are linear ops with no ReLU between them, and no single layer computes both exactly: ${why}`,
          `insert a ReLU between them, or make the second a 1×1 convolution or a dense layer; ${WHAT_TO_DO}`,
        );
      }
      throw new InputError(
        `${src}: ${describeOrigin(n)} has no ReLU after it and its value can be negative, but it feeds ${reader ? describeOrigin(reader) : "the output and other nodes"}`,
        `spike times encode only non-negative activations; ${WHAT_TO_DO}`,
      );
    }
    throw leftoverError(n, ed, src);
  }
  if (!isCanonical(g)) throw new Error("canonicalize: graph is not canonical after the final check");
}

function leftoverError(n: AnnNode, ed: GraphEditor, src: string): InputError {
  const from = n.inputs.map((i) => describeOrigin(ed.get(i))).join(", ");
  const readers = ed.consumers(n.id).map(describeOrigin).join(", ") || "the output";
  switch (n.kind) {
    case "affine":
      return new InputError(
        `${src}: the affine map ${describeOrigin(n)} (BatchNormalization or normalization) cannot be folded: it reads ${from}, which cannot absorb it, ` +
          `and it feeds ${readers}, which cannot absorb it either`,
        `move the normalization next to a Conv/Gemm, or use one scale per channel; ${WHAT_TO_DO}`,
      );
    case "concat":
      return new InputError(
        `${src}: Concat ${describeOrigin(n)} feeds ${readers}, which cannot be split per part`,
        "feed concats only into Conv, Gemm, MaxPool, ReLU, BatchNormalization or AveragePool",
      );
    case "relu":
      return new InputError(`${src}: Relu ${describeOrigin(n)} on ${from} could not be fused into a layer`, WHAT_TO_DO);
    default:
      return new InputError(
        `${src}: ${describeOrigin(n)} (${n.kind}) reading ${from} has no canonical form here`,
        `supported: Conv, Gemm/MatMul, Relu, MaxPool, AveragePool, GlobalAveragePool, Add, Concat, Flatten, BatchNormalization, a final Softmax; ${WHAT_TO_DO}`,
      );
  }
}
