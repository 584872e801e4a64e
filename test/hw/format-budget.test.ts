/**
 * The synapse-format budget (src/hw/passes/format-budget.ts) against a brute force: on random layers (dense rows per
 * neuron, conv rows per channel, frozen groups) every neuron that can fit does, no row moves down or off its
 * class's exponents in that neuron, frozen rows never move, and the most bits any row loses is the smallest any
 * choice of kept exponents allows.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { fitFormatBudget, type BudgetGroup } from "../../src/hw/passes/format-budget.js";

interface Layer {
  neurons: number;
  area: number;
  groups: { cls: number; conv: boolean; frozen: boolean; exps: number[]; live: boolean[] }[];
  budget: number;
}

const layerArb: fc.Arbitrary<Layer> = fc
  .record({ channels: fc.integer({ min: 1, max: 3 }), area: fc.integer({ min: 1, max: 3 }), budget: fc.integer({ min: 1, max: 5 }), n: fc.integer({ min: 1, max: 6 }) })
  .chain(({ channels, area, budget, n }) =>
    fc.record({
      neurons: fc.constant(channels * area),
      area: fc.constant(area),
      budget: fc.constant(budget),
      groups: fc.array(
        fc.record({ cls: fc.integer({ min: 0, max: 2 }), conv: fc.boolean(), frozen: fc.integer({ min: 0, max: 9 }).map((k) => k < 3) }).chain((g) =>
          fc.record({
            cls: fc.constant(g.cls),
            conv: fc.constant(g.conv),
            frozen: fc.constant(g.frozen),
            exps: fc.array(fc.integer({ min: -8, max: 4 }), { minLength: g.conv ? channels : channels * area, maxLength: g.conv ? channels : channels * area }),
            live: fc.array(fc.boolean(), { minLength: g.conv ? channels : channels * area, maxLength: g.conv ? channels : channels * area }),
          }),
        ),
        { minLength: n, maxLength: n },
      ),
    }),
  );

const toBudget = (l: Layer): BudgetGroup[] =>
  l.groups.map((g) => ({
    cls: g.cls,
    exps: Int8Array.from(g.exps),
    live: Uint8Array.from(g.live, (b) => (b ? 1 : 0)),
    rowOf: g.conv ? (i: number) => Math.floor(i / l.area) : (i: number) => i,
    frozen: g.frozen,
  }));

/** Distinct (class, exponent) keys of neuron i. */
function keys(groups: BudgetGroup[], exps: ArrayLike<number>[], i: number): Set<string> {
  const s = new Set<string>();
  groups.forEach((g, gi) => g.live[g.rowOf(i)] && s.add(`${g.cls}:${exps[gi]![g.rowOf(i)]}`));
  return s;
}

/**
 * Brute force for one neuron alone: over every subset of its (class, exponent) points to keep (tops and frozen ones
 * always), the smallest "most bits lost" with at most `budget` kept; Infinity when none fits.
 */
function bestLoss(groups: BudgetGroup[], i: number, budget: number): number {
  const pts = new Map<number, Set<number>>();
  const frozen = new Map<number, Set<number>>();
  groups.forEach((g) => {
    const r = g.rowOf(i);
    if (!g.live[r]) return;
    if (!pts.has(g.cls)) pts.set(g.cls, new Set()), frozen.set(g.cls, new Set());
    pts.get(g.cls)!.add(g.exps[r]!);
    if (g.frozen) frozen.get(g.cls)!.add(g.exps[r]!);
  });
  const all = [...pts].flatMap(([cls, s]) => [...s].map((e) => ({ cls, e })));
  let best = Infinity;
  for (let mask = 0; mask < 1 << all.length; mask++) {
    const kept = all.filter((_, k) => (mask >> k) & 1);
    if (kept.length > budget) continue;
    let loss = 0;
    for (const p of all) {
      const up = kept.filter((q) => q.cls === p.cls && q.e >= p.e).map((q) => q.e);
      if (!up.length || (frozen.get(p.cls)!.has(p.e) && !up.includes(p.e))) {
        loss = Infinity;
        break;
      }
      loss = Math.max(loss, Math.min(...up) - p.e);
    }
    best = Math.min(best, loss);
  }
  return best;
}

describe("fitFormatBudget", () => {
  it("fits every neuron that can fit, raising rows only onto its class's exponents, with the least bits lost", () => {
    fc.assert(
      fc.property(layerArb, (l) => {
        const groups = toBudget(l);
        const r = fitFormatBudget(groups, l.neurons, l.budget);
        let over = 0;
        for (let i = 0; i < l.neurons; i++) {
          const after = keys(groups, r.exps, i).size;
          if (after > l.budget) over++;
          groups.forEach((g, gi) => {
            const row = g.rowOf(i);
            const from = g.exps[row]!;
            const to = r.exps[gi]![row]!;
            expect(to).toBeGreaterThanOrEqual(from);
            if (g.frozen || !g.live[row]) expect(to).toBe(from);
            // The new exponent is one some live row of the same class already had in a neuron sharing this row.
            if (to !== from) expect(groups.some((h) => h.cls === g.cls && [...h.exps].includes(to))).toBe(true);
          });
        }
        expect(r.over).toBe(over);
        // Dense-only layers: neurons are independent, so each is at the brute force's optimum.
        if (l.groups.every((g) => !g.conv))
          for (let i = 0; i < l.neurons; i++) {
            const best = bestLoss(groups, i, l.budget);
            const before = keys(groups, groups.map((g) => g.exps), i).size;
            if (before <= l.budget) expect(groups.every((g, gi) => r.exps[gi]![i] === g.exps[i])).toBe(true);
            else if (best === Infinity) expect(keys(groups, r.exps, i).size).toBeGreaterThan(l.budget);
            else {
              expect(keys(groups, r.exps, i).size).toBeLessThanOrEqual(l.budget);
              const lost = Math.max(0, ...groups.map((g, gi) => (g.live[i] ? r.exps[gi]![i]! - g.exps[i]! : 0)));
              expect(lost).toBe(best);
            }
          }
      }),
      { numRuns: 600, seed: 42 },
    );
  });

  it("changes nothing when every key of the layer fits", () => {
    const g: BudgetGroup = { cls: 0, exps: Int8Array.of(-3, -2, -3), live: Uint8Array.of(1, 1, 1), rowOf: (i) => i, frozen: false };
    const r = fitFormatBudget([g, { ...g, cls: 1 }], 3, 4);
    expect(r).toMatchObject({ rowsRaised: 0, maxBitsLost: 0, over: 0 });
    expect([...r.exps[0]!]).toEqual([-3, -2, -3]);
  });

  it("a summing neuron reading six parts at six exponents, budget 4: two classes, tops kept, 2 bits lost at most", () => {
    // excitatory parts at −1, −2, −3; inhibitory at −1, −3, −4 (as mlp_digits' first layer on Loihi 1 cores of 32 axons).
    const part = (cls: number, e: number): BudgetGroup => ({ cls, exps: Int8Array.of(e), live: Uint8Array.of(1), rowOf: () => 0, frozen: false });
    const groups = [part(1, -1), part(1, -2), part(1, -3), part(2, -1), part(2, -3), part(2, -4)];
    const r = fitFormatBudget(groups, 1, 4);
    expect(keys(groups, r.exps, 0).size).toBe(4);
    expect(r.maxBitsLost).toBe(bestLoss(groups, 0, 4));
    expect(r.maxBitsLost).toBe(1);
    expect(r.exps.map((e) => e[0])).toEqual([-1, -2, -2, -1, -3, -3]);
  });
});
