/**
 * Text helpers for hand-written SVG and HTML: escaping, number formatting with a fixed number of decimals (so the same
 * data always gives the same bytes), and a tiny element builder.
 */
import { percent } from "../../util/percent.js";

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A coordinate: at most 2 decimals, no trailing zeros, no "-0". */
export function num(x: number): string {
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? "0" : String(r);
}

/** A value for people: 4 significant digits, thousands separators for integers, exponent for tiny and huge numbers. */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e9) return x.toLocaleString("en-US").replace(/^-/, "−");
  const s = a < 1e-3 || a >= 1e6 ? x.toExponential(2) : String(Number(x.toPrecision(4)));
  return s.replace(/^-/, "−");
}

export const pct = (x: number): string => percent(x);

export type Attrs = Record<string, string | number | null | undefined | false>;

function attrText(attrs: Attrs): string {
  let out = "";
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    out += ` ${k}="${typeof v === "number" ? num(v) : esc(v)}"`;
  }
  return out;
}

/** `<tag attrs>children</tag>`; children are already markup. */
export function el(tag: string, attrs: Attrs = {}, ...children: string[]): string {
  const body = children.join("");
  return body === "" && tag !== "text" && tag !== "title" && tag !== "td" && tag !== "th" ? `<${tag}${attrText(attrs)}/>` : `<${tag}${attrText(attrs)}>${body}</${tag}>`;
}

/** A hover label (`<title>`) for plain text: names from the model (ONNX node names) are escaped here, never by the caller. */
export function tooltip(s: string): string {
  return el("title", {}, esc(s));
}

/** `<svg>` with a viewBox of width × height, scaling down to the page width. */
export function svg(width: number, height: number, label: string, ...children: string[]): string {
  return el(
    "svg",
    { xmlns: "http://www.w3.org/2000/svg", viewBox: `0 0 ${num(width)} ${num(height)}`, width, height, role: "img", "aria-label": label, class: "chart" },
    tooltip(label),
    ...children,
  );
}

export function text(x: number, y: number, s: string, attrs: Attrs = {}): string {
  return el("text", { x, y, ...attrs }, esc(s));
}
