/** Agreement and error measures between two sets of logits [n, classes]. */

export function argmaxRows(x: Float64Array, n: number): Int32Array {
  const k = x.length / n;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (x[i * k + j]! > x[i * k + best]!) best = j;
    out[i] = best;
  }
  return out;
}

export interface Agreement {
  samples: number;
  /** Samples whose argmax agrees. */
  agreeing: number;
  /** agreeing / samples. */
  agreement: number;
  maxAbsDelta: number;
  /** Largest |reference logit|, the scale of the error. */
  maxAbsReference: number;
  /** Indices of the disagreeing samples (at most 20). */
  disagreements: number[];
}

export function compareLogits(reference: Float64Array, candidate: Float64Array, n: number): Agreement {
  const a = argmaxRows(reference, n);
  const b = argmaxRows(candidate, n);
  let agreeing = 0;
  const disagreements: number[] = [];
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) agreeing++;
    else if (disagreements.length < 20) disagreements.push(i);
  }
  let maxAbsDelta = 0;
  let maxAbsReference = 0;
  for (let i = 0; i < reference.length; i++) {
    maxAbsDelta = Math.max(maxAbsDelta, Math.abs(reference[i]! - candidate[i]!));
    maxAbsReference = Math.max(maxAbsReference, Math.abs(reference[i]!));
  }
  return { samples: n, agreeing, agreement: n ? agreeing / n : 1, maxAbsDelta, maxAbsReference, disagreements };
}

/** Largest |Δ| / max |logit| between our float64 ANN and onnxruntime that the model's own precision explains. */
export const REFERENCE_TOLERANCE: Readonly<Record<string, number>> = { float64: 1e-9, float32: 1e-4, float16: 1e-2 };

/**
 * Whether our float64 ANN is what onnxruntime computes on the original model, up to the model's precision (`type`:
 * the element type onnxruntime computed in; the fixtures measure ≤ 1e-5 for float32). Beyond it spikec did not read
 * the model as onnxruntime runs it, and an SNN that matches our ANN would not match the model.
 */
export function withinPrecision(c: Agreement, type: string): { tolerance: number; agrees: boolean } {
  const tolerance = REFERENCE_TOLERANCE[type] ?? REFERENCE_TOLERANCE.float32!;
  return { tolerance, agrees: c.maxAbsDelta <= tolerance * Math.max(c.maxAbsReference, 1e-300) };
}

export function accuracy(logits: Float64Array, labels: Float64Array, n: number): number {
  const p = argmaxRows(logits, n);
  let ok = 0;
  for (let i = 0; i < n; i++) if (p[i] === labels[i]) ok++;
  return n ? ok / n : 0;
}
