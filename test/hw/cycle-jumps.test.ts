/**
 * The cycle engine's closed-form jumps (src/sim/cycle/linear.ts and the calendar in engine.ts) against plain
 * stepping: unit properties of the closed forms, hand cases at the edges (a crossing exactly on a tick, clipping
 * during a jump, refractory ticks inside a jump, u wrapping only when input arrives), and random cuba-lif and b1
 * networks against a naive simulator that steps every neuron every tick (all spikes, final v and register events).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadTarget } from "../../src/hw/target/load.js";
import type { Target } from "../../src/hw/target/target.js";
import type { B1Profile, CubaProfile, HwCompartmentPopulation, HwInputSpikes, HwNetwork, HwProfile } from "../../src/hw/network.js";
import { populationSize, ttfsInput } from "../../src/hw/network.js";
import { simulateCycle } from "../../src/sim/cycle/engine.js";
import { firstCrossing, rampClip } from "../../src/sim/cycle/linear.js";
import { wrapSigned } from "../../src/sim/cycle/arithmetic.js";

const loihi1 = loadTarget("loihi1");
const loihi2 = loadTarget("loihi2");
const V23 = 2 ** 23 - 1;

describe("closed forms", () => {
  const clip = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
  const arb = fc
    .record({ lo: fc.integer({ min: -5000, max: 0 }), hi: fc.integer({ min: 0, max: 5000 }), s: fc.integer({ min: -700, max: 700 }), k: fc.integer({ min: 0, max: 60 }), th: fc.integer({ min: 0, max: 6000 }), ge: fc.boolean() })
    .chain((r) => fc.record({ ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, fc.constant(v)])), v: fc.integer({ min: r.lo, max: r.hi }) }) as fc.Arbitrary<typeof r & { v: number }>);

  it("rampClip equals stepping v ← clip(v + s), with the clipped ticks counted", () => {
    fc.assert(
      fc.property(arb, ({ v, s, k, lo, hi }) => {
        let x = v;
        let high = 0;
        let low = 0;
        for (let j = 0; j < k; j++) {
          const y = x + s;
          if (y > hi) high++;
          if (y < lo) low++;
          x = clip(y, lo, hi);
        }
        expect(rampClip(v, s, k, lo, hi, { v: 0, clipsHigh: 0, clipsLow: 0 })).toEqual({ v: x, clipsHigh: high, clipsLow: low });
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  it("firstCrossing is the first tick stepping passes the threshold (strict or not)", () => {
    fc.assert(
      fc.property(arb, ({ v, s, lo, hi, th, ge }) => {
        let x = v;
        let first = -1;
        for (let k = 1; k <= 20000 && first < 0; k++) {
          x = clip(x + s, lo, hi);
          if (ge ? x >= th : x > th) first = k;
        }
        expect(firstCrossing(v, s, th, lo, hi, ge)).toBe(first);
      }),
      { numRuns: 2000, seed: 12 },
    );
  });

  it("a crossing exactly on the threshold is not a spike under v > vth, and is under v ≥ vth", () => {
    // v = 0, s = 640, vth = 1280: v(2) = 1280 is not > 1280, v(3) = 1920 is
    expect(firstCrossing(0, 640, 1280, -V23, V23, false)).toBe(3);
    expect(firstCrossing(0, 640, 1280, -V23, V23, true)).toBe(2);
    // vmax equal to the threshold: never (strict), at the clip (≥)
    expect(firstCrossing(0, 640, 2047, -V23, 2047, false)).toBe(-1);
    expect(firstCrossing(0, 640, 2047, -V23, 2047, true)).toBe(4);
  });
});

// ---------------------------------------------------------------------------------------------------------------

/** Steps every compartment of a network of dense groups every tick; returns all spikes, v at the end, register events. */
function naive(net: HwNetwork, t: Target, inputs: HwInputSpikes[]) {
  const T = net.ticks;
  const L = t.timing.synapticLatency;
  const shift = t.neuron.threshold.shift;
  const spikes = new Map<string, boolean[][]>(); // id → [tick][neuron]
  for (const p of net.populations) spikes.set(p.id, Array.from({ length: T }, () => new Array<boolean>(populationSize(p)).fill(false)));
  for (const inp of inputs) inp.neuron.forEach((i, k) => inp.tick[k]! < T && (spikes.get(inp.population)![inp.tick[k]!]![i] = true));
  const comps = net.populations.filter((p): p is HwCompartmentPopulation => p.kind === "compartments");
  const st = comps.map((p) => ({ u: Array.from(p.uInit ?? new Int32Array(populationSize(p))), v: Array.from(p.vInit ?? new Int32Array(populationSize(p))), cnt: new Array<number>(populationSize(p)).fill(0), latched: new Array<boolean>(populationSize(p)).fill(false) }));
  const overflow = { q: 0, u: 0, vmax: 0, vmin: 0 };
  const qBits = t.neuron.state.qBits;
  const raster: Record<string, [number, number][]> = {};
  for (let tick = 0; tick < T; tick++) {
    comps.forEach((p, pi) => {
      const s = st[pi]!;
      const n = populationSize(p);
      for (let i = 0; i < n; i++) {
        let q = 0;
        for (const g of net.synapses) {
          if (g.target !== p.id || g.kind !== "dense") continue;
          const src = net.populations.find((x) => x.id === g.source)!;
          const nS = populationSize(src);
          const d = typeof g.delay === "number" ? g.delay : g.delay[i]!;
          const e = typeof g.weightExp === "number" ? g.weightExp : g.weightExp[i]!;
          const te = tick - L - d;
          if (te < 0) continue;
          for (let j = 0; j < nS; j++) if (spikes.get(g.source)![te]![j]) q += g.weight[i * nS + j]! * 2 ** (t.synapse.weightShift + e);
        }
        if (qBits !== null && wrapSigned(q, qBits) !== q) (overflow.q++, (q = wrapSigned(q, qBits)));
        const prof: HwProfile = p.profiles[p.profileOf ? p.profileOf[i]! : 0]!;
        const vth = prof.vthMant * 2 ** shift;
        const bias = p.biasMant ? p.biasMant[i]! * 2 ** (typeof p.biasExp === "number" ? p.biasExp : p.biasExp[i]!) : 0;
        // A clip is counted only when v keeps the clipped value (not on a refractory or spiking tick).
        let clipped = 0;
        const clipV = (x: number) => ((clipped = x > prof.vmax ? 1 : x < prof.vmin ? -1 : 0), clipped > 0 ? prof.vmax : clipped < 0 ? prof.vmin : x);
        const countClip = () => clipped && (clipped > 0 ? overflow.vmax++ : overflow.vmin++);
        const wrapU = (x: number) => (wrapSigned(x, t.neuron.state.uBits) !== x ? (overflow.u++, wrapSigned(x, t.neuron.state.uBits)) : x);
        let spike = false;
        if (prof.neuron === "cuba-lif") {
          // decays are 0 in these nets (the closed-form case)
          s.u[i] = wrapU(s.u[i]! + q);
          let v = clipV(s.v[i]! + s.u[i]! + bias);
          if (s.cnt[i]! > 0) (v = 0), s.cnt[i]!--;
          else if (v > vth) (spike = true), (v = 0), (s.cnt[i] = prof.refractory);
          else countClip();
          s.v[i] = v;
        } else if (!s.latched[i]) {
          const b = prof as B1Profile;
          if (tick < b.phase2Start) {
            s.u[i] = wrapU(s.u[i]! + q);
            s.v[i] = clipV(s.v[i]! + s.u[i]!);
            countClip();
          } else if (tick <= b.phase2End) {
            let v = clipV(s.v[i]! + b.ramp);
            if (v > vth) (spike = true), (v = 0), (s.latched[i] = true);
            else countClip();
            s.v[i] = v;
          }
        }
        if (spike) {
          spikes.get(p.id)![tick]![i] = true;
          (raster[p.id] ??= []).push([tick, i]);
        }
      }
    });
  }
  return { raster, v: Object.fromEntries(comps.map((p, pi) => [p.id, st[pi]!.v])), overflow };
}

function engineRaster(net: HwNetwork, t: Target, inputs: HwInputSpikes[]) {
  const r = simulateCycle(net, t, inputs, { raster: true });
  const raster: Record<string, [number, number][]> = {};
  for (const p of net.populations) {
    if (p.kind !== "compartments") continue;
    const x = r.raster?.[p.id];
    if (!x) continue;
    const pairs = Array.from(x.tick, (tick, k) => [tick, x.neuron[k]!] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    raster[p.id] = pairs;
  }
  return { raster, r };
}

const cubaNet = (ticks: number, w: number[], profile: Partial<CubaProfile>, extra: Partial<HwCompartmentPopulation> = {}): HwNetwork => ({
  format: "spikec.hw", version: 1, target: "loihi1", ticks,
  populations: [
    { kind: "source", id: "in", shape: [w.length], role: "input", schedule: null },
    { kind: "compartments", id: "n", shape: [1], neuron: "cuba-lif",
      profiles: [{ neuron: "cuba-lif", decayU: 0, decayV: 0, vthMant: 131071, refractory: 0, vmin: -V23, vmax: V23, ...profile }],
      profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null, ...extra },
  ],
  synapses: [{ kind: "dense", id: "w", source: "in", target: "n", weight: Int16Array.from(w), weightExp: 0, delay: 0 }],
  readouts: [{ population: "n", tick: ticks - 1, scale: 1, offset: null }],
  notes: [],
});

describe("jumps in the engine, hand cases", () => {
  it("a crossing exactly at a tick boundary: v = vth does not fire, the next tick does (ramp of 640 against 1280)", () => {
    const net = cubaNet(10, [10], { vthMant: 20 });
    const inp = [ttfsInput("in", Int32Array.of(0))];
    const { raster, r } = engineRaster(net, loihi1, inp);
    expect(raster.n).toEqual([[3, 0], [6, 0], [9, 0]]); // v: 640, 1280, 1920 → 0, …
    expect(r.stats.neuronUpdates).toBe(1 + 3); // the input at tick 1 and the three spikes; the rest is jumped
    expect(raster).toEqual(naive(net, loihi1, inp).raster);
  });

  it("clip during a jump: v sticks at vmax = 2047 and every clipped tick is counted", () => {
    // u = 640 from tick 1: v = 640, 1280, 1920, then 2560 → 2047 at ticks 4..29 (26 clips), no spike (vth far above)
    const net = cubaNet(30, [10], { vmax: 2047 });
    const inp = [ttfsInput("in", Int32Array.of(0))];
    const { r } = engineRaster(net, loihi1, inp);
    expect(Array.from(r.readouts[0]!.v)).toEqual([2047]);
    expect(r.overflow.vmax).toBe(26);
    expect(r.stats.neuronUpdates).toBe(1); // only the input tick
    expect(r.overflow).toEqual(naive(net, loihi1, inp).overflow);
  });

  it("clip at vmin during a jump with a negative slope", () => {
    // u = −640: v = −640·t clips at vmin = −(2^11 − 1) = −2047 from tick 4
    const net = cubaNet(30, [-10], { vmin: -2047 });
    const inp = [ttfsInput("in", Int32Array.of(0))];
    const { r } = engineRaster(net, loihi1, inp);
    expect(Array.from(r.readouts[0]!.v)).toEqual([-2047]);
    expect(r.overflow.vmin).toBe(26);
  });

  it("refractory ticks inside a jump: v held at 0 for R ticks after each spike, then the ramp resumes", () => {
    // R = 2: spike at 3 (v 1920), v = 0 at 4, 5 (refractory), ramp 640, 1280, 1920 → spike at 8, 13, 18 …
    const net = cubaNet(20, [10], { vthMant: 20, refractory: 2 });
    const inp = [ttfsInput("in", Int32Array.of(0))];
    const { raster, r } = engineRaster(net, loihi1, inp);
    expect(raster.n!.map((x) => x[0])).toEqual([3, 8, 13, 18]);
    expect(Array.from(r.readouts[0]!.v)).toEqual([0]); // tick 19 is the first refractory tick after the spike at 18
    expect(raster).toEqual(naive(net, loihi1, inp).raster);
  });

  it("u wraps only when input arrives, never during a jump (u is constant between inputs)", () => {
    // uInit = 2^23 − 100; an input of +128·64 at tick 1 wraps u to a large negative value once; afterwards v falls
    // and clips at vmin while u stays put: one u event, then only v clips.
    const net = cubaNet(40, [128], {}, { uInit: Int32Array.of(2 ** 23 - 100) });
    const inp = [ttfsInput("in", Int32Array.of(0))];
    const { r } = engineRaster(net, loihi1, inp);
    const ref = naive(net, loihi1, inp);
    expect(r.overflow.u).toBe(1);
    expect(r.overflow).toEqual(ref.overflow);
    expect(Array.from(r.readouts[0]!.v)).toEqual(ref.v.n);
  });
});

// ---------------------------------------------------------------------------------------------------------------

interface Layer {
  n: number;
  b1: boolean;
  profiles: HwProfile[];
  profileOf: number[];
  bias: number[] | null;
  biasExp: number;
  vInit: number[] | null;
  w: number[];
  wexp: number;
  delay: number[];
}

function layeredNet(t: Target, nIn: number, ticks: number, layers: Layer[]): HwNetwork {
  const ids = ["in", ...layers.map((_, i) => `l${i}`)];
  return {
    format: "spikec.hw", version: 1, target: t.id, ticks,
    populations: [
      { kind: "source", id: "in", shape: [nIn], role: "input", schedule: null },
      ...layers.map((l, i): HwCompartmentPopulation => ({
        kind: "compartments", id: ids[i + 1]!, shape: [l.n], neuron: l.b1 ? "two-phase-b1" : "cuba-lif", profiles: l.profiles,
        profileOf: Uint8Array.from(l.profileOf), biasMant: l.bias ? Int32Array.from(l.bias) : null, biasExp: l.biasExp, uInit: null, vInit: l.vInit ? Int32Array.from(l.vInit) : null,
      })),
    ],
    synapses: layers.map((l, i) => ({ kind: "dense" as const, id: `w${i}`, source: ids[i]!, target: ids[i + 1]!, weight: Int16Array.from(l.w), weightExp: l.wexp, delay: Uint8Array.from(l.delay) })),
    readouts: layers.map((_, i) => ({ population: ids[i + 1]!, tick: ticks - 1, scale: 1, offset: null })),
    notes: [],
  };
}

function layeredArb(t: Target, allowB1: boolean) {
  const vmaxes = t.neuron.vmaxChoices.filter((x) => x < 40000).concat([V23]);
  const vmins = t.neuron.vminChoices.filter((x) => x > -40000).concat([-V23]);
  const refrMax = t.neuron.refractory ? 6 : 0;
  return fc
    .record({ nIn: fc.integer({ min: 1, max: 5 }), sizes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }), ticks: fc.integer({ min: 1, max: 60 }) })
    .chain(({ nIn, sizes, ticks }) => {
      const dims = [nIn, ...sizes];
      const cuba = fc.record({ neuron: fc.constant("cuba-lif" as const), decayU: fc.constant(0), decayV: fc.constant(0), vthMant: fc.integer({ min: 1, max: 400 }), refractory: fc.integer({ min: 0, max: refrMax }), vmin: fc.constantFrom(...vmins), vmax: fc.constantFrom(...vmaxes) });
      const b1 = fc
        .record({ a: fc.integer({ min: 0, max: ticks }), len: fc.integer({ min: 0, max: 30 }), ramp: fc.integer({ min: -200, max: 2000 }), vthMant: fc.integer({ min: 1, max: 400 }), vmin: fc.constantFrom(...vmins), vmax: fc.constantFrom(...vmaxes) })
        .map((r): B1Profile => ({ neuron: "two-phase-b1", phase2Start: r.a, phase2End: r.a + r.len, ramp: r.ramp, vthMant: r.vthMant, vmin: r.vmin, vmax: r.vmax }));
      return fc.record({
        nIn: fc.constant(nIn),
        ticks: fc.constant(ticks),
        inputTicks: fc.array(fc.integer({ min: -1, max: ticks }), { minLength: nIn, maxLength: nIn }),
        layers: fc.tuple(
          ...sizes.map((n, li) =>
            fc.boolean().chain((isB1) => {
              const useB1 = allowB1 && isB1;
              return fc.record({
                n: fc.constant(n),
                b1: fc.constant(useB1),
                profiles: fc.array(useB1 ? (b1 as fc.Arbitrary<HwProfile>) : (cuba as fc.Arbitrary<HwProfile>), { minLength: 1, maxLength: 2 }),
                profileOf: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
                bias: useB1 ? fc.constant(null) : fc.option(fc.array(fc.integer({ min: -300, max: 300 }), { minLength: n, maxLength: n })),
                biasExp: fc.integer({ min: 0, max: 3 }),
                vInit: fc.option(fc.array(fc.integer({ min: -3000, max: 3000 }), { minLength: n, maxLength: n })),
                w: fc.array(fc.integer({ min: -128, max: 127 }).map((x) => 2 * x), { minLength: n * dims[li]!, maxLength: n * dims[li]! }),
                wexp: fc.integer({ min: -6, max: 4 }),
                delay: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: n, maxLength: n }),
              });
            }),
          ),
        ),
      });
    })
    .map((c) => {
      // profileOf must point at an existing profile
      for (const l of c.layers) l.profileOf = l.profileOf.map((k) => Math.min(k, l.profiles.length - 1));
      return c;
    });
}

describe("jumps in the engine vs stepping every neuron every tick", () => {
  for (const [t, allowB1] of [[loihi1, false], [loihi2, true]] as const) {
    it(`random ${allowB1 ? "cuba-lif and b1" : "cuba-lif"} networks on ${t.id}: every spike, final v and every register event agree`, () => {
      fc.assert(
        fc.property(layeredArb(t, allowB1), (c) => {
          const net = layeredNet(t, c.nIn, c.ticks, c.layers as Layer[]);
          const inputs = [ttfsInput("in", Int32Array.from(c.inputTicks.map((x) => (x >= c.ticks ? -1 : x))))];
          const ref = naive(net, t, inputs);
          const { raster, r } = engineRaster(net, t, inputs);
          expect(raster).toEqual(ref.raster);
          c.layers.forEach((_, i) => expect(Array.from(r.readouts[i]!.v)).toEqual(ref.v[`l${i}`]));
          expect(r.overflow).toEqual(ref.overflow);
        }),
        { numRuns: 300, seed: 424242 },
      );
    });
  }
});
