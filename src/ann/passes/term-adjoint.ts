/**
 * The transpose of a layer term's linear map: given a vector g over the term's output, returns Tᵀg over its source.
 * A dense term after any linear term T merges into one dense term whose row o is Tᵀ(row o): this is how average
 * pooling (global or not) and convolutions without a ReLU fold into the next dense layer.
 * The index arithmetic mirrors src/ann/kernels (zero padding, ONNX average-pool divisors).
 */
import { product, type Term } from "../graph.js";

export function termAdjoint(term: Term, srcShape: readonly number[], outShape: readonly number[], g: Float64Array): Float64Array {
  const r = new Float64Array(product(srcShape));
  switch (term.kind) {
    case "dense": {
      const n = r.length;
      for (let o = 0; o < g.length; o++) {
        const go = g[o];
        if (go === 0) continue;
        const row = o * n;
        for (let i = 0; i < n; i++) r[i] += term.weight[row + i] * go;
      }
      return r;
    }
    case "identity": {
      const inner = r.length / term.weight.length;
      for (let i = 0; i < r.length; i++) r[i] = term.weight[Math.floor(i / inner)] * g[i];
      return r;
    }
    case "conv": {
      const [cin, ih, iw] = srcShape;
      const [cout, oh, ow] = outShape;
      const [kh, kw] = term.kernel;
      const [sh, sw] = term.stride;
      const [dh, dw] = term.dilation;
      const [top, left] = term.pads;
      const cg = cin / term.group;
      const og = cout / term.group;
      for (let co = 0; co < cout; co++) {
        const c0 = Math.floor(co / og) * cg;
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            const go = g[(co * oh + oy) * ow + ox];
            if (go === 0) continue;
            for (let ci = 0; ci < cg; ci++)
              for (let ky = 0; ky < kh; ky++) {
                const iy = oy * sh - top + ky * dh;
                if (iy < 0 || iy >= ih) continue;
                for (let kx = 0; kx < kw; kx++) {
                  const ix = ox * sw - left + kx * dw;
                  if (ix < 0 || ix >= iw) continue;
                  r[((c0 + ci) * ih + iy) * iw + ix] += term.weight[((co * cg + ci) * kh + ky) * kw + kx] * go;
                }
              }
          }
      }
      return r;
    }
    case "avgpool": {
      const [c, ih, iw] = srcShape;
      const [, oh, ow] = outShape;
      const { rows, cols } = avgPoolDivisors(term, ih, iw, oh, ow);
      const [kh, kw] = term.kernel;
      const [sh, sw] = term.stride;
      const [dh, dw] = term.dilation;
      const [top, left] = term.pads;
      for (let ch = 0; ch < c; ch++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            const count = rows[oy] * cols[ox];
            if (count === 0) continue;
            const v = (term.weight[ch] * g[(ch * oh + oy) * ow + ox]) / count;
            if (v === 0) continue;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh - top + ky * dh;
              if (iy < 0 || iy >= ih) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * sw - left + kx * dw;
                if (ix >= 0 && ix < iw) r[(ch * ih + iy) * iw + ix] += v;
              }
            }
          }
      return r;
    }
  }
}

/**
 * Per-row and per-column divisor factors of an average pool (ONNX: taps inside the image, plus the declared padding
 * when countIncludePad; taps past the padding from ceilMode never count). divisor(oy, ox) = rows[oy] · cols[ox].
 */
export function avgPoolDivisors(
  w: { kernel: [number, number]; stride: [number, number]; pads: [number, number, number, number]; dilation: [number, number]; countIncludePad: boolean },
  ih: number,
  iw: number,
  oh: number,
  ow: number,
): { rows: Float64Array; cols: Float64Array } {
  const count = (start: number, k: number, d: number, lo: number, hi: number) => {
    let n = 0;
    for (let i = 0; i < k; i++) if (start + i * d >= lo && start + i * d < hi) n++;
    return n;
  };
  const [top, left, bottom, right] = w.pads;
  const rows = new Float64Array(oh);
  const cols = new Float64Array(ow);
  for (let oy = 0; oy < oh; oy++)
    rows[oy] = w.countIncludePad
      ? count(oy * w.stride[0] - top, w.kernel[0], w.dilation[0], -top, ih + bottom)
      : count(oy * w.stride[0] - top, w.kernel[0], w.dilation[0], 0, ih);
  for (let ox = 0; ox < ow; ox++)
    cols[ox] = w.countIncludePad
      ? count(ox * w.stride[1] - left, w.kernel[1], w.dilation[1], -left, iw + right)
      : count(ox * w.stride[1] - left, w.kernel[1], w.dilation[1], 0, iw);
  return { rows, cols };
}
