/**
 * factor-nonnegative (fallback: runs only when no other pass applies, after rectify-nonnegative)
 * Matches: a layer L without ReLU, not the graph output, that its readers cannot merge (see rectify-nonnegative),
 * whose terms all read provably non-negative sources (nonnegative.ts) and whose weights into each output channel c
 * share one sign σ_c, but whose bias map b has negative entries — typically an average pool of the normalized input
 * x̂ ∈ [0, 1] after a Sub/Div normalization: avgpool(κ·x̂ + β) = κ·avgpool(x̂) + avgpool(β-image).
 * Every reader must be able to take a per-channel affine: a layer term (fold-affine-forward), an affine (composes) or
 * a max pool (push-affine-through-maxpool).
 * Rewrites: with P_c = Σ σ_c·term(source) ≥ 0 and m_c = min over channel c of σ_c·b, σ_c·L_c − m_c = P_c + (σ_c·b − m_c)
 * is ≥ 0, so L' = relu(σ ⊙ terms + σ ⊙ b − m) is a rectified layer computing it exactly, and L = σ ⊙ (L' + m): an
 * affine per channel (scale σ, shift σ ⊙ m) that takes L's id. The affine then folds forward into the readers (σ into
 * their input weights, the shift through each reading term into a bias map, zero-padding border included) or moves
 * through a max pool (σ = −1 makes it a min pool).
 * Why: without it such a layer is a linear op that the next padded conv cannot absorb (a position-dependent pool
 * divisor, or a padded conv after it) and whose value can be negative, so the SNN could not encode it.
 */
import { describeOrigin, product, type AffineNode, type AnnGraph, type LayerNode, type Term } from "../graph.js";
import { defineAnnPass, untilFixedPoint, type AnnPass } from "./ann-pass.js";
import { GraphEditor } from "./editor.js";
import { nonNegativeAnalysis } from "./nonnegative.js";
import { absorbed } from "./rectify-nonnegative.js";
import { channelIndex, channelsOf, scaleOutputs } from "./term-algebra.js";

export function factorNonNegative(options: { inputNonNegative: boolean }): AnnPass {
  const candidates = (ed: GraphEditor): { layer: LayerNode; sign: Float64Array }[] => {
    const nonNeg = nonNegativeAnalysis((id) => ed.get(id), options.inputNonNegative);
    const out: { layer: LayerNode; sign: Float64Array }[] = [];
    for (const n of ed.all()) {
      if (n.kind !== "layer" || n.relu || n.id === ed.output || absorbed(ed, n.id)) continue;
      if (!n.terms.every((t) => nonNeg(t.source))) continue;
      const sign = outputSigns(n);
      if (sign === null || !readersTakeAffine(ed, n)) continue;
      out.push({ layer: n, sign });
    }
    return out;
  };
  return defineAnnPass({
    name: "factor-nonnegative",
    description: "split a sign-consistent layer over non-negative sources into a ReLU layer and an affine that folds into its readers",
    apply: (editor) =>
      untilFixedPoint(editor, (ed) => {
        const c = candidates(ed)[0];
        if (!c) return null;
        const { layer, sign } = c;
        const channel = channelIndex(layer.shape);
        const flippedBias = layer.bias.map((b, i) => sign[channel(i)] * b);
        const floor = channelMinima(flippedBias, layer.shape);
        const rectified: LayerNode = {
          ...layer,
          id: ed.freshId(layer.id),
          terms: layer.terms.map((t) => scaleOutputs(t, sign, layer.shape)),
          bias: flippedBias.map((b, i) => b - floor[channel(i)]),
          relu: true,
        };
        ed.add(rectified, layer.id);
        const affine: AffineNode = {
          kind: "affine",
          id: layer.id,
          inputs: [rectified.id],
          shape: layer.shape,
          origin: layer.origin,
          per: "channel",
          scale: sign,
          shift: floor.map((m, c) => sign[c] * m),
        };
        // The affine keeps the layer's id, so the readers are unchanged and fold-affine-forward takes it from here.
        ed.set(affine);
        const flipped = sign.filter((s) => s < 0).length;
        return (
          `${describeOrigin(layer)} is a sign-consistent map of non-negative values plus a bias: it becomes a spiking layer ` +
          `followed by a per-channel affine${flipped > 0 ? ` (${flipped} channels negated)` : ""} for its readers to absorb`
        );
      }),
    postcondition(graph: AnnGraph) {
      const left = candidates(new GraphEditor(graph));
      if (left.length > 0) throw new Error(`layer '${left[0].layer.id}' could still be factored into a ReLU layer and an affine`);
    },
  });
}

/**
 * σ_c ∈ {+1, −1} per output channel such that every weight into channel c times σ_c is ≥ 0, or null when some channel
 * has weights of both signs. A channel with only zero weights gets +1.
 */
function outputSigns(layer: LayerNode): Float64Array | null {
  const channels = channelsOf(layer.shape);
  const pos = new Uint8Array(channels);
  const neg = new Uint8Array(channels);
  for (const t of layer.terms) {
    const channelOf = outputChannelOfWeight(t, layer.shape);
    for (let i = 0; i < t.weight.length; i++) {
      const w = t.weight[i];
      if (w > 0) pos[channelOf(i)] = 1;
      else if (w < 0) neg[channelOf(i)] = 1;
    }
  }
  const sign = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    if (pos[c] && neg[c]) return null;
    sign[c] = neg[c] ? -1 : 1;
  }
  return sign;
}

/** The output channel that weight entry i of a term feeds (dense rows and conv output channels lead their weights). */
function outputChannelOfWeight(t: Term, outShape: readonly number[]): (i: number) => number {
  switch (t.kind) {
    case "dense":
    case "conv": {
      // dense: [out, in] with one channel per output element of a vector (or per channel of an image output).
      const rows = t.kind === "dense" ? product(outShape) : channelsOf(outShape);
      const per = t.weight.length / rows;
      const inner = rows / channelsOf(outShape);
      return (i) => Math.floor(Math.floor(i / per) / inner);
    }
    case "avgpool":
    case "identity":
      return (i) => i;
  }
}

/** True when every reader can absorb a per-channel affine put in the layer's place. */
function readersTakeAffine(ed: GraphEditor, layer: LayerNode): boolean {
  const { nodes } = ed.uses(layer.id);
  return nodes.length > 0 && nodes.every((r) => r.kind === "layer" || r.kind === "affine" || r.kind === "maxpool");
}

/** The minimum of a full map within each channel. */
function channelMinima(full: Float64Array, shape: readonly number[]): Float64Array {
  const channel = channelIndex(shape);
  const m = new Float64Array(channelsOf(shape)).fill(Infinity);
  for (let i = 0; i < full.length; i++) m[channel(i)] = Math.min(m[channel(i)], full[i]);
  return m;
}
