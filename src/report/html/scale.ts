/**
 * Scales and axes for the report's charts: linear maps from data to pixels, "nice" tick values (1, 2, 5 × 10^k), and
 * axes drawn as SVG.
 */
import { el, fmt, num, text } from "./svg.js";

export interface Scale {
  (v: number): number;
  domain: [number, number];
  range: [number, number];
}

export function linear(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 !== d0 ? (r1 - r0) / (d1 - d0) : 0;
  const f = ((v: number) => r0 + (v - d0) * k) as Scale;
  f.domain = domain;
  f.range = range;
  return f;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** The domain widened to round numbers. */
export function niceDomain(lo: number, hi: number, count = 6): [number, number] {
  if (!(hi > lo)) return [lo - 1, hi + 1];
  const t = niceTicks(lo, hi, count);
  const step = t.length > 1 ? t[1]! - t[0]! : hi - lo;
  return [Math.min(t[0]!, Math.floor(lo / step) * step), Math.max(t[t.length - 1]!, Math.ceil(hi / step) * step)];
}

/** Horizontal axis at pixel row y, with ticks, grid lines up to gridTop (optional) and a label. */
export function axisBottom(s: Scale, y: number, label: string, opts: { gridTop?: number; ticks?: number } = {}): string {
  const ticks = niceTicks(s.domain[0], s.domain[1], opts.ticks ?? 8);
  const parts = [el("line", { x1: s.range[0], x2: s.range[1], y1: y, y2: y, class: "axis" })];
  for (const t of ticks) {
    const x = s(t);
    if (opts.gridTop !== undefined) parts.push(el("line", { x1: x, x2: x, y1: opts.gridTop, y2: y, class: "grid" }));
    parts.push(el("line", { x1: x, x2: x, y1: y, y2: y + 4, class: "axis" }));
    parts.push(text(x, y + 15, fmt(t), { class: "tick", "text-anchor": "middle" }));
  }
  if (label) parts.push(text((s.range[0] + s.range[1]) / 2, y + 32, label, { class: "axis-label", "text-anchor": "middle" }));
  return el("g", {}, ...parts);
}

/** Vertical axis at pixel column x, with ticks, grid lines to gridRight (optional) and a rotated label. */
export function axisLeft(s: Scale, x: number, label: string, opts: { gridRight?: number; ticks?: number } = {}): string {
  const ticks = niceTicks(Math.min(...s.domain), Math.max(...s.domain), opts.ticks ?? 5);
  const parts = [el("line", { x1: x, x2: x, y1: s.range[0], y2: s.range[1], class: "axis" })];
  for (const t of ticks) {
    const y = s(t);
    if (opts.gridRight !== undefined) parts.push(el("line", { x1: x, x2: opts.gridRight, y1: y, y2: y, class: "grid" }));
    parts.push(el("line", { x1: x - 4, x2: x, y1: y, y2: y, class: "axis" }));
    parts.push(text(x - 6, y + 4, fmt(t), { class: "tick", "text-anchor": "end" }));
  }
  if (label) {
    const cy = (s.range[0] + s.range[1]) / 2;
    parts.push(text(x - 40, cy, label, { class: "axis-label", "text-anchor": "middle", transform: `rotate(-90 ${num(x - 40)} ${num(cy)})` }));
  }
  return el("g", {}, ...parts);
}
