/**
 * Synapse-format budget. A core of a target with a format table (Loihi 1: 7 entries) needs one entry per distinct
 * (sign mode, exponent, delay bits) among the synapse lists into its neurons, so a neuron whose inputs use more
 * distinct entries than the table holds fits no core. Row exponents chosen for precision alone get there when a
 * neuron reads many projections at different scales (a layer summed from partial sums reads each part at its own).
 *
 * Rewrite, per neuron over budget: keep a few exponents of each class (same sign mode and delay) and raise every
 * other row to the next kept exponent of its class, choosing the kept ones so that the most bits any row loses is
 * smallest while the neuron's lists use at most `budget` entries. A raised row keeps its mantissa range and loses
 * (Δexp) bits of precision; rows of `frozen` groups are never raised. Neurons already within budget change nothing, so targets without a limit are untouched.
 */

export interface BudgetGroup {
  /** Format class: lists of different classes (sign mode, delay bits) never share an entry. */
  cls: number;
  /** Exponent per row. */
  exps: Int8Array;
  /** Whether a row holds a nonzero weight (rows without synapses need no entry). */
  live: Uint8Array;
  /** The row neuron i reads in this group. */
  rowOf: (neuron: number) => number;
  /** Rows that must keep their exponents (residual groups whose coarse part is already fixed). */
  frozen: boolean;
}

export interface BudgetResult {
  /** New exponents per group (copies; a group without changes keeps equal values). */
  exps: Int8Array<ArrayBuffer>[];
  /** Rows moved to a coarser exponent, and the most bits one row lost. */
  rowsRaised: number;
  maxBitsLost: number;
  /** Neurons still over budget (no merge left: each class at one exponent, or only frozen rows). */
  over: number;
}

/** Rows a conv channel shares with dense rows can need another look after a neighbour's change; this bounds it. */
const PASSES = 8;
const key = (cls: number, exp: number) => cls * 256 + exp + 128;

/** The distinct format keys neuron i uses. */
function keysOf(groups: BudgetGroup[], exps: Int8Array[], i: number, into: Set<number>): Set<number> {
  into.clear();
  groups.forEach((g, gi) => {
    const r = g.rowOf(i);
    if (g.live[r]) into.add(key(g.cls, exps[gi]![r]!));
  });
  return into;
}

/** Every key any neuron can use: when these fit, no neuron is over budget. */
function unionOf(groups: BudgetGroup[]): number {
  const all = new Set<number>();
  groups.forEach((g) => g.exps.forEach((e, r) => void (g.live[r] && all.add(key(g.cls, e)))));
  return all.size;
}

/** A class's exponents in neuron i, ascending, and those held by frozen rows. */
interface ClassPoints {
  exps: number[];
  frozen: Set<number>;
}

function classesOf(groups: BudgetGroup[], exps: Int8Array[], rows: Int32Array): Map<number, ClassPoints> {
  const byClass = new Map<number, ClassPoints>();
  groups.forEach((g, gi) => {
    const r = rows[gi]!;
    if (!g.live[r]) return;
    let c = byClass.get(g.cls);
    if (!c) byClass.set(g.cls, (c = { exps: [], frozen: new Set() }));
    const e = exps[gi]![r]!;
    if (!c.exps.includes(e)) c.exps.push(e);
    if (g.frozen) c.frozen.add(e);
  });
  for (const c of byClass.values()) c.exps.sort((a, b) => a - b);
  return byClass;
}

/**
 * The fewest exponents of one class to keep when no row may lose more than `maxLoss` bits: the top one and the frozen
 * ones always; from the lowest uncovered exponent up, keep the highest one within reach (interval covering, optimal).
 */
function keptExponents(c: ClassPoints, maxLoss: number): number[] {
  const kept = new Set([c.exps[c.exps.length - 1]!, ...c.frozen]);
  for (const e of c.exps) {
    if (kept.has(e)) continue;
    const above = c.exps.find((x) => x > e && kept.has(x))!;
    if (above - e <= maxLoss) continue;
    kept.add(c.exps.filter((x) => x <= e + maxLoss).pop()!);
  }
  return c.exps.filter((e) => kept.has(e));
}

/**
 * For neuron i over budget: the smallest bound on the bits any row loses for which the kept exponents fit `budget`,
 * and each class's kept exponents; null when even keeping only the top and frozen ones does not fit.
 */
function cheapestKeep(byClass: Map<number, ClassPoints>, budget: number): Map<number, number[]> | null {
  const spread = Math.max(...[...byClass.values()].map((c) => c.exps[c.exps.length - 1]! - c.exps[0]!));
  for (let loss = 1; loss <= spread; loss++) {
    const keep = new Map([...byClass].map(([cls, c]) => [cls, keptExponents(c, loss)]));
    let n = 0;
    for (const k of keep.values()) n += k.length;
    if (n <= budget) return keep;
  }
  return null;
}

export function fitFormatBudget(groups: BudgetGroup[], neurons: number, budget: number): BudgetResult {
  const exps = groups.map((g) => Int8Array.from(g.exps));
  const result = { exps, rowsRaised: 0, maxBitsLost: 0, over: 0 };
  if (unionOf(groups) <= budget) return result;
  const raised = groups.map((g) => new Int8Array(g.exps.length));
  const seen = new Set<number>();
  const rows = new Int32Array(groups.length);
  const same = (i: number) => groups.every((g, gi) => g.rowOf(i) === rows[gi]);
  for (let pass = 0; pass < PASSES; pass++) {
    let changed = false;
    for (let i = 0; i < neurons; i++) {
      // Neighbours reading the same rows (a conv channel) need no second look.
      if (i > 0 && same(i)) continue;
      groups.forEach((g, gi) => (rows[gi] = g.rowOf(i)));
      if (keysOf(groups, exps, i, seen).size <= budget) continue;
      const keep = cheapestKeep(classesOf(groups, exps, rows), budget);
      if (!keep) continue;
      groups.forEach((g, gi) => {
        const r = rows[gi]!;
        if (g.frozen || !g.live[r]) return;
        const e = exps[gi]![r]!;
        const to = keep.get(g.cls)!.find((x) => x >= e)!;
        if (to === e) return;
        exps[gi]![r] = to;
        raised[gi]![r] = raised[gi]![r]! + to - e;
        changed = true;
      });
    }
    if (!changed) break;
  }
  let lastOver = false;
  for (let i = 0; i < neurons; i++) {
    if (!(i > 0 && same(i))) {
      groups.forEach((g, gi) => (rows[gi] = g.rowOf(i)));
      lastOver = keysOf(groups, exps, i, seen).size > budget;
    }
    if (lastOver) result.over++;
  }
  for (const r of raised)
    for (const b of r)
      if (b > 0) {
        result.rowsRaised++;
        result.maxBitsLost = Math.max(result.maxBitsLost, b);
      }
  return result;
}
