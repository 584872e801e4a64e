/**
 * Dense ticks of plain cuba populations (src/sim/cycle/engine.ts runCycle; WebAssembly SIMD: src/sim/cycle/simd.ts
 * denseCuba). The kernel against the tick rule written out here, on random states that hit every branch: jumps that
 * clip at either end, q and u out of their registers (wrapped and saturated), clips, spikes with > and ≥, odd counts;
 * denseB1 (two-phase b1) steps exactly the neurons still integrating without a limit hit and leaves the others to the
 * engine untouched. And whole runs of lenet5_fmnist on loihi2 (alpha at 16 and 64 ticks, b1) with dense ticks, SIMD
 * and JS, equal sparse-only runs bit for bit (logits, spikes, register events, synaptic events).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadTarget } from "../../../src/hw/target/load.js";
import { compileCycle } from "../../../src/sim/cycle/engine.js";
import { cycleSimdAvailable, instantiateCycleKernels } from "../../../src/sim/cycle/simd.js";
import { compile, loadSamples } from "../../../src/compile.js";
import { lowerToHw } from "../../../src/hw/lower.js";
import { simulateCycleBatch } from "../../../src/sim/cycle/batch.js";

interface Rule {
  t: number;
  qH: number;
  uH: number;
  qWrap: boolean;
  uWrap: boolean;
  lo: number;
  hi: number;
  th: number;
  ge: boolean;
}

interface State {
  ring: Float64Array;
  u: Float64Array;
  v: Float64Array;
  last: Int32Array;
  stamp: Int32Array;
}

/** Loihi's register rule (shared/spec/targets.md §1.4) for non-leaky neurons: wrap or saturate to 2·h values. */
function limit(x: number, h: number, wrap: boolean): number {
  if (!wrap) return x < 0 ? -h : h - 1;
  return x - Math.floor((x + h) / (2 * h)) * 2 * h;
}

/** One tick t for every neuron of s, slept since last[i] (v moved by u per tick, clipped): the spikes and counters. */
function reference(s: State, r: Rule): { spiked: number[]; counters: number[] } {
  const spiked: number[] = [];
  const c = [0, 0, 0, 0, 0, 0]; // updates, jumps, clips at vmax, clips at vmin, q out of range, u out of range
  // v kept to [vmin, vmax], each clip counted
  const clip = (v: number): number => {
    if (v > r.hi) {
      c[2]!++;
      return r.hi;
    }
    if (v < r.lo) {
      c[3]!++;
      return r.lo;
    }
    return v;
  };
  for (let i = 0; i < s.u.length; i++) {
    c[0]!++;
    let q = s.ring[i]!;
    s.ring[i] = 0;
    if (q >= r.qH || q < -r.qH) {
      c[4]!++;
      q = limit(q, r.qH, r.qWrap);
    }
    const u0 = s.u[i]!;
    let v = s.v[i]!;
    // the ticks slept: v += u0 each, clipped at vmax (or vmin) from the first tick past it on
    for (let k = s.last[i]! + 1; k < r.t; k++) {
      if (k === s.last[i]! + 1) c[1]!++;
      v = clip(v + u0);
    }
    let u = u0 + q;
    if (u >= r.uH || u < -r.uH) {
      c[5]!++;
      u = limit(u, r.uH, r.uWrap);
    }
    v = clip(v + u);
    if (r.ge ? v >= r.th : v > r.th) {
      spiked.push(i);
      v = 0;
    }
    s.u[i] = u;
    s.v[i] = v;
    s.last[i] = r.t;
    s.stamp[i] = r.t;
  }
  return { spiked, counters: c };
}

const caseArb = fc
  .record({
    n: fc.integer({ min: 1, max: 41 }),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    hi: fc.integer({ min: 50, max: 400 }),
    lo: fc.integer({ min: -400, max: -50 }),
    th: fc.integer({ min: 10, max: 300 }),
    qH: fc.constantFrom(Infinity, 64, 256),
    uH: fc.constantFrom(128, 1024, 2 ** 23),
    qWrap: fc.boolean(),
    uWrap: fc.boolean(),
    ge: fc.boolean(),
    t: fc.integer({ min: 1, max: 12 }),
    // small values far from every limit: the common case, two neurons per step
    calm: fc.boolean(),
  })
  .map((c) => ({ ...c, th: c.calm ? c.hi : Math.min(c.th, c.hi) }));

describe("dense ticks", () => {
  it("denseCuba is the tick rule on every neuron (WebAssembly SIMD)", () => {
    expect(cycleSimdAvailable).toBe(true);
    const k = instantiateCycleKernels(1 << 16);
    const B = k.memory.buffer;
    const at = { ring: 0, u: 1024, v: 2048, last: 3072, stamp: 3584, spiked: 4096, stats: 4608 };
    let hits = { jumpClips: 0, limited: 0, spikes: 0, fast: 0 };
    fc.assert(
      fc.property(caseArb, (c) => {
        let x = c.seed;
        const rnd = (m: number) => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) % (2 * m + 1)) - m;
        const [qm, um, vm] = c.calm ? [5, 5, 20] : [c.qH === Infinity ? 200 : 2 * c.qH, Math.min(c.uH - 1, 60), 300];
        const s: State = {
          ring: Float64Array.from({ length: c.n }, () => (rnd(3) === 0 ? 0 : rnd(qm))),
          u: Float64Array.from({ length: c.n }, () => rnd(um)),
          v: Float64Array.from({ length: c.n }, () => Math.max(c.lo, Math.min(c.hi, rnd(vm)))),
          last: Int32Array.from({ length: c.n }, () => c.t - 1 - Math.max(0, rnd(4))),
          stamp: Int32Array.from({ length: c.n }, () => -1),
        };
        const views = {
          ring: new Float64Array(B, at.ring, c.n), u: new Float64Array(B, at.u, c.n), v: new Float64Array(B, at.v, c.n),
          last: new Int32Array(B, at.last, c.n), stamp: new Int32Array(B, at.stamp, c.n), spiked: new Int32Array(B, at.spiked, c.n),
          stats: new Float64Array(B, at.stats, 6),
        };
        for (const key of ["ring", "u", "v", "last", "stamp"] as const) views[key].set(s[key]);
        views.stats.fill(0);
        const rule: Rule = { t: c.t, qH: c.qH, uH: c.uH, qWrap: c.qWrap, uWrap: c.uWrap, lo: c.lo, hi: c.hi, th: c.th, ge: c.ge };
        const want = reference(s, rule);
        const nSp = k.denseCuba(at.ring, at.u, at.v, at.last, at.stamp, c.n, c.t, c.qH, c.uH, +c.qWrap, +c.uWrap, c.lo, c.hi, c.th, +c.ge, at.spiked, 0, at.stats);
        expect(Array.from(views.spiked.subarray(0, nSp))).toEqual(want.spiked);
        expect(Array.from(views.stats)).toEqual(want.counters);
        for (const key of ["ring", "u", "v", "last", "stamp"] as const) expect(Array.from(views[key])).toEqual(Array.from(s[key]));
        hits = {
          jumpClips: hits.jumpClips + +(want.counters[2]! + want.counters[3]! > 0),
          limited: hits.limited + +(want.counters[4]! + want.counters[5]! > 0),
          spikes: hits.spikes + want.spiked.length,
          fast: hits.fast + +(want.spiked.length === 0 && want.counters.slice(2).every((v) => v === 0) && c.n >= 2),
        };
      }),
      { numRuns: 500, seed: 2611 },
    );
    // every branch taken many times
    expect(hits.jumpClips).toBeGreaterThan(50);
    expect(hits.limited).toBeGreaterThan(50);
    expect(hits.spikes).toBeGreaterThan(200);
    expect(hits.fast).toBeGreaterThan(20);
  });

  it("denseB1 steps the integrating b1 neurons by the rule and lists the others, untouched", () => {
    const k = instantiateCycleKernels(1 << 16);
    const B = k.memory.buffer;
    const at = { ring: 0, u: 1024, v: 2048, vmin: 3072, vmax: 4096, last: 5120, stamp: 5632, p2s: 6144, latched: 6656, slow: 7168, stats: 7680 };
    let seen = { fast: 0, slow: 0 };
    fc.assert(
      fc.property(caseArb, (c) => {
        let x = c.seed;
        const rnd = (m: number) => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) % (2 * m + 1)) - m;
        const [qm, um, vm] = c.calm ? [5, 5, 20] : [c.qH === Infinity ? 200 : 2 * c.qH, Math.min(c.uH - 1, 60), 300];
        const n = c.n;
        const s = {
          ring: Float64Array.from({ length: n }, () => (rnd(3) === 0 ? 0 : rnd(qm))),
          u: Float64Array.from({ length: n }, () => rnd(um)),
          v: Float64Array.from({ length: n }, () => Math.max(c.lo, Math.min(c.hi, rnd(vm)))),
          vmin: Float64Array.from({ length: n }, () => c.lo),
          vmax: Float64Array.from({ length: n }, () => c.hi),
          last: Int32Array.from({ length: n }, () => c.t - 1 - Math.max(0, rnd(4))),
          stamp: Int32Array.from({ length: n }, () => -1),
          p2s: Int32Array.from({ length: n }, () => c.t + (c.calm ? 1 + Math.abs(rnd(3)) : rnd(3))),
          latched: Uint8Array.from({ length: n }, () => (!c.calm && rnd(4) === 4 ? 1 : 0)),
        };
        const view = {
          ring: new Float64Array(B, at.ring, n), u: new Float64Array(B, at.u, n), v: new Float64Array(B, at.v, n), vmin: new Float64Array(B, at.vmin, n),
          vmax: new Float64Array(B, at.vmax, n), last: new Int32Array(B, at.last, n), stamp: new Int32Array(B, at.stamp, n), p2s: new Int32Array(B, at.p2s, n),
          latched: new Uint8Array(B, at.latched, n),
        };
        for (const key of Object.keys(view) as (keyof typeof view)[]) view[key].set(s[key]);
        const stats = new Float64Array(B, at.stats, 6).fill(0);
        const nSlow = k.denseB1(at.ring, at.u, at.v, at.vmin, at.vmax, at.last, at.stamp, at.p2s, at.latched, n, c.t, c.qH, c.uH, at.slow, at.stats);
        const slow = new Set(new Int32Array(B, at.slow, nSlow));
        let updates = 0;
        let jumps = 0;
        for (let i = 0; i < n; i++) {
          if (slow.has(i)) {
            // left to the engine: untouched
            expect([view.ring[i], view.u[i], view.v[i], view.last[i], view.stamp[i]]).toEqual([s.ring[i], s.u[i], s.v[i], s.last[i], s.stamp[i]]);
            seen.slow++;
            continue;
          }
          // integrating: the ticks slept add u, this one adds u + q; nothing clipped, no register limit hit
          const K = c.t - 1 - s.last[i]!;
          const u = s.u[i]! + s.ring[i]!;
          const v = s.v[i]! + K * s.u[i]! + u;
          expect(s.latched[i]).toBe(0);
          expect(s.p2s[i]!).toBeGreaterThan(c.t);
          expect(v >= c.lo && v <= c.hi && s.v[i]! + K * s.u[i]! <= c.hi && s.v[i]! + K * s.u[i]! >= c.lo).toBe(true);
          expect(Math.abs(s.ring[i]!) < c.qH || s.ring[i] === -c.qH).toBe(true);
          expect([view.ring[i], view.u[i], view.v[i], view.last[i], view.stamp[i]]).toEqual([0, u, v, c.t, c.t]);
          updates++;
          jumps += +(K > 0);
          seen.fast++;
        }
        // pairs: a pair is either both fast or both slow, and an odd last neuron is slow
        for (let i = 0; i + 1 < n; i += 2) expect(slow.has(i)).toBe(slow.has(i + 1));
        if (n % 2 === 1) expect(slow.has(n - 1)).toBe(true);
        expect(Array.from(stats.subarray(0, 2))).toEqual([updates, jumps]);
      }),
      { numRuns: 300, seed: 1407 },
    );
    expect(seen.fast).toBeGreaterThan(500);
    expect(seen.slow).toBeGreaterThan(500);
  });

  it("lenet5_fmnist on loihi2: runs with dense ticks (SIMD and JS) equal sparse-only runs on 40 test images", () => {
    const loihi2 = loadTarget("loihi2");
    const { array } = loadSamples("test/fixtures/fmnist_test_x.npy", [1, 28, 28]);
    const x = array.data.subarray(0, 40 * 784);
    for (const [model, ticks] of [["alpha", 16], ["alpha", 64], ["b1", 16]] as const) {
      const compiled = compile("test/fixtures/lenet5_fmnist.onnx", "test/fixtures/fmnist_calib_x.npy", { model });
      const { hw } = lowerToHw(compiled.net, loihi2, ticks);
      const sparse = simulateCycleBatch(compileCycle(hw, loihi2, { dense: false }), x, 40);
      for (const simd of [true, false]) {
        const dense = simulateCycleBatch(compileCycle(hw, loihi2, { simd }), x, 40);
        expect(Buffer.from(dense.logits.buffer).equals(Buffer.from(sparse.logits.buffer))).toBe(true);
        expect(dense.spikeCount).toEqual(sparse.spikeCount);
        expect(dense.overflow).toEqual(sparse.overflow);
        expect(dense.stats.synapticEvents).toBe(sparse.stats.synapticEvents);
        // dense ticks ran: they step neurons without input too
        expect({ model, ticks, more: dense.stats.neuronUpdates > sparse.stats.neuronUpdates }).toEqual({ model, ticks, more: true });
      }
    }
  }, 180_000);
});
