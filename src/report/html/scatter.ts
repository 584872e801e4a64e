/**
 * ANN vs SNN readout values: one dot per (sample, class), on the identity line when the SNN is exact. Dots of samples
 * whose predicted class differs are red. The caption states the agreement and the largest error.
 */
import type { LogitSection } from "../data.js";
import { BAD_COLOR, KIND_COLOR } from "./layout.js";
import { axisBottom, axisLeft, linear, niceDomain } from "./scale.js";
import { el, fmt, num, pct, svg, text } from "./svg.js";
import { maxOf, minOf } from "../../util/extrema.js";

const SIZE = 420;
const M = { left: 60, right: 16, top: 36, bottom: 48 };

function argmax(v: number[], from: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (v[from + j]! > v[from + best]!) best = j;
  return best;
}

export function renderScatter(l: LogitSection): string {
  const all = l.ann.concat(l.snn);
  const [lo, hi] = niceDomain(minOf(all), maxOf(all), 6);
  const x = linear([lo, hi], [M.left, SIZE - M.right]);
  const y = linear([lo, hi], [SIZE - M.bottom, M.top]);
  let ok = "";
  let bad = "";
  for (let s = 0; s < l.samples; s++) {
    const agree = argmax(l.ann, s * l.classes, l.classes) === argmax(l.snn, s * l.classes, l.classes);
    for (let c = 0; c < l.classes; c++) {
      const i = s * l.classes + c;
      // A dot as a zero-length round-capped line: one path for all dots.
      const d = `M${num(x(l.ann[i]!))},${num(y(l.snn[i]!))}h0`;
      if (agree) ok += d;
      else bad += d;
    }
  }
  return svg(
    SIZE,
    SIZE,
    "ANN vs SNN logits",
    axisBottom(x, SIZE - M.bottom, "ANN logit (float64 reference)", { gridTop: M.top, ticks: 6 }),
    axisLeft(y, M.left, "SNN logit (exact simulator)", { gridRight: SIZE - M.right, ticks: 6 }),
    el("line", { x1: x(lo), y1: y(lo), x2: x(hi), y2: y(hi), class: "identity" }),
    el("path", { d: ok, stroke: KIND_COLOR.readout!, class: "dots" }),
    bad ? el("path", { d: bad, stroke: BAD_COLOR, class: "dots" }) : "",
    text(M.left, 16, `agreement ${pct(l.agreement)} on ${fmt(l.samples)} samples × ${fmt(l.classes)} classes`, { class: "hist-title" }),
    text(M.left, 30, `max |Δ| ${fmt(l.maxAbsDelta)} (${fmt(l.maxAbsDelta / Math.max(l.maxAbsReference, 1e-300))} × max |logit|)`, { class: "hist-note" }),
  );
}
