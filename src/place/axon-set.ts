/**
 * The input axons of a tile: one per source neuron whose spikes reach it. A ResNet-sized network has ~10^8
 * (tile, axon) pairs, so tiles do not store them: conv parts are regenerated from the tile's geometry (input
 * channels × the rows and columns of each tap class) and only sparse and dense parts keep an explicit id list.
 * Parts come from distinct source populations, so their ids never repeat across parts.
 */

/** Input axons of a conv box: every (ci, yi, xi) with ci marked for the (row class, column class) of (yi, xi). */
export interface ConvAxons {
  kind: "conv";
  /** Global id of the source's neuron 0, and the source's [C, H, W]. */
  base: number;
  H: number;
  W: number;
  C: number;
  /** Input rows (columns) per tap class, in the class order of `any`. */
  rows: Int32Array[];
  cols: Int32Array[];
  /** any[(ci·R + r)·S + s] = 1 when channel ci reaches the tile through row class r and column class s. */
  any: Uint8Array;
  count: number;
}

export interface IdAxons {
  kind: "ids";
  /** Distinct global ids. */
  ids: Int32Array;
}

export type AxonPart = ConvAxons | IdAxons;

const partCount = (p: AxonPart): number => (p.kind === "ids" ? p.ids.length : p.count);

export class AxonSet {
  readonly count: number;
  constructor(readonly parts: AxonPart[]) {
    this.count = parts.reduce((a, p) => a + partCount(p), 0);
  }

  /** Writes the axons (distinct global ids, part by part) into `out` from `at`; returns the end position. */
  write(out: Int32Array, at = 0): number {
    let k = at;
    for (const p of this.parts) {
      if (p.kind === "ids") {
        out.set(p.ids, k);
        k += p.ids.length;
        continue;
      }
      const R = p.rows.length;
      const S = p.cols.length;
      for (let ci = 0; ci < p.C; ci++)
        for (let r = 0; r < R; r++)
          for (let s = 0; s < S; s++) {
            if (p.any[(ci * R + r) * S + s] === 0) continue;
            const cb = p.base + ci * p.H * p.W;
            for (const yi of p.rows[r]!) {
              const rb = cb + yi * p.W;
              for (const xi of p.cols[s]!) out[k++] = rb + xi;
            }
          }
    }
    return k;
  }

  /** The axons ascending (tests, small tiles). */
  sorted(): Int32Array {
    const out = new Int32Array(this.count);
    this.write(out);
    return out.sort();
  }
}
