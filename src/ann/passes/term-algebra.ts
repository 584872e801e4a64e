/**
 * Algebra of layer terms (linear maps between activations), used by every folding and merging pass:
 * scaling a term's inputs or outputs per channel, applying a term to a constant image (which yields the exact,
 * position-dependent bias of a fold, zero-padding border included), and composing two terms into one when that is
 * exact. Composition returns a reason instead when no single term computes outer∘inner.
 */
import { product, type Term, type Window2d } from "../graph.js";
import { conv2dOutputShape } from "../kernels/conv2d.js";
import { applyTerm } from "../term.js";
import { sameShape } from "../verify.js";
import { avgPoolDivisors, termAdjoint } from "./term-adjoint.js";

type ConvTerm = Extract<Term, { kind: "conv" }>;

/** Channels of an activation: axis 0 ([C, H, W] → C, a vector [N] → N). */
export const channelsOf = (shape: readonly number[]): number => shape[0] ?? 1;

/** Channel index of every flat position of `shape`. */
export function channelIndex(shape: readonly number[]): (i: number) => number {
  const inner = product(shape) / channelsOf(shape);
  return (i) => Math.floor(i / inner);
}

/** Expands per-channel values to a full map over `shape`. */
export function tileChannels(perChannel: Float64Array, shape: readonly number[]): Float64Array {
  const ch = channelIndex(shape);
  const out = new Float64Array(product(shape));
  for (let i = 0; i < out.length; i++) out[i] = perChannel[ch(i)];
  return out;
}

/** Per-channel values of a full map, or null when the map is not constant within each channel. */
export function perChannelOf(full: Float64Array, shape: readonly number[]): Float64Array | null {
  const c = channelsOf(shape);
  const inner = full.length / c;
  const out = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    out[k] = full[k * inner];
    for (let i = 1; i < inner; i++) if (full[k * inner + i] !== out[k]) return null;
  }
  return out;
}

/**
 * term' = term ∘ diag(gain): the term reads its source scaled by `gain`, given per channel (length C of the source)
 * or, for dense terms only, per element (length of the source).
 */
export function scaleInputs(term: Term, gain: Float64Array, srcShape: readonly number[]): Term {
  const n = product(srcShape);
  switch (term.kind) {
    case "dense": {
      const g = gain.length === n ? gain : tileChannels(gain, srcShape);
      const w = term.weight.slice();
      for (let r = 0; r < w.length; r += n) for (let i = 0; i < n; i++) w[r + i] *= g[i];
      return { ...term, weight: w };
    }
    case "conv": {
      const cin = srcShape[0];
      const cg = cin / term.group;
      const taps = term.kernel[0] * term.kernel[1];
      const cout = term.weight.length / (cg * taps);
      const og = cout / term.group;
      const w = term.weight.slice();
      for (let co = 0; co < cout; co++)
        for (let ci = 0; ci < cg; ci++) {
          const gc = gain[Math.floor(co / og) * cg + ci];
          const base = (co * cg + ci) * taps;
          for (let t = 0; t < taps; t++) w[base + t] *= gc;
        }
      return { ...term, weight: w };
    }
    case "avgpool":
    case "identity":
      return { ...term, weight: term.weight.map((w, c) => w * gain[c]) };
  }
}

/** term' = diag(gain) ∘ term, with `gain` per channel of the term's output (a vector output: per element). */
export function scaleOutputs(term: Term, gain: Float64Array, outShape: readonly number[]): Term {
  switch (term.kind) {
    case "dense": {
      const g = gain.length === product(outShape) ? gain : tileChannels(gain, outShape);
      const n = term.weight.length / g.length;
      const w = term.weight.slice();
      for (let o = 0; o < g.length; o++) for (let i = 0; i < n; i++) w[o * n + i] *= g[o];
      return { ...term, weight: w };
    }
    case "conv": {
      const per = term.weight.length / gain.length;
      return { ...term, weight: term.weight.map((w, i) => w * gain[Math.floor(i / per)]) };
    }
    case "avgpool":
    case "identity":
      return { ...term, weight: term.weight.map((w, c) => w * gain[c]) };
  }
}

/** The term applied to one (constant) image: the bias a folded shift contributes, padding borders included. */
export function applyToImage(term: Term, image: Float64Array, srcShape: readonly number[], outShape: readonly number[]): Float64Array {
  const out = new Float64Array(product(outShape));
  applyTerm(term, image, srcShape, outShape, 1, out);
  return out;
}

export type Composition = { ok: true; term: Term } | { ok: false; reason: string };

/**
 * One term equal to outer ∘ inner, where inner maps S0 → S1 (its source → the intermediate activation) and outer
 * maps S1 → out. The result reads inner's source. Exact cases: identity on either side; a dense outer (through the
 * adjoint of inner); conv-like terms when the outer has no padding (the kernels compose into one larger strided
 * kernel) or the inner is pointwise (1×1, stride 1, no padding: the channel mixes compose).
 */
export function composeTerms(
  outer: Term,
  inner: Term,
  s0: readonly number[],
  s1: readonly number[],
  out: readonly number[],
): Composition {
  const why = compositionObstacle(outer, inner, s0, s1, out);
  if (why !== null) return { ok: false, reason: why };
  if (inner.kind === "identity") return { ok: true, term: { ...scaleInputs(outer, inner.weight, s1), source: inner.source } };
  if (outer.kind === "identity") return { ok: true, term: scaleOutputs(inner, outer.weight, out) };
  if (outer.kind === "dense") {
    const rows = product(out);
    const n1 = product(s1);
    const n0 = product(s0);
    const w = new Float64Array(rows * n0);
    for (let o = 0; o < rows; o++) w.set(termAdjoint(inner, s0, s1, outer.weight.subarray(o * n1, (o + 1) * n1)), o * n0);
    return { ok: true, term: { kind: "dense", source: inner.source, weight: w } };
  }
  const a = asConv(inner, s0, s1);
  const b = asConv(outer, s1, out);
  if (isPointwise(a)) return { ok: true, term: mixChannels(b, a, s0[0], s1[0], out[0], inner.source) };
  return { ok: true, term: composeKernels(b, a, s0[0], s1[0], out[0], inner.source) };
}

const isPointwise = (w: Window2d) => w.kernel.every((k) => k === 1) && w.stride.every((s) => s === 1) && w.pads.every((p) => p === 0);

/** Why no single term computes outer ∘ inner (see composeTerms), or null when one does. Cheap: no weights computed. */
export function compositionObstacle(outer: Term, inner: Term, s0: readonly number[], s1: readonly number[], out: readonly number[]): string | null {
  if (inner.kind === "identity" || outer.kind === "identity" || outer.kind === "dense") return null;
  if (inner.kind === "dense") return `a ${outer.kind} cannot read the vector a dense layer produces`;
  const why = convObstacle(inner, s0, s1) ?? convObstacle(outer, s1, out);
  if (why !== null) return why;
  if (isPointwise(inner) || outer.pads.every((p) => p === 0)) return null;
  return (
    `the second has zero padding [${outer.pads}] around the first one's output, and the first is not pointwise ` +
    `(kernel [${inner.kernel}], stride [${inner.stride}], pads [${inner.pads}]), so no single convolution computes both`
  );
}

/** Why a conv-like term has no plain-convolution form, or null. */
export function convObstacle(t: Term, src: readonly number[], out: readonly number[]): string | null {
  if (t.kind === "conv" || (t.kind === "identity" && src.length === 3)) return null;
  if (t.kind !== "avgpool") return `a ${t.kind} term is not a convolution`;
  if (!sameShape(conv2dOutputShape(src, src[0], t), out)) return "its average pool uses ceil mode, which keeps a partial window no convolution has";
  const { rows, cols } = avgPoolDivisors(t, src[1], src[2], out[1], out[2]);
  if (rows.some((r) => r !== rows[0]) || cols.some((c) => c !== cols[0]))
    return `its average pool divides by a position-dependent count (count_include_pad=${Number(t.countIncludePad)} with padding)`;
  return null;
}

/** A conv-like term (convObstacle says null) as a plain convolution with group 1: weight [Cout, Cin, kh, kw]. */
export function asConv(t: Term, src: readonly number[], out: readonly number[]): ConvTerm {
  const cin = src[0];
  if (t.kind === "conv") return ungroup(t, cin, out[0]);
  if (t.kind === "identity") {
    const w = new Float64Array(cin * cin);
    for (let c = 0; c < cin; c++) w[c * cin + c] = t.weight[c];
    return { kind: "conv", source: t.source, group: 1, weight: w, kernel: [1, 1], stride: [1, 1], pads: [0, 0, 0, 0], dilation: [1, 1] };
  }
  if (t.kind !== "avgpool") throw new Error(`term-algebra: a ${t.kind} term is not a convolution`);
  const { rows, cols } = avgPoolDivisors(t, src[1], src[2], out[1], out[2]);
  const [kh, kw] = t.kernel;
  const w = new Float64Array(cin * cin * kh * kw);
  const d = rows[0] * cols[0];
  for (let c = 0; c < cin; c++) w.fill(t.weight[c] / d, (c * cin + c) * kh * kw, (c * cin + c + 1) * kh * kw);
  const win: Window2d = { kernel: t.kernel, stride: t.stride, pads: t.pads, dilation: t.dilation };
  return { kind: "conv", source: t.source, group: 1, weight: w, ...win };
}

/** The same convolution with group 1: zero weights between channels of different groups. */
function ungroup(t: ConvTerm, cin: number, cout: number): ConvTerm {
  if (t.group === 1) return t;
  const taps = t.kernel[0] * t.kernel[1];
  const cg = cin / t.group;
  const og = cout / t.group;
  const w = new Float64Array(cout * cin * taps);
  for (let co = 0; co < cout; co++) {
    const c0 = Math.floor(co / og) * cg;
    for (let ci = 0; ci < cg; ci++) w.set(t.weight.subarray((co * cg + ci) * taps, (co * cg + ci + 1) * taps), (co * cin + c0 + ci) * taps);
  }
  return { ...t, group: 1, weight: w };
}

/** outer ∘ inner for a pointwise inner: W[o, c, ky, kx] = Σ_m outer[o, m, ky, kx] · inner[m, c]. */
function mixChannels(outer: ConvTerm, inner: ConvTerm, c: number, m: number, o: number, source: string): Term {
  const taps = outer.kernel[0] * outer.kernel[1];
  const w = new Float64Array(o * c * taps);
  for (let oo = 0; oo < o; oo++)
    for (let mm = 0; mm < m; mm++)
      for (let cc = 0; cc < c; cc++) {
        const a = inner.weight[mm * c + cc];
        if (a === 0) continue;
        for (let t = 0; t < taps; t++) w[(oo * c + cc) * taps + t] += outer.weight[(oo * m + mm) * taps + t] * a;
      }
  return { ...outer, source, group: 1, weight: w };
}

/**
 * outer ∘ inner for an outer without padding: outer tap (ky2, kx2) at stride s2 reads inner output oy·s2 + ky2·d2,
 * which reads input (oy·s2 + ky2·d2)·s1 − pad1 + ky1·d1. So the composite is a convolution with stride s1·s2,
 * dilation 1, the inner padding, and kernel offset ky2·d2·s1 + ky1·d1.
 */
function composeKernels(outer: ConvTerm, inner: ConvTerm, c: number, m: number, o: number, source: string): Term {
  const [bh, bw] = outer.kernel;
  const [ah, aw] = inner.kernel;
  const kh = (bh - 1) * outer.dilation[0] * inner.stride[0] + (ah - 1) * inner.dilation[0] + 1;
  const kw = (bw - 1) * outer.dilation[1] * inner.stride[1] + (aw - 1) * inner.dilation[1] + 1;
  const w = new Float64Array(o * c * kh * kw);
  for (let oo = 0; oo < o; oo++)
    for (let mm = 0; mm < m; mm++)
      for (let y2 = 0; y2 < bh; y2++)
        for (let x2 = 0; x2 < bw; x2++) {
          const b = outer.weight[((oo * m + mm) * bh + y2) * bw + x2];
          if (b === 0) continue;
          for (let cc = 0; cc < c; cc++)
            for (let y1 = 0; y1 < ah; y1++)
              for (let x1 = 0; x1 < aw; x1++) {
                const a = inner.weight[((mm * c + cc) * ah + y1) * aw + x1];
                const ky = y2 * outer.dilation[0] * inner.stride[0] + y1 * inner.dilation[0];
                const kx = x2 * outer.dilation[1] * inner.stride[1] + x1 * inner.dilation[1];
                w[((oo * c + cc) * kh + ky) * kw + kx] += b * a;
              }
        }
  return {
    kind: "conv",
    source,
    group: 1,
    weight: w,
    kernel: [kh, kw],
    stride: [inner.stride[0] * outer.stride[0], inner.stride[1] * outer.stride[1]],
    pads: inner.pads,
    dilation: [1, 1],
  };
}
