/**
 * Largest and smallest of an array of any length. Math.max(...a) passes every element as an argument and overflows
 * the call stack from ~100k elements (a per-neuron or per-synapse array of a CNN layer: audit 2026-11-27, VGG-11 at
 * 32×32 failed to lower with "Maximum call stack size exceeded").
 */
export function maxOf(values: ArrayLike<number>, init = Number.NEGATIVE_INFINITY): number {
  let m = init;
  for (let i = 0; i < values.length; i++) if (values[i]! > m) m = values[i]!;
  return m;
}

export function minOf(values: ArrayLike<number>, init = Number.POSITIVE_INFINITY): number {
  let m = init;
  for (let i = 0; i < values.length; i++) if (values[i]! < m) m = values[i]!;
  return m;
}
