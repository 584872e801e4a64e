/**
 * split-at-concat
 * Matches: a Concat (channel axis) read by a per-channel op (Relu, affine, MaxPool, a layer whose only term is an
 * average pool or identity), by another Concat, or by dense/conv terms of a layer.
 * Rewrites: per-channel ops are applied to each part, followed by one Concat of the results (a max pool after a
 * concat becomes one max pool per part); nested concats are flattened; a dense or conv term reading a concat becomes
 * one term per part, with the weights split along its input channels (a grouped conv is ungrouped first); an
 * identity or average-pool term over a concat in a layer with other terms (an Add) first becomes the equivalent
 * 1×1 / depthwise convolution (a diagonal dense term for vectors), which then splits the same way.
 * Why: the canonical form has no Concat node: each part becomes a separate source of the consuming layer.
 */
import { describeOrigin, product, type AnnNode, type ConcatNode, type Term } from "../graph.js";
import { defineAnnPass, untilFixedPoint } from "./ann-pass.js";
import { asConv, convObstacle } from "./term-algebra.js";
import type { GraphEditor } from "./editor.js";

export const splitAtConcat = defineAnnPass({
  name: "split-at-concat",
  description: "push per-channel ops into the parts of a Concat and split the weights of layers that read one",
  apply: (editor) => untilFixedPoint(editor, step),
  postcondition(graph) {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    for (const n of graph.nodes) {
      if (distributes(n) && byId.get(n.inputs[0])?.kind === "concat") throw new Error(`'${n.id}' (${n.kind}) still reads a concat`);
      if (n.kind === "concat" && n.inputs.some((i) => byId.get(i)?.kind === "concat")) throw new Error(`concat '${n.id}' reads a concat`);
      if (n.kind === "layer" && n.terms.some((t) => (t.kind === "dense" || t.kind === "conv" || t.kind === "identity") && byId.get(t.source)?.kind === "concat"))
        throw new Error(`layer '${n.id}' has a dense/conv/identity term reading a concat`);
    }
  },
});

/** Ops that act on each channel separately, so op(concat(a, b)) = concat(op(a), op(b)). */
function distributes(n: AnnNode): boolean {
  if (n.kind === "relu" || n.kind === "affine" || n.kind === "maxpool") return true;
  return n.kind === "layer" && n.terms.length === 1 && (n.terms[0].kind === "avgpool" || n.terms[0].kind === "identity");
}

function step(ed: GraphEditor): string | null {
  for (const n of ed.all()) {
    if (n.kind === "concat") {
      if (!n.inputs.some((i) => ed.get(i).kind === "concat")) continue;
      const inputs = n.inputs.flatMap((i) => {
        const p = ed.get(i);
        return p.kind === "concat" ? p.inputs : [i];
      });
      ed.set({ ...n, inputs });
      return `nested concats flattened into ${describeOrigin(n)}`;
    }
    if (distributes(n)) {
      const c = ed.get(n.inputs[0]);
      if (c.kind !== "concat") continue;
      distribute(ed, n, c);
      return `${describeOrigin(n)} applied to each part of ${describeOrigin(c)}`;
    }
    if (n.kind === "layer") {
      const k = n.terms.findIndex((t) => ed.get(t.source).kind === "concat");
      if (k < 0) continue;
      const t = n.terms[k];
      if (t.kind === "identity" || t.kind === "avgpool") {
        // A skip path or pool over a concat, in a layer with other terms: as a convolution its weights can split.
        const src = ed.get(t.source).shape;
        const conv: Term | null =
          t.kind === "identity" && src.length === 1
            ? { kind: "dense", source: t.source, weight: diagonal(t.weight) }
            : convObstacle(t, src, n.shape) === null
              ? asConv(t, src, n.shape)
              : null;
        if (conv === null) continue;
        const terms = n.terms.map((x, i) => (i === k ? conv : x));
        ed.set({ ...n, terms });
        return `${describeOrigin(n)}: its ${t.kind} term over a concat became a ${conv.kind} term`;
      }
      const c = ed.get(n.terms[k].source) as ConcatNode;
      const parts = splitTerm(n.terms[k], c.inputs, c.inputs.map((i) => ed.get(i).shape), c.shape, n.shape);
      const terms = [...n.terms.slice(0, k), ...parts, ...n.terms.slice(k + 1)];
      ed.set({ ...n, terms, inputs: terms.map((t) => t.source) });
      if (ed.useCount(c.id) === 0) ed.remove(c.id);
      return `${describeOrigin(n)} reads the ${c.inputs.length} parts of ${describeOrigin(c)} directly`;
    }
  }
  return null;
}

/** Replaces op(concat(parts)) by concat(op(part) for each part), keeping the op's id on the new concat. */
function distribute(ed: GraphEditor, op: AnnNode, concat: ConcatNode): void {
  let c0 = 0;
  const partIds = concat.inputs.map((pid) => {
    const pshape = ed.get(pid).shape;
    const c = pshape[0];
    const part = slicePart(op, pid, pshape, c0, c, ed.freshId(`${op.id}/${pid}`));
    c0 += c;
    ed.add(part);
    return part.id;
  });
  ed.set({ kind: "concat", id: op.id, inputs: partIds, shape: op.shape, origin: concat.origin });
  if (ed.useCount(concat.id) === 0) ed.remove(concat.id);
}

/** The op restricted to channels [c0, c0 + c) of its input, reading `source` of shape `pshape`. */
function slicePart(op: AnnNode, source: string, pshape: number[], c0: number, c: number, id: string): AnnNode {
  const oshape = [c, ...op.shape.slice(1)];
  const inner = product(op.shape) / op.shape[0];
  const chans = (a: Float64Array) => a.slice(c0, c0 + c);
  const base = { id, inputs: [source], origin: op.origin };
  switch (op.kind) {
    case "relu":
      return { ...op, ...base, shape: pshape };
    case "affine": {
      const pick = (a: Float64Array) => (op.per === "scalar" ? a.slice() : op.per === "channel" ? chans(a) : a.slice(c0 * inner, (c0 + c) * inner));
      return { ...op, ...base, shape: pshape, scale: pick(op.scale), shift: pick(op.shift) };
    }
    case "maxpool":
      return { ...op, ...base, shape: oshape, channelSign: op.channelSign.slice(c0, c0 + c) };
    case "layer": {
      const t = op.terms[0];
      return { ...op, ...base, shape: oshape, terms: [{ ...t, source, weight: chans(t.weight) }], bias: op.bias.slice(c0 * inner, (c0 + c) * inner) };
    }
    default:
      throw new Error(`split-at-concat: cannot slice a ${op.kind}`);
  }
}

/** A dense or conv term over a concat → one term per part (weights split along the input channels). */
function splitTerm(term: Term, ids: string[], parts: number[][], cshape: number[], out: number[]): Term[] {
  if (term.kind === "dense") {
    // Concat on axis 0 in C order: the flattened concat is the flattened parts one after the other.
    const n = product(cshape);
    const rows = product(out);
    let off = 0;
    return parts.map((ps, k) => {
      const m = product(ps);
      const w = new Float64Array(rows * m);
      for (let o = 0; o < rows; o++) w.set(term.weight.subarray(o * n + off, o * n + off + m), o * m);
      off += m;
      return { kind: "dense", source: ids[k], weight: w };
    });
  }
  if (term.kind !== "conv") throw new Error(`split-at-concat: cannot split a ${term.kind} term`);
  const cin = cshape[0];
  const cout = out[0];
  const taps = term.kernel[0] * term.kernel[1];
  const cg = cin / term.group;
  const og = cout / term.group;
  let c0 = 0;
  return parts.map((ps, k) => {
    const c = ps[0];
    const w = new Float64Array(cout * c * taps);
    for (let co = 0; co < cout; co++) {
      const g0 = Math.floor(co / og) * cg; // first input channel of this output's group
      for (let ci = 0; ci < c; ci++) {
        const j = c0 + ci - g0; // index within the group, if the channel belongs to it
        if (j < 0 || j >= cg) continue;
        w.set(term.weight.subarray((co * cg + j) * taps, (co * cg + j + 1) * taps), (co * c + ci) * taps);
      }
    }
    c0 += c;
    return { ...term, source: ids[k], group: 1, weight: w };
  });
}

function diagonal(d: Float64Array): Float64Array {
  const n = d.length;
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) w[i * n + i] = d[i];
  return w;
}
