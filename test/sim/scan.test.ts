/** The reference solver for one neuron: bucket sort, binned bound and sweep, against a brute-force evaluation. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { binnedBoundBelow, firstCrossing, scanBuffers, sortEvents } from "../../src/sim/exact/scan.js";

/** V(t) = Σ w·[t − t_k]_+ evaluated directly. */
const potential = (times: number[], weights: number[], t: number) => times.reduce((a, tk, k) => a + weights[k]! * Math.max(0, t - tk), 0);

/** Brute force: the first crossing among candidate segment solutions, checked on the function itself. */
function bruteCrossing(times: number[], weights: number[], th: number, tMax: number): number {
  const kinks = [...new Set(times)].sort((a, b) => a - b);
  const edges = [...kinks, Infinity];
  for (let k = 0; k < kinks.length; k++) {
    const a = kinks[k]!;
    const b = edges[k + 1]!;
    const va = potential(times, weights, a);
    if (va >= th && k > 0) return Math.min(a, tMax);
    const slope = times.reduce((s, tk, j) => s + (tk <= a ? weights[j]! : 0), 0);
    if (slope > 0) {
      const tau = a + (th - va) / slope;
      if (tau >= a && tau < b) return Math.min(tau, tMax);
    }
  }
  return tMax;
}

const events = fc
  .array(fc.record({ t: fc.double({ min: 0, max: 3, noNaN: true }), w: fc.double({ min: -3, max: 3, noNaN: true }) }), { minLength: 1, maxLength: 60 })
  .map((es) => [{ t: 0, w: 1 }, ...es]); // the bias event first, as the simulator does

function load(es: { t: number; w: number }[]) {
  const buf = scanBuffers(es.length);
  es.forEach((e, i) => {
    buf.times[i] = e.t;
    buf.weights[i] = e.w;
  });
  return buf;
}

describe("exact scan", () => {
  it("bucket sort orders any times (ties included)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constantFrom(1, 2)), { minLength: 1, maxLength: 200 }), (ts) => {
        const buf = scanBuffers(ts.length);
        buf.times.set(ts);
        sortEvents(buf, ts.length);
        const sorted = Array.from(buf.order.subarray(0, ts.length), (i) => ts[i]!);
        expect(sorted).toEqual([...ts].sort((a, b) => a - b));
      }),
    );
  });

  it("first crossing equals brute force", () => {
    fc.assert(
      fc.property(events, fc.double({ min: 0.1, max: 5, noNaN: true }), (es, th) => {
        const buf = load(es);
        const r = firstCrossing(buf, es.length, th, 10, 3);
        const expected = bruteCrossing(es.map((e) => e.t), es.map((e) => e.w), th, 10);
        expect(Math.abs(r.time - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, expected));
      }),
      { numRuns: 500 },
    );
  });

  it("the binned bound is sound: when it says 'below', V never reaches ϑ before t1", () => {
    let proved = 0;
    fc.assert(
      fc.property(events, fc.double({ min: 0.1, max: 8, noNaN: true }), (es, th) => {
        const buf = load(es);
        const t1 = 3;
        if (!binnedBoundBelow(buf, es.length, th, t1)) return;
        proved++;
        const ts = es.map((e) => e.t);
        const ws = es.map((e) => e.w);
        // V is piecewise linear: its maximum before t1 is at a kink or at t1.
        const points = [...ts.filter((t) => t < t1), t1];
        for (const t of points) expect(potential(ts, ws, t)).toBeLessThan(th + 1e-9);
      }),
      { numRuns: 1000 },
    );
    expect(proved).toBeGreaterThan(50);
  });
});
