/**
 * Exact re-encoding of synapse formats. A synapse adds w · 2^(shift + exp) to u; the same integer is w · 2^k with
 * exponent exp − k whenever w · 2^k is an integer inside the weight field of the chosen sign mode (mixed: even,
 * −256..254). So lists whose (sign mode, exponent) differ can often share one format-table entry of a core without
 * changing any contribution: the cycle simulation stays bit-identical. Only full-width weight fields are re-encoded
 * (the entry's bits, hence the synapse-memory cost, are unchanged); delay bits and storage (dense/sparse) must match.
 * The fewest entries covering a core's needs is a small exact set cover (a handful of needs, ≤ 15 exponents).
 */
import type { SignMode, Target } from "../hw/target/target.js";

/** What one format-table entry must hold: lists of one key, and the extent of their (nonzero) weights. */
export interface FormatDemand {
  mode: SignMode;
  exp: number;
  weightBits: number;
  delayBits: number;
  dense: boolean;
  maxW: number;
  minW: number;
  /** Fewest trailing zero bits over the nonzero weights (capped at 16). */
  tz: number;
}

/** One entry of a core's format table after re-encoding. */
export interface FormatEntry {
  mode: SignMode;
  exp: number;
  weightBits: number;
  delayBits: number;
  dense: boolean;
}

export const TZ_CAP = 16;

export function trailingZeros(w: number): number {
  if (w === 0) return TZ_CAP;
  let n = 0;
  let x = Math.abs(w);
  while ((x & 1) === 0 && n < TZ_CAP) {
    x >>>= 1;
    n++;
  }
  return n;
}

export const demandKey = (d: FormatEntry): string => `${d.mode} exp=${d.exp} w${d.weightBits} d${d.delayBits} ${d.dense ? "dense" : "sparse"}`;

/** The union of two demands of the same key (extents widen). */
export function mergeDemand(a: FormatDemand, b: FormatDemand): FormatDemand {
  return { ...a, maxW: Math.max(a.maxW, b.maxW), minW: Math.min(a.minW, b.minW), tz: Math.min(a.tz, b.tz) };
}

export interface FormatRules {
  weightBits: number;
  ranges: Partial<Record<SignMode, { min: number; max: number; step: number }>>;
  expMin: number;
  expMax: number;
}

export function formatRulesOf(target: Target): FormatRules {
  const s = target.synapse;
  return { weightBits: s.weightBits, ranges: s.weightRanges, expMin: s.weightExponent?.min ?? 0, expMax: s.weightExponent?.max ?? 0 };
}

/** Whether every weight of `d`, re-encoded with exponent `f.exp`, is exact in `f`'s field. */
export function holds(d: FormatDemand, f: FormatEntry, rules: FormatRules): boolean {
  if (d.delayBits !== f.delayBits || d.dense !== f.dense || d.weightBits !== f.weightBits) return false;
  if (d.mode === f.mode && d.exp === f.exp) return true;
  if (d.weightBits !== rules.weightBits) return false;
  const r = rules.ranges[f.mode];
  if (!r) return false;
  const k = d.exp - f.exp;
  const tz = d.tz + k;
  if (tz < 0 || tz < Math.log2(r.step)) return false;
  return d.maxW * 2 ** k <= r.max && d.minW * 2 ** k >= r.min;
}

/** The contribution-preserving weight of `w` (exponent `exp`) in format `f`. */
export const reencode = (w: number, exp: number, f: FormatEntry): number => w * 2 ** (exp - f.exp);

export interface FormatCover {
  formats: FormatEntry[];
  /** Per demand (input order), its entry in `formats`. */
  assign: number[];
}

const MODES: SignMode[] = ["mixed", "excitatory", "inhibitory"];
/** Search nodes before giving up on fewer entries than one per key. */
const NODE_BUDGET = 50_000;

/**
 * The fewest format entries holding every demand, at most `limit` (or as few as the search finds). Without
 * re-encoding each distinct key is its own entry; the answer is never worse than that.
 */
export function coverFormats(demands: FormatDemand[], rules: FormatRules, limit = Infinity): FormatCover {
  const n = demands.length;
  const identity: FormatCover = { formats: demands.map(({ mode, exp, weightBits, delayBits, dense }) => ({ mode, exp, weightBits, delayBits, dense })), assign: demands.map((_, i) => i) };
  if (n <= 1) return identity;
  // Candidate entries: every (mode, exponent) at a demand's widths, with the set of demands it holds.
  const cands: { f: FormatEntry; mask: bigint }[] = [];
  const seen = new Map<string, number>();
  for (const d of demands) {
    const exps = d.weightBits === rules.weightBits ? range(rules.expMin, rules.expMax) : [d.exp];
    const modes = d.weightBits === rules.weightBits ? MODES : [d.mode];
    for (const mode of modes)
      for (const exp of exps) {
        const f: FormatEntry = { mode, exp, weightBits: d.weightBits, delayBits: d.delayBits, dense: d.dense };
        const key = demandKey(f);
        if (seen.has(key)) continue;
        let mask = 0n;
        demands.forEach((e, i) => {
          if (holds(e, f, rules)) mask |= 1n << BigInt(i);
        });
        seen.set(key, cands.length);
        if (mask !== 0n) cands.push({ f, mask });
      }
  }
  // Drop entries whose demands another entry holds too (ties keep the first, i.e. a demand's own key).
  const kept = cands.filter((c, i) => !cands.some((o, j) => j !== i && (c.mask & o.mask) === c.mask && (o.mask !== c.mask || j < i)));
  const all = (1n << BigInt(n)) - 1n;
  let best: number[] | null = null;
  let bestLen = Math.min(limit, n - 1) + 1;
  let nodes = 0;
  const chosen: number[] = [];
  const dfs = (covered: bigint): void => {
    if (covered === all) {
      if (chosen.length < bestLen) {
        best = [...chosen];
        bestLen = chosen.length;
      }
      return;
    }
    if (chosen.length + 1 >= bestLen || ++nodes > NODE_BUDGET) return;
    let first = 0;
    while ((covered >> BigInt(first)) & 1n) first++;
    const bit = 1n << BigInt(first);
    const options = kept.map((c, i) => [c, i] as const).filter(([c]) => c.mask & bit);
    options.sort((a, b) => popcount(b[0].mask & ~covered) - popcount(a[0].mask & ~covered));
    for (const [c, i] of options) {
      chosen.push(i);
      dfs(covered | c.mask);
      chosen.pop();
    }
  };
  dfs(0n);
  if (!best) return identity;
  const picked = (best as number[]).map((i) => kept[i]!);
  return { formats: picked.map((c) => c.f), assign: demands.map((_, i) => picked.findIndex((c) => (c.mask >> BigInt(i)) & 1n)) };
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let x = a; x <= b; x++) out.push(x);
  return out;
}

function popcount(x: bigint): number {
  let n = 0;
  for (; x; x &= x - 1n) n++;
  return n;
}
