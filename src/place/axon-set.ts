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
  /** The input rows (columns) the tile reaches, ascending, and the tap class of each (its index in `any`). */
  rows: Int32Array;
  rowClass: Int32Array;
  cols: Int32Array;
  colClass: Int32Array;
  /** Number of row (column) classes. */
  R: number;
  S: number;
  /** any[(ci·R + r)·S + s] = 1 when channel ci reaches the tile through row class r and column class s. */
  any: Uint8Array;
  /** Every entry of `any` is 1 (dense weights: every reached input is an axon). */
  full: boolean;
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
      const { rows, cols, rowClass, colClass, R, S, any, H, W, base } = p;
      for (let ci = 0; ci < p.C; ci++) {
        const cb = base + ci * H * W;
        for (let a = 0; a < rows.length; a++) {
          const rb = cb + rows[a]! * W;
          if (p.full) {
            for (let b = 0; b < cols.length; b++) out[k++] = rb + cols[b]!;
            continue;
          }
          const ab = (ci * R + rowClass[a]!) * S;
          for (let b = 0; b < cols.length; b++) if (any[ab + colClass[b]!] !== 0) out[k++] = rb + cols[b]!;
        }
      }
    }
    return k;
  }

  /**
   * Adds 1 to every axon's count, kept as a difference array (count[a] = Σ diff[0..a]; `diff` one longer than the
   * ids): each run of consecutive ids costs two writes. A retired core's destinations: ResNet-18's placement counts
   * ~10^8 (core, axon) pairs per attempt, mostly whole input rows (one run per row, or per block of full rows).
   */
  addRunsTo(diff: Int32Array): void {
    let start = -1;
    let last = -2;
    const close = (): void => {
      if (start >= 0) {
        diff[start]!++;
        diff[last + 1]!--;
      }
    };
    const add = (id: number): void => {
      if (id !== last + 1) {
        close();
        start = id;
      }
      last = id;
    };
    for (const p of this.parts) {
      if (p.kind === "ids") {
        for (const a of p.ids) add(a);
        continue;
      }
      const { rows, cols, rowClass, colClass, R, S, any, H, W, base } = p;
      // Every reached column of a row, and they are consecutive: the row is one run (no per-axon loop).
      const wholeRows = p.full && cols.length > 0 && cols[cols.length - 1]! - cols[0]! === cols.length - 1;
      for (let ci = 0; ci < p.C; ci++) {
        const cb = base + ci * H * W;
        for (let a = 0; a < rows.length; a++) {
          const rb = cb + rows[a]! * W;
          if (wholeRows) {
            if (rb + cols[0]! !== last + 1) {
              close();
              start = rb + cols[0]!;
            }
            last = rb + cols[cols.length - 1]!;
            continue;
          }
          const ab = (ci * R + rowClass[a]!) * S;
          for (let b = 0; b < cols.length; b++) {
            if (!p.full && any[ab + colClass[b]!] === 0) continue;
            const id = rb + cols[b]!;
            // Inlined add(): this loop runs ~10^8 times per placement of ResNet-18.
            if (id !== last + 1) {
              close();
              start = id;
            }
            last = id;
          }
        }
      }
    }
    close();
  }

  /** The axons ascending (tests, small tiles). */
  sorted(): Int32Array {
    const out = new Int32Array(this.count);
    this.write(out);
    return out.sort();
  }
}
