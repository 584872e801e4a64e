/**
 * Clip(x, 0, +∞) — what torch.clamp(min=0) exports — is a ReLU and imports as one. Any other bounds are not a ReLU
 * (ReLU6 is Clip(0, 6)): refused with the bounds, since the exact mapping has no saturating activation.
 */
import type { OpHandler } from "./types.js";
import { relu } from "./elementwise.js";

export const clip: OpHandler = (n) => {
  // Opset < 11: bounds are attributes; from 11 on, optional constant inputs (an empty name means absent).
  const bound = (i: number, attr: string, fallback: number): number => {
    if (n.attrs.has(attr)) return n.attrs.float(attr, fallback);
    if (!n.hasInput(i)) return fallback;
    // torch.clamp(x, 0, float("inf")) writes an infinite max: a bound, not a weight.
    const c = n.constant(i, `${attr} bound`, true);
    if (c.data.length !== 1) n.fail(`the ${attr} bound has ${c.data.length} values; Clip takes a scalar`);
    return c.data[0]!;
  };
  const lo = bound(1, "min", Number.NEGATIVE_INFINITY);
  const hi = bound(2, "max", Number.POSITIVE_INFINITY);
  // float32's largest value is the "no max" of opset-6 Clip (and of exporters that write it out).
  if (lo === 0 && hi >= 3.4028234663852886e38) return relu(n);
  const name = lo === 0 && hi === 6 ? " (ReLU6)" : "";
  n.fail(
    `Clip(min ${lo}, max ${hi})${name} is not a ReLU: the exact single-spike mapping has no saturating activation`,
    "replace it with ReLU (nn.ReLU, or clamp(min=0) with no max) and fine-tune before export",
  );
};
