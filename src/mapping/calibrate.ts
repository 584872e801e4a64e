/**
 * Calibration: the largest activation X_n of every layer over a representative data set (computed on the rescaled
 * network). One scalar per layer, over all neurons, positions and samples (shared/spec/ttfs-mapping.md §3.3).
 */
import { product, type AnnGraph } from "../ann/graph.js";
import { execute } from "../ann/execute.js";

/** Samples per executor call: bounded so that the kept activations of a large model stay within memory. */
function chunkSize(graph: AnnGraph): number {
  const perSample = graph.nodes.reduce((a, n) => a + product(n.shape), 0);
  return Math.max(1, Math.min(64, Math.floor(2e7 / Math.max(1, perSample))));
}

/** Max activation of every non-input node over the calibration samples x̂ ([n, …inputShape], normalized). */
export function maxActivations(graph: AnnGraph, x: Float64Array, n: number, onProgress?: (done: number) => void): Map<string, number> {
  const inputSize = x.length / n;
  const maxima = new Map<string, number>(graph.nodes.map((node) => [node.id, 0]));
  const step = chunkSize(graph);
  for (let b0 = 0; b0 < n; b0 += step) {
    const nb = Math.min(step, n - b0);
    const values = execute(graph, x.subarray(b0 * inputSize, (b0 + nb) * inputSize), nb, { keep: () => true });
    for (const [id, v] of values) {
      let m = maxima.get(id) ?? 0;
      for (let i = 0; i < v.length; i++) if (v[i]! > m) m = v[i]!;
      maxima.set(id, m);
    }
    onProgress?.(b0 + nb);
  }
  return maxima;
}
