/**
 * A grouped conv weight [Cout, Cin/G, Kh, Kw] as the equivalent ungrouped one [Cout, Cin, Kh, Kw] (zero outside each
 * output channel's group), and back. NIR files carry grouped convs this way because the reference package ignores
 * `groups` when it infers a conv's input type (shared/spec/nir.md §3), so a grouped Conv2d fails its type check.
 */

/** Block-diagonal ungrouped weight of a grouped conv (a copy; the same array's copy for one group). */
export function blockDiagonal(w: Float64Array, cout: number, cin: number, groups: number, kernel: readonly [number, number]): Float64Array {
  if (groups === 1) return w.slice();
  const k = kernel[0] * kernel[1];
  const inG = cin / groups;
  const outG = cout / groups;
  const out = new Float64Array(cout * cin * k);
  for (let o = 0; o < cout; o++) {
    const c0 = Math.floor(o / outG) * inG;
    out.set(w.subarray(o * inG * k, (o + 1) * inG * k), (o * cin + c0) * k);
  }
  return out;
}

/**
 * The grouped weight inside a block-diagonal one, or null when some weight lies outside the blocks (then the
 * ungrouped conv is not the grouped one).
 */
export function fromBlockDiagonal(full: Float64Array, cout: number, cin: number, groups: number, kernel: readonly [number, number]): Float64Array | null {
  if (groups === 1) return full.slice();
  const k = kernel[0] * kernel[1];
  const inG = cin / groups;
  const outG = cout / groups;
  const out = new Float64Array(cout * inG * k);
  for (let o = 0; o < cout; o++) {
    const c0 = Math.floor(o / outG) * inG;
    for (let c = 0; c < cin; c++) {
      const inside = c >= c0 && c < c0 + inG;
      for (let t = 0; t < k; t++) {
        const v = full[(o * cin + c) * k + t]!;
        if (inside) out[(o * inG + c - c0) * k + t] = v;
        else if (v !== 0) return null;
      }
    }
  }
  return out;
}
