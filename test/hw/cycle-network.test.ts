/**
 * Network-level checks of the cycle engine: conv geometry, readouts, and — over random networks — agreement with
 * a naive reference that updates every neuron at every tick from dense matrices (no rings, no CSR, no skipping).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadTarget } from "../../src/hw/target/load.js";
import type { CubaProfile, HwNetwork } from "../../src/hw/network.js";
import { ttfsInput } from "../../src/hw/network.js";
import { simulateCycle } from "../../src/sim/cycle/engine.js";
import { decayTowardZero, wrapSigned } from "../../src/sim/cycle/arithmetic.js";

const loihi1 = loadTarget("loihi1");
const V23 = 2 ** 23 - 1;

describe("conv synapses and readouts", () => {
  const convNet = (pads: [number, number, number, number], out: number): HwNetwork => ({
    format: "spikec.hw", version: 1, target: "loihi1", ticks: 3,
    populations: [
      { kind: "source", id: "in", shape: [1, 3, 3], role: "input", schedule: null },
      { kind: "compartments", id: "n", shape: [1, out, out], neuron: "cuba-lif",
        profiles: [{ neuron: "cuba-lif", decayU: 0, decayV: 0, vthMant: 131071, refractory: 0, vmin: -V23, vmax: V23 }],
        profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null },
    ],
    // kernel [[2, 4], [6, 8]]
    synapses: [{ kind: "conv", id: "c", source: "in", target: "n", group: 1, weight: Int16Array.of(2, 4, 6, 8), weightExp: 0, delay: 0,
      kernel: [2, 2], stride: [1, 1], pads, dilation: [1, 1] }],
    readouts: [{ population: "n", tick: 2, scale: 0.5, offset: null }],
    notes: [],
  });

  it("a spike at the centre pixel reaches each 2×2 output through the mirrored tap", () => {
    // input (1,1) spikes at tick 0; output (oy,ox) sees it through tap (1−oy, 1−ox):
    // (0,0): 8·64 = 512, (0,1): 6·64 = 384, (1,0): 4·64 = 256, (1,1): 2·64 = 128. At tick 2, v = 2u.
    const r = simulateCycle(convNet([0, 0, 0, 0], 2), loihi1, [{ population: "in", neuron: Int32Array.of(4), tick: Int32Array.of(0) }]);
    expect(r.readouts).toHaveLength(1);
    expect(Array.from(r.readouts[0]!.v)).toEqual([1024, 768, 512, 256]);
    expect(Array.from(r.readouts[0]!.logits)).toEqual([512, 384, 256, 128]); // scale 0.5
    expect(r.stats.synapticEvents).toBe(4);
  });

  it("padding: the corner pixel reaches the four top-left outputs of the 4×4 map", () => {
    // pads 1: output (oy,ox) reads input (oy−1+ky, ox−1+kx); input (0,0) is tap (1−oy, 1−ox) for oy, ox ∈ {0,1}
    const r = simulateCycle(convNet([1, 1, 1, 1], 4), loihi1, [{ population: "in", neuron: Int32Array.of(0), tick: Int32Array.of(0) }]);
    const v = Array.from(r.readouts[0]!.v).map((x) => x / 2 / 64); // v = 2u at tick 2, u = w·64
    expect(v).toEqual([8, 6, 0, 0, 4, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

interface RandomCase {
  nIn: number;
  layers: { n: number; decayU: number; decayV: number; vthMant: number; refractory: number; bias: number[]; w: number[]; wexp: number; delay: number[] }[];
  inputTicks: number[];
  ticks: number;
}

/** Naive reference: dense matrices, every neuron every tick, spike history instead of rings. */
function reference(c: RandomCase): { first: number[][]; v: number[][] } {
  const sizes = [c.nIn, ...c.layers.map((l) => l.n)];
  const spikeAt: boolean[][][] = sizes.map((n) => Array.from({ length: c.ticks }, () => new Array<boolean>(n).fill(false)));
  c.inputTicks.forEach((t, j) => {
    if (t >= 0 && t < c.ticks) spikeAt[0]![t]![j] = true;
  });
  const state = c.layers.map((l) => ({ u: new Array<number>(l.n).fill(0), v: new Array<number>(l.n).fill(0), cnt: new Array<number>(l.n).fill(0) }));
  const first = c.layers.map((l) => new Array<number>(l.n).fill(-1));
  for (let t = 0; t < c.ticks; t++) {
    c.layers.forEach((l, li) => {
      const nS = sizes[li]!;
      const s = state[li]!;
      for (let i = 0; i < l.n; i++) {
        let q = 0;
        for (let j = 0; j < nS; j++) {
          const te = t - 1 - l.delay[i]!; // emitted at te arrives at te + 1 + d
          if (te >= 0 && spikeAt[li]![te]![j]) q += l.w[i * nS + j]! * 2 ** (6 + l.wexp);
        }
        q = wrapSigned(q, 22);
        const u = wrapSigned(decayTowardZero(s.u[i]!, l.decayU, 4096) + q, 24);
        let v = decayTowardZero(s.v[i]!, l.decayV, 4096) + u + l.bias[i]!;
        v = Math.max(-V23, Math.min(V23, v));
        if (s.cnt[i]! > 0) {
          v = 0;
          s.cnt[i]!--;
        } else if (v > l.vthMant * 64) {
          v = 0;
          s.cnt[i] = l.refractory;
          spikeAt[li + 1]![t]![i] = true;
          if (first[li]![i] === -1) first[li]![i] = t;
        }
        s.u[i] = u;
        s.v[i] = v;
      }
    });
  }
  return { first, v: state.map((s) => s.v) };
}

function toNetwork(c: RandomCase): HwNetwork {
  const ids = ["in", ...c.layers.map((_, i) => `l${i}`)];
  return {
    format: "spikec.hw", version: 1, target: "loihi1", ticks: c.ticks,
    populations: [
      { kind: "source", id: "in", shape: [c.nIn], role: "input", schedule: null },
      ...c.layers.map((l, i) => ({
        kind: "compartments" as const, id: ids[i + 1]!, shape: [l.n], neuron: "cuba-lif" as const,
        profiles: [{ neuron: "cuba-lif", decayU: l.decayU, decayV: l.decayV, vthMant: l.vthMant, refractory: l.refractory, vmin: -V23, vmax: V23 } as CubaProfile],
        profileOf: null, biasMant: Int32Array.from(l.bias), biasExp: 0, uInit: null, vInit: null,
      })),
    ],
    synapses: c.layers.map((l, i) => ({ kind: "dense" as const, id: `w${i}`, source: ids[i]!, target: ids[i + 1]!, weight: Int16Array.from(l.w), weightExp: l.wexp, delay: Uint8Array.from(l.delay) })),
    readouts: c.layers.map((_, i) => ({ population: ids[i + 1]!, tick: c.ticks - 1, scale: 1, offset: null })),
    notes: [],
  };
}

const caseArb: fc.Arbitrary<RandomCase> = fc
  .record({ nIn: fc.integer({ min: 1, max: 6 }), sizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }), ticks: fc.integer({ min: 1, max: 40 }) })
  .chain(({ nIn, sizes, ticks }) => {
    const dims = [nIn, ...sizes];
    return fc.record({
      nIn: fc.constant(nIn),
      ticks: fc.constant(ticks),
      inputTicks: fc.array(fc.integer({ min: -1, max: ticks }), { minLength: nIn, maxLength: nIn }),
      layers: fc.tuple(
        ...sizes.map((n, li) =>
          fc.record({
            n: fc.constant(n),
            // mostly non-leaky (the TTFS case, where sleeping matters), sometimes leaky
            decayU: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4096 })),
            decayV: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4096 })),
            vthMant: fc.integer({ min: 1, max: 2000 }),
            refractory: fc.integer({ min: 0, max: 5 }),
            bias: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: -300, max: 300 })), { minLength: n, maxLength: n }),
            w: fc.array(fc.integer({ min: -128, max: 127 }).map((x) => 2 * x), { minLength: n * dims[li]!, maxLength: n * dims[li]! }),
            wexp: fc.integer({ min: -6, max: 7 }),
            delay: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: n, maxLength: n }),
          }),
        ),
      ),
    });
  });

describe("engine vs naive reference on random networks", () => {
  it("first spikes and final v agree exactly, with and without tick skipping", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const ref = reference(c);
        const net = toNetwork(c);
        const inputs = [ttfsInput("in", Int32Array.from(c.inputTicks.map((t) => (t >= c.ticks ? -1 : t))))];
        const fast = simulateCycle(net, loihi1, inputs);
        const slow = simulateCycle(net, loihi1, inputs, { trace: "l0" });
        c.layers.forEach((_, i) => {
          expect(Array.from(fast.firstSpike[`l${i}`]!)).toEqual(ref.first[i]);
          expect(Array.from(fast.readouts[i]!.v)).toEqual(ref.v[i]);
          expect(Array.from(slow.readouts[i]!.v)).toEqual(ref.v[i]);
        });
      }),
      { numRuns: 300, seed: 20240601 },
    );
  });

  it("idle ticks are skipped and a ramping neuron is jumped over: a long delay and a long ramp cost no updates", () => {
    // 1 input → 1 neuron, delay 60, 100 ticks: the neuron sleeps after tick 0 until its input arrives at 61, then
    // ramps with u = 640 without reaching vth; it is jumped from 61 to the readout at 99.
    const c: RandomCase = { nIn: 1, ticks: 100, inputTicks: [0], layers: [{ n: 1, decayU: 0, decayV: 0, vthMant: 131071, refractory: 0, bias: [0], w: [10], wexp: 0, delay: [60] }] };
    const r = simulateCycle(toNetwork(c), loihi1, [ttfsInput("in", Int32Array.of(0))]);
    expect(r.stats.ticksSkipped).toBe(60 + 37); // ticks 1..60 and 62..98
    expect(r.stats.neuronUpdates).toBe(1); // tick 61 (input); the initial state is at rest, no tick-0 update
    expect(r.stats.jumps).toBe(2); // 0..60 before the input, 62..99 at the readout
    expect(Array.from(r.readouts[0]!.v)).toEqual([39 * 640]); // u = 640 from tick 61: v(99) = 39·640
  });

  it("a leaky neuron is stepped every tick while awake (no closed form)", () => {
    const c: RandomCase = { nIn: 1, ticks: 100, inputTicks: [0], layers: [{ n: 1, decayU: 0, decayV: 1, vthMant: 131071, refractory: 0, bias: [0], w: [10], wexp: 0, delay: [60] }] };
    const r = simulateCycle(toNetwork(c), loihi1, [ttfsInput("in", Int32Array.of(0))]);
    expect(r.stats.ticksSkipped).toBe(60);
    expect(r.stats.neuronUpdates).toBe(39); // 61..99: awake from its input on
    expect(r.stats.jumps).toBe(0);
    expect(Array.from(r.readouts[0]!.v)).toEqual(reference(c).v[0]);
  });
});
