/**
 * split-fan-in (runs after canonicalization, only when lowering to a target that bounds a neuron's inputs)
 * Matches: a layer L one neuron of which reads more source neurons than `capacity` (Σ over its terms of the most
 * inputs any of its neurons takes: Cin·kh·kw of a convolution inside its padding, a dense term's source size, …).
 * A chip neuron takes one input axon per source neuron on its core, so such a layer fits no core whatever the
 * placement.
 * Rewrites: L's terms are cut along their source channels into g groups of at most `capacity` inputs each; group k
 * computes z_k = Σ its terms (z_1 also L's bias b), and L = relu?(Σ_k z_k) reads z_k = relu(z_k) − relu(−z_k) from two spiking layers
 * P_k = relu(z_k) and N_k = relu(−z_k) through identity terms of weight +1 and −1 (2g inputs per neuron).
 * Why: exact (the identity holds for any sign), and it is the only way a sum spread over several cores reaches one
 * neuron as spikes; it costs 2g × L's neurons and one window of latency on L's path.
 */
import { onnxNodesText, product, type AnnGraph, type LayerNode, type Origin, type Term, type Window2d } from "../graph.js";
import { defineAnnPass, untilFixedPoint, type AnnPass } from "./ann-pass.js";
import { GraphEditor } from "./editor.js";
import { channelsOf, scaleInputs, scaleOutputs } from "./term-algebra.js";
import { maxOf } from "../../util/extrema.js";

/** Most taps of a window along one axis that land inside an input of `size` (padding reads nothing). */
function validTaps(size: number, out: number, kernel: number, stride: number, padBegin: number, dilation: number): number {
  let best = 0;
  for (let o = 0; o < out; o++) {
    let n = 0;
    for (let k = 0; k < kernel; k++) {
      const i = o * stride - padBegin + k * dilation;
      if (i >= 0 && i < size) n++;
    }
    best = Math.max(best, n);
    if (best === kernel) break;
  }
  return best;
}

/** Inputs one output of a 2-D window over a [C, H, W] source reads at most (taps inside the source, per axis). */
export function windowInputs(win: Window2d, srcShape: readonly number[], outShape: readonly number[]): number {
  const [, h, w] = srcShape as [number, number, number];
  return (
    validTaps(h, outShape[1]!, win.kernel[0], win.stride[0], win.pads[0], win.dilation[0]) *
    validTaps(w, outShape[2]!, win.kernel[1], win.stride[1], win.pads[1], win.dilation[1])
  );
}

/**
 * How a term reads its source: per source channel (a dense term: per source element), the inputs one neuron takes
 * from it at most (0 when all its weights are 0: the chip has no synapse from it), when the term can be cut along
 * them; else (grouped convolutions, pooling, identity) one piece of `whole` inputs.
 */
type TermFanIn = { cuttable: true; perChannel: Int32Array } | { cuttable: false; whole: number };

const total = (f: TermFanIn): number => (f.cuttable ? f.perChannel.reduce((a, b) => a + b, 0) : f.whole);

function termFanIn(term: Term, srcShape: readonly number[], outShape: readonly number[]): TermFanIn {
  const channels = channelsOf(srcShape);
  const windowTaps = (t: Extract<Term, { kind: "conv" | "avgpool" }>): number => windowInputs(t, srcShape, outShape);
  switch (term.kind) {
    case "dense": {
      // Weight [out, source]: a source element counts once if any output reads it; cut element by element.
      const n = product(srcShape);
      const perChannel = new Int32Array(n);
      for (let r = 0; r < term.weight.length; r += n) for (let i = 0; i < n; i++) if (term.weight[r + i] !== 0) perChannel[i] = 1;
      return { cuttable: true, perChannel };
    }
    case "conv": {
      const taps = windowTaps(term);
      if (term.group !== 1) return { cuttable: false, whole: (channels / term.group) * taps };
      // Weight [Cout, Cin, kh, kw].
      const k = term.kernel[0] * term.kernel[1];
      const perChannel = new Int32Array(channels);
      for (let i = 0; i < term.weight.length; i++) if (term.weight[i] !== 0) perChannel[Math.floor(i / k) % channels] = taps;
      return { cuttable: true, perChannel };
    }
    case "avgpool":
      return { cuttable: false, whole: windowTaps(term) };
    case "identity":
      return { cuttable: false, whole: 1 };
  }
}

/** The most inputs one piece that cannot be cut further takes (a channel's taps, a dense element, a whole term). */
const largestPiece = (fanIns: TermFanIn[]): number => fanIns.reduce((m, f) => Math.max(m, f.cuttable ? maxOf(f.perChannel, 0) : f.whole), 0);

/** Inputs one neuron of the layer takes at most (an upper bound when its terms' worst neurons differ). */
export function layerFanIn(layer: LayerNode, shapeOf: (id: string) => readonly number[]): number {
  return layer.terms.reduce((s, t) => s + total(termFanIn(t, shapeOf(t.source), layer.shape)), 0);
}

/** One group's share of a term: its source channels (dense: elements) [c0, c1), or the whole term when it cannot be cut. */
interface Share {
  term: number;
  c0: number;
  c1: number;
}

/** Cuts the terms, in order, into groups of about equal fan-in, each at most `capacity`. */
function groupsOf(layer: LayerNode, fanIns: TermFanIn[], capacity: number): Share[][] {
  const sum = fanIns.reduce((s, f) => s + total(f), 0);
  // Groups filled to a balanced share, or past it by less than one piece (up to the capacity): a piece's edge then
  // costs no extra group when the capacity has room for it.
  const share = Math.min(capacity, Math.ceil(sum / Math.ceil(sum / capacity)) + largestPiece(fanIns) - 1);
  const groups: Share[][] = [[]];
  let load = 0;
  const open = () => {
    if (groups[groups.length - 1]!.length > 0) groups.push([]);
    load = 0;
  };
  const take = (term: number, c0: number, c1: number, inputs: number) => {
    // A share past the balanced size goes to the next group, unless the group is empty (a piece larger than a share).
    if (load > 0 && load + inputs > share) open();
    groups[groups.length - 1]!.push({ term, c0, c1 });
    load += inputs;
  };
  fanIns.forEach((f, k) => {
    if (!f.cuttable) return take(k, 0, Number.MAX_SAFE_INTEGER, f.whole);
    // Runs of channels, each as long as the current group has room for.
    let c = 0;
    while (c < f.perChannel.length) {
      let c1 = c;
      let inputs = 0;
      while (c1 < f.perChannel.length && (load + inputs + f.perChannel[c1]! <= share || (load === 0 && c1 === c))) inputs += f.perChannel[c1++]!;
      if (inputs === 0 && c1 === c) {
        open();
        continue;
      }
      take(k, c, c1, inputs);
      c = c1;
    }
  });
  return groups.filter((g) => g.length > 0);
}

/**
 * The term reading only source channels [c0, c1) (a dense term: elements), the others with weight 0 (no synapse on
 * the chip).
 */
function sliceTerm(term: Term, srcShape: readonly number[], c0: number, c1: number): Term {
  const pieces = term.kind === "dense" ? product(srcShape) : channelsOf(srcShape);
  if (c0 === 0 && c1 >= pieces) return term;
  const mask = new Float64Array(pieces);
  mask.fill(1, c0, c1);
  return scaleInputs(term, mask, srcShape);
}

/**
 * The fewest inputs per neuron a tree of partial sums can work with: below it, a sum of two groups' relu(z_k) and
 * relu(−z_k) reads as many inputs as it saves, and the tree never ends.
 */
export const MIN_SPLIT_CAPACITY = 4;

/**
 * The pass for a core that takes `capacity` inputs per neuron (the target's input axons less those the lowering
 * adds: clock and latch). `target` names the chip in the log.
 */
export function splitFanIn(capacity: number, target: string): AnnPass {
  if (!(capacity >= MIN_SPLIT_CAPACITY)) throw new Error(`split-fan-in: a capacity of ${capacity} inputs per neuron cannot hold a tree of partial sums (internal error)`);
  // Each split rescans the graph for the next wide layer: a term the rewrite left alone (same object, same source and
  // layer shapes) keeps its fan-in, so its weights are read once, not once per split.
  const known = new WeakMap<Term, TermFanIn>();
  const fanInOf = (t: Term, srcShape: readonly number[], outShape: readonly number[]): TermFanIn => {
    let f = known.get(t);
    if (!f) known.set(t, (f = termFanIn(t, srcShape, outShape)));
    return f;
  };
  const tooWide = (ed: GraphEditor): { layer: LayerNode; fanIns: TermFanIn[]; fanIn: number }[] =>
    ed.all().flatMap((n) => {
      if (n.kind !== "layer") return [];
      const fanIns = n.terms.map((t) => fanInOf(t, ed.get(t.source).shape, n.shape));
      const fanIn = fanIns.reduce((s, f) => s + total(f), 0);
      // Pieces that cannot be cut (one channel's taps, a grouped conv) and exceed the capacity alone cannot be
      // helped: the placer then names the layer.
      const pieces = fanIns.reduce((c, f) => c + (f.cuttable ? f.perChannel.length : 1), 0);
      return fanIn > capacity && pieces > 1 && largestPiece(fanIns) <= capacity ? [{ layer: n, fanIns, fanIn }] : [];
    });
  return defineAnnPass({
    name: "split-fan-in",
    description: `sum a layer whose neurons read more than ${capacity} inputs from partial sums relu(z_k) − relu(−z_k) (a core of ${target} takes no more)`,
    // The layer that sums the parts reads 2g inputs, which may still be too many (tiny cores): it is split again, a
    // tree of partial sums; with capacity ≥ 4 each split reads fewer inputs than before, so this ends.
    apply: (editor) =>
      untilFixedPoint(editor, (ed) => {
        const wide = tooWide(ed)[0];
        if (!wide) return null;
        const { layer, fanIns, fanIn } = wide;
        const groups = groupsOf(layer, fanIns, capacity);
        const outChannels = channelsOf(layer.shape);
        const minus = new Float64Array(outChannels).fill(-1);
        const parts: string[] = [];
        let after = layer.id; // finish() puts the parts before the layer that now reads them
        const base = layer.origin.find((o) => o.op !== "InputRange" && o.op !== "PartialSum")?.name ?? layer.id;
        groups.forEach((group, k) => {
          const terms = group.map((s) => sliceTerm(layer.terms[s.term]!, ed.get(layer.terms[s.term]!.source).shape, s.c0, s.c1));
          const inputs = terms.map((t) => t.source);
          // The first part carries L's bias (z_1 + b), so L sums its parts with no bias of its own: exact, and NIR
          // can then write L's projections as plain identity connections.
          const bias = k === 0 ? layer.bias : new Float64Array(layer.bias.length);
          // A first origin of its own names the population after the layer (map.ts), e.g. "/0/Gemm/part1_pos"; no
          // signs in names, which NIR node names would turn into the same '_'.
          const part = (sign: string): Origin[] => [{ name: `${base}/part${k + 1}${sign}`, op: "PartialSum" }, ...layer.origin];
          const pos: LayerNode = { kind: "layer", id: ed.freshId(`${layer.id}/part${k + 1}_pos`), inputs, shape: layer.shape, origin: part("_pos"), terms, bias, relu: true };
          const neg: LayerNode = {
            ...pos, id: ed.freshId(`${layer.id}/part${k + 1}_neg`), origin: part("_neg"), terms: terms.map((t) => scaleOutputs(t, minus, layer.shape)), bias: bias.map((b) => -b),
          }; // prettier-ignore
          ed.add(pos, after);
          ed.add(neg, pos.id);
          after = neg.id;
          parts.push(pos.id, neg.id);
        });
        const ones = new Float64Array(outChannels).fill(1);
        ed.set({
          ...layer,
          inputs: parts,
          terms: parts.map((id, i): Term => ({ kind: "identity", source: id, weight: i % 2 === 0 ? ones : minus })),
          bias: new Float64Array(layer.bias.length),
        });
        const inputsOf = (x: Share) => {
          const f = fanIns[x.term]!;
          return f.cuttable ? f.perChannel.subarray(x.c0, x.c1).reduce((a, b) => a + b, 0) : f.whole;
        };
        const widest = Math.max(...groups.map((g) => g.reduce((s, x) => s + inputsOf(x), 0)));
        return (
          `'${layer.id}' (${onnxNodesText(layer)}): a neuron reads up to ${fanIn} inputs, more than a core of ${target} ` +
          `takes (${capacity} after clock and latch): summed from ${groups.length} partial sums of ≤ ${widest} inputs each, ` +
          `relu(z_k) − relu(−z_k) in ${2 * groups.length} spiking layers of ${product(layer.shape)} neurons (one more window of latency on this path)`
        );
      }),
    postcondition(graph: AnnGraph) {
      const left = tooWide(new GraphEditor(graph));
      if (left.length > 0) throw new Error(`layer '${left[0]!.layer.id}' still reads ${left[0]!.fanIn} inputs per neuron (more than ${capacity})`);
    },
  });
}
