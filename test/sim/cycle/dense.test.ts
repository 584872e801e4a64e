/**
 * Dense ticks of plain cuba populations (src/sim/cycle/engine.ts runCycle; WebAssembly SIMD: src/sim/cycle/simd.ts
 * denseCuba). The kernel against the tick rule written out here, on random states that hit every branch: jumps that
 * clip at either end, q and u out of their registers (wrapped and saturated), clips, spikes with > and ≥, odd counts.
 * And whole runs of lenet5_fmnist on loihi2 with dense ticks, SIMD and JS, equal sparse-only runs bit for bit (logits,
 * spikes, register events, synaptic events).
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

  it("lenet5_fmnist on loihi2: runs with dense ticks (SIMD and JS) equal sparse-only runs on 40 test images", () => {
    const loihi2 = loadTarget("loihi2");
    const compiled = compile("test/fixtures/lenet5_fmnist.onnx", "test/fixtures/fmnist_calib_x.npy", { model: "alpha" });
    const { array } = loadSamples("test/fixtures/fmnist_test_x.npy", [1, 28, 28]);
    const x = array.data.subarray(0, 40 * 784);
    for (const ticks of [16, 64]) {
      const { hw } = lowerToHw(compiled.net, loihi2, ticks);
      const sparse = simulateCycleBatch(compileCycle(hw, loihi2, { dense: false }), x, 40);
      for (const simd of [true, false]) {
        const dense = simulateCycleBatch(compileCycle(hw, loihi2, { simd }), x, 40);
        expect(Buffer.from(dense.logits.buffer).equals(Buffer.from(sparse.logits.buffer))).toBe(true);
        expect(dense.spikeCount).toEqual(sparse.spikeCount);
        expect(dense.overflow).toEqual(sparse.overflow);
        expect(dense.stats.synapticEvents).toBe(sparse.stats.synapticEvents);
        // dense ticks ran: they step neurons without input too
        expect(dense.stats.neuronUpdates).toBeGreaterThan(sparse.stats.neuronUpdates);
      }
    }
  }, 180_000);
});
