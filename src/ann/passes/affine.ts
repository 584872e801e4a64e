/**
 * Views of an affine node (y = scale ⊙ x + shift, broadcast per scalar / channel / element) used by the folding
 * passes: the full per-element maps, and the per-channel form when one exists.
 */
import { product, type AffineNode } from "../graph.js";
import { channelsOf, perChannelOf, tileChannels } from "./term-algebra.js";

/** scale and shift expanded to one value per element of the node's shape. */
export function affineMaps(a: AffineNode): { scale: Float64Array; shift: Float64Array } {
  return { scale: expand(a, a.scale), shift: expand(a, a.shift) };
}

/** The scale per channel, or null when it varies within a channel (a per-element scale). */
export function channelScale(a: AffineNode): Float64Array | null {
  return a.per === "element" ? perChannelOf(a.scale, a.shape) : expandToChannels(a, a.scale);
}

/** The shift per channel, or null when it varies within a channel. */
export function channelShift(a: AffineNode): Float64Array | null {
  return a.per === "element" ? perChannelOf(a.shift, a.shape) : expandToChannels(a, a.shift);
}

/** The composition second ∘ first of two affines on the same shape, as one affine (the widest `per` of the two). */
export function composeAffines(first: AffineNode, second: AffineNode): Pick<AffineNode, "per" | "scale" | "shift"> {
  const rank = { scalar: 0, channel: 1, element: 2 } as const;
  const per = rank[first.per] >= rank[second.per] ? first.per : second.per;
  const view = (a: AffineNode, v: Float64Array) => (per === "scalar" ? v : per === "channel" ? expandToChannels(a, v) : expand(a, v));
  const s1 = view(first, first.scale);
  const b1 = view(first, first.shift);
  const s2 = view(second, second.scale);
  const b2 = view(second, second.shift);
  return { per, scale: s1.map((s, i) => s2[i] * s), shift: b1.map((b, i) => s2[i] * b + b2[i]) };
}

function expandToChannels(a: AffineNode, v: Float64Array): Float64Array {
  return a.per === "scalar" ? new Float64Array(channelsOf(a.shape)).fill(v[0]) : v;
}

function expand(a: AffineNode, v: Float64Array): Float64Array {
  if (a.per === "element") return v;
  if (a.per === "scalar") return new Float64Array(product(a.shape)).fill(v[0]);
  return tileChannels(v, a.shape);
}
