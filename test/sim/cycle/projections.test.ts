/**
 * The cycle engine's fast paths against its references, on random small HW IRs:
 * - projections (src/sim/cycle/projections.ts: conv kernels, dense rows, merged pairs) against routing every
 *   synapse through its CSR (compileCycle's csrOnly): every spike, v and u of a population at every tick,
 *   readouts, register events and the synaptic event count are identical;
 * - leaky neurons that sleep at a fixed point of the tick rule against a stepper that updates every neuron every
 *   tick (traces of u and v, spikes, clip counts).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadTarget } from "../../../src/hw/target/load.js";
import type { CubaProfile, HwCompartmentPopulation, HwNetwork, HwProfile, HwSynapseGroup } from "../../../src/hw/network.js";
import { ttfsInput } from "../../../src/hw/network.js";
import { compileCycle, runCycle } from "../../../src/sim/cycle/engine.js";
import { decayTowardZero, wrapSigned } from "../../../src/sim/cycle/arithmetic.js";

const loihi2 = loadTarget("loihi2");
const V23 = 2 ** 23 - 1;

const cuba = (p: Partial<CubaProfile>): CubaProfile => ({ neuron: "cuba-lif", decayU: 0, decayV: 0, vthMant: 300, refractory: 0, vmin: -V23, vmax: V23, ...p });

const compartments = (id: string, shape: number[], profiles: HwProfile[], extra: Partial<HwCompartmentPopulation> = {}): HwCompartmentPopulation => ({
  kind: "compartments", id, shape, neuron: profiles[0]!.neuron, profiles, profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null, ...extra,
});

/** Even mantissas in the loihi2 mixed range (integer contributions for every exponent ≥ −6). */
const weights = (n: number) => fc.array(fc.integer({ min: -128, max: 127 }).map((x) => 2 * x), { minLength: n, maxLength: n });

interface ConvPlan {
  C: number; H: number; W: number; groups: number; coutPerGroup: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number; pads: [number, number, number, number];
}

const convPlanArb: fc.Arbitrary<ConvPlan> = fc
  .record({
    groups: fc.integer({ min: 1, max: 2 }), cinPerGroup: fc.integer({ min: 1, max: 2 }), coutPerGroup: fc.integer({ min: 1, max: 2 }),
    H: fc.integer({ min: 2, max: 7 }), W: fc.integer({ min: 2, max: 7 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
    sh: fc.integer({ min: 1, max: 2 }), sw: fc.integer({ min: 1, max: 2 }), dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
    pads: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
  })
  .map((r) => ({ ...r, C: r.groups * r.cinPerGroup }))
  .filter((r) => r.H + r.pads[0] + r.pads[2] > r.dh * (r.kh - 1) && r.W + r.pads[1] + r.pads[3] > r.dw * (r.kw - 1));

const outSize = (n: number, pa: number, pb: number, k: number, s: number, d: number) => Math.floor((n + pa + pb - d * (k - 1) - 1) / s) + 1;

/**
 * in [C, H, W] → conv (an excitatory/inhibitory pair of groups with the same geometry) → c [Co, Ho, Wo]
 * → dense (a pair, per-target exponents, uniform or per-target delays) → d [nD], plus a clock whose sparse group
 * has duplicate synapses, and a self-connection on c with per-synapse delays (like the lowering's latch).
 */
const caseArb = convPlanArb.chain((p) => {
  const Co = p.groups * p.coutPerGroup;
  const Ho = outSize(p.H, p.pads[0], p.pads[2], p.kh, p.sh, p.dh);
  const Wo = outSize(p.W, p.pads[1], p.pads[3], p.kw, p.sw, p.dw);
  const nC = Co * Ho * Wo;
  const nW = Co * (p.C / p.groups) * p.kh * p.kw;
  return fc.record({
    plan: fc.constant(p),
    ticks: fc.integer({ min: 2, max: 40 }),
    inputTicks: fc.array(fc.integer({ min: -1, max: 30 }), { minLength: p.C * p.H * p.W, maxLength: p.C * p.H * p.W }),
    convW: fc.tuple(weights(nW), weights(nW)),
    convExp: fc.tuple(fc.array(fc.integer({ min: -6, max: 2 }), { minLength: Co, maxLength: Co }), fc.integer({ min: -6, max: 2 })),
    convDelay: fc.integer({ min: 0, max: 3 }),
    nD: fc.integer({ min: 1, max: 6 }),
    denseUniform: fc.boolean(),
    denseSeed: fc.integer({ min: 0, max: 1000 }),
    latch: fc.array(fc.tuple(fc.integer({ min: 0, max: nC - 1 }), fc.integer({ min: 0, max: nC - 1 }), fc.integer({ min: -256, max: 254 }), fc.integer({ min: 0, max: 5 })), { maxLength: 12 }),
    clock: fc.array(fc.tuple(fc.integer({ min: 0, max: nC - 1 }), fc.integer({ min: -128, max: 127 })), { maxLength: 10 }),
    cProfile: fc.record({ decayU: fc.constantFrom(0, 0, 1024, 4096), decayV: fc.constantFrom(0, 0, 4095, 100), vthMant: fc.integer({ min: 1, max: 600 }), refractory: fc.integer({ min: 0, max: 3 }) }),
    dProfile: fc.record({ decayU: fc.constantFrom(0, 4096), decayV: fc.constantFrom(0, 4095), vthMant: fc.integer({ min: 1, max: 600 }), refractory: fc.integer({ min: 0, max: 2 }) }),
  }).map((c) => ({ ...c, Co, Ho, Wo, nC }));
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function buildCase(c: Case): HwNetwork {
  const p = c.plan;
  const nD = c.nD;
  const rnd = (k: number) => (((k * 2654435761 + c.denseSeed * 97) >>> 0) % 255) * 2 - 254;
  const denseW = (salt: number) => Int16Array.from({ length: nD * c.nC }, (_, k) => (k % 3 === salt ? rnd(k) : 0));
  const delays = Uint8Array.from({ length: nD }, (_, i) => (c.denseUniform ? 1 : (i + c.denseSeed) % 3));
  const geometry = { group: p.groups, kernel: [p.kh, p.kw] as [number, number], stride: [p.sh, p.sw] as [number, number], pads: p.pads, dilation: [p.dh, p.dw] as [number, number] };
  const synapses: HwSynapseGroup[] = [
    { kind: "conv", id: "c/exc", source: "in", target: "c", ...geometry, weight: Int16Array.from(c.convW[0].map((w) => Math.abs(w))), weightExp: Int8Array.from(c.convExp[0]), delay: c.convDelay },
    { kind: "sparse", id: "c/latch", source: "c", target: "c", pre: Int32Array.from(c.latch.map((l) => l[0])), post: Int32Array.from(c.latch.map((l) => l[1])), weight: Int16Array.from(c.latch.map((l) => l[2])), weightExp: 0, delay: Uint8Array.from(c.latch.map((l) => l[3])) },
    { kind: "dense", id: "d/exc", source: "c", target: "d", weight: denseW(0), weightExp: Int8Array.from({ length: nD }, (_, i) => (i % 4) - 2), delay: delays },
    { kind: "conv", id: "c/inh", source: "in", target: "c", ...geometry, weight: Int16Array.from(c.convW[1].map((w) => -Math.abs(w))), weightExp: c.convExp[1], delay: c.convDelay },
    { kind: "dense", id: "d/inh", source: "c", target: "d", weight: denseW(1), weightExp: 1, delay: c.denseUniform ? 1 : delays },
    { kind: "sparse", id: "clock", source: "clock", target: "c", pre: new Int32Array(c.clock.length), post: Int32Array.from(c.clock.map((x) => x[0])), weight: Int16Array.from(c.clock.map((x) => 2 * x[1])), weightExp: 0, delay: 1 },
  ];
  return {
    format: "spikec.hw", version: 1, target: "loihi2", ticks: c.ticks,
    populations: [
      { kind: "source", id: "in", shape: [p.C, p.H, p.W], role: "input", schedule: null },
      { kind: "source", id: "clock", shape: [1], role: "clock", schedule: { offsets: Int32Array.of(0, 2), ticks: Int32Array.of(1, Math.floor(c.ticks / 2)) } },
      compartments("c", [c.Co, c.Ho, c.Wo], [cuba(c.cProfile)], { biasMant: Int32Array.from({ length: c.nC }, (_, i) => (i % 5) * 7 - 14), biasExp: 2 }),
      compartments("d", [nD], [cuba(c.dProfile)]),
    ],
    synapses,
    readouts: [{ population: "c", tick: c.ticks - 1, scale: 1, offset: null }, { population: "d", tick: c.ticks - 1, scale: 1, offset: null }],
    notes: [],
  };
}

describe("projections vs per-synapse CSR routing", () => {
  it("random conv (stride, pads, dilation, groups) → dense networks with pairs, duplicates and per-synapse delays: identical runs", () => {
    let structured = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const net = buildCase(c);
        const inputs = [ttfsInput("in", Int32Array.from(c.inputTicks))];
        const fast = compileCycle(net, loihi2);
        const ref = compileCycle(net, loihi2, { csrOnly: true });
        structured += fast.projections.flat().filter((p) => p.csr === null).length;
        for (const pop of ["c", "d"]) {
          const a = runCycle(fast, inputs, { raster: true, trace: pop });
          const b = runCycle(ref, inputs, { raster: true, trace: pop });
          expect(a.raster).toEqual(b.raster);
          expect(a.trace!.u).toEqual(b.trace!.u);
          expect(a.trace!.v).toEqual(b.trace!.v);
          expect(a.readouts).toEqual(b.readouts);
          expect(a.overflow).toEqual(b.overflow);
          expect(a.stats).toEqual(b.stats);
        }
      }),
      { numRuns: 250, seed: 31337 },
    );
    // Conv pairs merge into one projection and dense pairs with equal delays too: 250 cases, ≥ 1 structured each.
    expect(structured).toBeGreaterThanOrEqual(250);
  });

  it("an excitatory/inhibitory conv pair becomes one projection; events still count nonzero synapses", () => {
    const net: HwNetwork = {
      format: "spikec.hw", version: 1, target: "loihi2", ticks: 4,
      populations: [{ kind: "source", id: "in", shape: [1, 3, 3], role: "input", schedule: null }, compartments("c", [1, 3, 3], [cuba({ vthMant: 131071 })])],
      synapses: [
        { kind: "conv", id: "exc", source: "in", target: "c", group: 1, weight: Int16Array.of(2, 0, 0, 0, 4, 0, 0, 0, 6), weightExp: 0, delay: 0, kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1] },
        { kind: "conv", id: "inh", source: "in", target: "c", group: 1, weight: Int16Array.of(0, -2, 0, 0, 0, 0, 0, 0, 0), weightExp: 1, delay: 0, kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1] },
      ],
      readouts: [{ population: "c", tick: 3, scale: 1, offset: null }],
      notes: [],
    };
    const prog = compileCycle(net, loihi2);
    expect(prog.projections[0]!.length).toBe(1);
    // centre pixel spikes at tick 0: every 3×3 output sees one tap; 4 taps are nonzero (2, 4, 6 and −2·2)
    const r = runCycle(prog, [ttfsInput("in", Int32Array.of(-1, -1, -1, -1, 0, -1, -1, -1, -1))]);
    expect(r.stats.synapticEvents).toBe(4);
    // u from tick 1 on, v = 3·u at tick 3 (64 = 2^weightShift): output (oy, ox) sees tap (2 − oy, 2 − ox)
    expect(Array.from(r.readouts[0]!.v)).toEqual([6, 0, 0, 0, 4, 0, 0, -4, 2].map((w) => 3 * 64 * w));
  });
});

// ---------------------------------------------------------------------------------------------------------------

/** Steps every neuron of a one-layer dense network every tick (cuba-lif with decays, bias into v, loihi2). */
function stepEveryTick(net: HwNetwork, inputTicks: number[]) {
  const pop = net.populations[1] as HwCompartmentPopulation;
  const g = net.synapses[0]! as Extract<HwSynapseGroup, { kind: "dense" }>;
  const p = pop.profiles[0] as CubaProfile;
  const n = pop.shape[0]!;
  const nIn = inputTicks.length;
  const vth = p.vthMant * 2 ** loihi2.neuron.threshold.shift;
  const u = new Array<number>(n).fill(0);
  const v = Array.from(pop.vInit ?? new Int32Array(n));
  const cnt = new Array<number>(n).fill(0);
  const trace = { u: [] as number[][], v: [] as number[][], spikes: [] as [number, number][], vmax: 0, vmin: 0 };
  for (let t = 0; t < net.ticks; t++) {
    for (let i = 0; i < n; i++) {
      let q = 0;
      for (let j = 0; j < nIn; j++) if (inputTicks[j] === t - 1) q += g.weight[i * nIn + j]! * 2 ** (6 + (g.weightExp as number));
      const bias = pop.biasMant ? pop.biasMant[i]! * 2 ** (pop.biasExp as number) : 0;
      u[i] = wrapSigned(decayTowardZero(u[i]!, p.decayU, 4096) + q, 24);
      let vn = decayTowardZero(v[i]!, p.decayV, 4096) + u[i]! + bias;
      // A clip is counted only when v keeps the clipped value (not on a refractory or spiking tick).
      const clipped = vn > p.vmax ? 1 : vn < p.vmin ? -1 : 0;
      if (clipped) vn = clipped > 0 ? p.vmax : p.vmin;
      if (cnt[i]! > 0) (vn = 0), cnt[i]!--;
      else if (vn > vth) (vn = 0), (cnt[i] = p.refractory), trace.spikes.push([t, i]);
      else if (clipped) clipped > 0 ? trace.vmax++ : trace.vmin++;
      v[i] = vn;
    }
    trace.u.push([...u]);
    trace.v.push([...v]);
  }
  return trace;
}

describe("leaky neurons asleep at a fixed point", () => {
  const arb = fc.record({
    n: fc.integer({ min: 1, max: 4 }),
    nIn: fc.integer({ min: 1, max: 4 }),
    ticks: fc.integer({ min: 1, max: 60 }),
    decayU: fc.constantFrom(0, 4096, 2048, 1),
    decayV: fc.constantFrom(4095, 4096, 3000, 1),
    vthMant: fc.integer({ min: 1, max: 200 }),
    refractory: fc.integer({ min: 0, max: 3 }),
    vmin: fc.constantFrom(-V23, -2000, 0),
    vmax: fc.constantFrom(V23, 3000),
    seed: fc.integer({ min: 0, max: 10000 }),
    bias: fc.option(fc.integer({ min: -40, max: 40 })),
  });
  it("u, v, spikes and clips agree tick by tick with stepping every neuron, and a settled neuron costs no updates", () => {
    let saved = 0;
    fc.assert(
      fc.property(arb, (c) => {
        const inputTicks = Array.from({ length: c.nIn }, (_, j) => ((c.seed >> j) * 7 + j) % (c.ticks + 3));
        const w = Int16Array.from({ length: c.n * c.nIn }, (_, k) => (((c.seed + k * 31) % 61) - 30) * 2);
        const net: HwNetwork = {
          format: "spikec.hw", version: 1, target: "loihi2", ticks: c.ticks,
          populations: [
            { kind: "source", id: "in", shape: [c.nIn], role: "input", schedule: null },
            compartments("l", [c.n], [cuba({ decayU: c.decayU, decayV: c.decayV, vthMant: c.vthMant, refractory: c.refractory, vmin: c.vmin, vmax: c.vmax })], {
              biasMant: c.bias === null ? null : Int32Array.from({ length: c.n }, (_, i) => c.bias! + i), biasExp: 1,
            }),
          ],
          synapses: [{ kind: "dense", id: "w", source: "in", target: "l", weight: w, weightExp: -1, delay: 0 }],
          readouts: [{ population: "l", tick: c.ticks - 1, scale: 1, offset: null }],
          notes: [],
        };
        const ref = stepEveryTick(net, inputTicks);
        const r = runCycle(compileCycle(net, loihi2), [ttfsInput("in", Int32Array.from(inputTicks.map((t) => (t >= c.ticks ? -1 : t))))], { raster: true, trace: "l" });
        expect(r.trace!.u.map((x) => Array.from(x))).toEqual(ref.u);
        expect(r.trace!.v.map((x) => Array.from(x))).toEqual(ref.v);
        expect(Array.from(r.raster!.l?.tick ?? [], (t, k) => [t, r.raster!.l!.neuron[k]!])).toEqual(ref.spikes);
        expect([r.overflow.vmax, r.overflow.vmin]).toEqual([ref.vmax, ref.vmin]);
        saved += c.n * c.ticks - r.stats.neuronUpdates;
      }),
      { numRuns: 400, seed: 777 },
    );
    expect(saved).toBeGreaterThan(0);
  });

  it("a max-pool-like neuron (v decays fully, u held by its input) settles after one tick and sleeps", () => {
    // u = 640 from tick 1; v = trunc(v/4096) + 640 is 640 from tick 1 on: updated at 1 (input) and 2 (no change), then asleep.
    const net: HwNetwork = {
      format: "spikec.hw", version: 1, target: "loihi2", ticks: 50,
      populations: [{ kind: "source", id: "in", shape: [1], role: "input", schedule: null }, compartments("l", [1], [cuba({ decayV: 4095, vthMant: 131071 })])],
      synapses: [{ kind: "dense", id: "w", source: "in", target: "l", weight: Int16Array.of(10), weightExp: 0, delay: 0 }],
      readouts: [{ population: "l", tick: 49, scale: 1, offset: null }],
      notes: [],
    };
    const r = runCycle(compileCycle(net, loihi2), [ttfsInput("in", Int32Array.of(0))]);
    expect(r.stats.neuronUpdates).toBe(2);
    expect(Array.from(r.readouts[0]!.v)).toEqual([640]);
  });
});
