/**
 * Dense ticks of plain cuba and b1 populations (src/sim/cycle/engine.ts runCycle; WebAssembly SIMD:
 * src/sim/cycle/simd.ts denseTick). The kernel, for both, on random states that hit every case (jumps and ticks
 * that clip at either end, q and u out of their registers, spikes with > and ≥, b1 neurons latched or past their
 * integration, odd counts), steps a pair of neurons by the tick rule written out here exactly when the pair is in the
 * common case, and lists every other neuron, untouched, for the engine's JS pass. And whole runs of lenet5_fmnist on
 * loihi2 (alpha at 16 and 64 ticks, b1) with dense ticks, SIMD and JS, equal sparse-only runs bit for bit (logits,
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

const caseArb = fc
  .record({
    b1: fc.boolean(),
    n: fc.integer({ min: 1, max: 41 }),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    hi: fc.integer({ min: 50, max: 400 }),
    lo: fc.integer({ min: -400, max: -50 }),
    th: fc.integer({ min: 10, max: 300 }),
    qH: fc.constantFrom(Infinity, 64, 256),
    uH: fc.constantFrom(128, 1024, 2 ** 23),
    ge: fc.boolean(),
    t: fc.integer({ min: 1, max: 12 }),
    // small values far from every limit: the common case
    calm: fc.boolean(),
  })
  .map((c) => ({ ...c, th: c.calm ? c.hi : Math.min(c.th, c.hi) }));

/** One neuron in the common case: after the ticks slept (v += u each) and this one (u += q, v += u); null otherwise. */
function commonCase(c: { t: number; qH: number; uH: number; lo: number; hi: number; th: number; ge: boolean; b1: boolean }, q: number, u: number, v: number, last: number, p2s: number, latched: number): { u: number; v: number } | null {
  const K = c.t - 1 - last;
  const un = u + q;
  const vk = v + K * u;
  const vn = vk + un;
  const inRange = (x: number, h: number) => x >= -h && x < h;
  const inside = (x: number) => x >= c.lo && x <= c.hi;
  if (!inRange(q, c.qH) || !inRange(un, c.uH) || !inside(vk) || !inside(vn)) return null;
  if (c.b1 ? latched !== 0 || p2s <= c.t : c.ge ? vn >= c.th : vn > c.th) return null;
  return { u: un, v: vn };
}

describe("dense ticks", () => {
  it("denseTick steps exactly the pairs in the common case by the rule and lists the others, untouched (plain cuba and b1)", () => {
    expect(cycleSimdAvailable).toBe(true);
    const k = instantiateCycleKernels(1 << 16);
    const B = k.memory.buffer;
    const at = { ring: 0, u: 1024, v: 2048, vmin: 3072, vmax: 4096, last: 5120, stamp: 5632, p2s: 6144, latched: 6656, slow: 7168, stats: 7680 };
    const seen = { cuba: 0, b1: 0, slow: 0, limits: 0 };
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
        const stats = new Float64Array(B, at.stats, 2).fill(0);
        // b1: no threshold while integrating (th = +∞, as the engine passes); plain cuba: no phase arrays (−1)
        const nSlow = k.denseTick(
          at.ring, at.u, at.v, at.vmin, at.vmax, at.last, at.stamp, c.b1 ? at.p2s : -1, c.b1 ? at.latched : -1, n, c.t, c.qH, c.uH,
          c.b1 ? Infinity : c.th, +c.ge, at.slow, at.stats,
        );
        const slow = Array.from(new Int32Array(B, at.slow, nSlow));
        // listed ascending, each once
        expect(slow).toEqual([...new Set(slow)].sort((a, b) => a - b));
        const want = Array.from({ length: n }, (_, i) => commonCase(c, s.ring[i]!, s.u[i]!, s.v[i]!, s.last[i]!, s.p2s[i]!, s.latched[i]!));
        let updates = 0;
        let jumps = 0;
        for (let i = 0; i < n; i++) {
          const pairFast = i - (i % 2) + 1 < n && want[i - (i % 2)] !== null && want[i - (i % 2) + 1] !== null;
          const state = [view.ring[i], view.u[i], view.v[i], view.last[i], view.stamp[i]];
          if (!pairFast) {
            // left to the engine, untouched
            expect(slow.includes(i)).toBe(true);
            expect(state).toEqual([s.ring[i], s.u[i], s.v[i], s.last[i], s.stamp[i]]);
            seen.slow++;
            if (Math.abs(s.ring[i]!) >= c.qH || Math.abs(s.u[i]! + s.ring[i]!) >= c.uH) seen.limits++;
            continue;
          }
          expect(slow.includes(i)).toBe(false);
          expect(state).toEqual([0, want[i]!.u, want[i]!.v, c.t, c.t]);
          updates++;
          jumps += +(s.last[i]! < c.t - 1);
          seen[c.b1 ? "b1" : "cuba"]++;
        }
        expect(Array.from(stats)).toEqual([updates, jumps]);
      }),
      { numRuns: 600, seed: 2611 },
    );
    // the common case taken many times for both models, and many neurons left to the engine, limits among them
    expect(seen.cuba).toBeGreaterThan(500);
    expect(seen.b1).toBeGreaterThan(500);
    expect(seen.slow).toBeGreaterThan(1000);
    expect(seen.limits).toBeGreaterThan(100);
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
