/**
 * Hand-computed integer traces of single Loihi compartments (shared/spec/targets.md §1.4). The expected numbers
 * are written out with their arithmetic; the simulator must reproduce them exactly.
 * Conventions: a spike emitted at tick t first changes u at t + 1 + delay; contribution = w · 2^(6 + wexp);
 * vth = vthMant · 2^6; spike when v > vth; v ← 0 on a spike; u is not reset.
 */
import { describe, expect, it } from "vitest";
import { loadTarget } from "../../src/hw/target/load.js";
import type { CubaProfile, HwCompartmentPopulation, HwNetwork, HwSynapseGroup } from "../../src/hw/network.js";
import { ttfsInput } from "../../src/hw/network.js";
import { simulateCycle } from "../../src/sim/cycle/engine.js";
import { decayTowardZero, wrapSigned } from "../../src/sim/cycle/arithmetic.js";
import { InputError } from "../../src/util/errors.js";

const loihi1 = loadTarget("loihi1");
const loihi2 = loadTarget("loihi2");
const V23 = 2 ** 23 - 1; // 8388607

function cuba(p: Partial<CubaProfile> = {}): CubaProfile {
  return { neuron: "cuba-lif", decayU: 0, decayV: 0, vthMant: 131071, refractory: 0, vmin: -V23, vmax: V23, ...p };
}

function compartments(n: number, profile: CubaProfile, extra: Partial<HwCompartmentPopulation> = {}): HwCompartmentPopulation {
  return { kind: "compartments", id: "n", shape: [n], neuron: "cuba-lif", profiles: [profile], profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null, ...extra };
}

/** `inputs` source neurons → population "n" through `synapses`; `ticks` ticks. */
function net(ticks: number, inputs: number, pop: HwCompartmentPopulation, synapses: HwSynapseGroup[]): HwNetwork {
  return {
    format: "spikec.hw",
    version: 1,
    target: "loihi1",
    ticks,
    populations: [{ kind: "source", id: "in", shape: [inputs], role: "input", schedule: null }, pop],
    synapses,
    readouts: [],
    notes: [],
  };
}

function dense(weight: number[], weightExp: number | number[] = 0, delay = 0, id = "w"): HwSynapseGroup {
  return { kind: "dense", id, source: "in", target: "n", weight: Int16Array.from(weight), weightExp: typeof weightExp === "number" ? weightExp : Int8Array.from(weightExp), delay };
}

/** u, v and spike of neuron `i` at every tick. */
function traceOf(network: HwNetwork, spikeTicks: number[], target = loihi1, i = 0) {
  const r = simulateCycle(network, target, [ttfsInput("in", Int32Array.from(spikeTicks))], { trace: "n" });
  const t = r.trace!;
  return { u: t.u.map((x) => x[i]), v: t.v.map((x) => x[i]), spikes: t.spike.flatMap((s, tick) => (s[i] ? [tick] : [])), result: r };
}

describe("arithmetic", () => {
  it("decay rounds toward zero, also for negative values", () => {
    // −1001 · (4096 − 1024) / 4096 = −750.75 → −750 (floor would give −751)
    expect(decayTowardZero(-1001, 1024, 4096)).toBe(-750);
    expect(decayTowardZero(1001, 1024, 4096)).toBe(750);
    // −7 · 2048 / 4096 = −3.5 → −3
    expect(decayTowardZero(-7, 2048, 4096)).toBe(-3);
    expect(decayTowardZero(-7, 4096, 4096)).toBe(0); // full decay
    expect(decayTowardZero(-7, 0, 4096)).toBe(-7); // perfect integrator
  });

  it("24-bit two's-complement wrap", () => {
    expect(wrapSigned(2 ** 23, 24)).toBe(-(2 ** 23)); // 8388608 − 16777216
    expect(wrapSigned(8388636, 24)).toBe(-8388580); // 8388636 − 16777216
    expect(wrapSigned(-(2 ** 23) - 1, 24)).toBe(2 ** 23 - 1);
    expect(wrapSigned(12345, 24)).toBe(12345);
  });
});

describe("cuba-lif compartment traces (loihi1)", () => {
  it("ramp: constant u integrates into v, strict v > vth, reset to 0, u kept", () => {
    // input spike at tick 0, w = 10, wexp = 0 → u += 10·2^6 = 640 at tick 1. vth = 20·64 = 1280.
    // t:  0    1    2     3             4    5     6
    // u:  0  640  640   640           640  640   640
    // v:  0  640 1280  1920>1280→0    640 1280  1920→0
    const t = traceOf(net(7, 1, compartments(1, cuba({ vthMant: 20 })), [dense([10])]), [0]);
    expect(t.u).toEqual([0, 640, 640, 640, 640, 640, 640]);
    expect(t.v).toEqual([0, 640, 1280, 0, 640, 1280, 0]);
    expect(t.spikes).toEqual([3, 6]);
  });

  it("u wraps at 24 bits, then v clips at vmin", () => {
    // uInit = 2^23 − 100 = 8388508; vth = 131071·64 = 8388544.
    // t0: u = 8388508, v = 8388508 (≤ 8388544, no spike)
    // t1: u = 8388508 + 2·64 = 8388636 → wraps to 8388636 − 2^24 = −8388580; v = 8388508 − 8388580 = −72
    // t2: u = −8388580; v = −72 − 8388580 = −8388652 → clipped to vmin = −(2^23 − 1) = −8388607
    const pop = compartments(1, cuba(), { uInit: Int32Array.of(8388508) });
    const t = traceOf(net(3, 1, pop, [dense([2])]), [0]);
    expect(t.u).toEqual([8388508, -8388580, -8388580]);
    expect(t.v).toEqual([8388508, -72, -8388607]);
    expect(t.result.overflow).toEqual({ q: 0, u: 1, vmax: 0, vmin: 1 });
  });

  it("v clips at vmax = 2^(9+2k) − 1 (k = 1: 2047)", () => {
    // u = 640 from tick 1: v = 640, 1280, 1920, 2560 → 2047, 2687 → 2047
    const t = traceOf(net(6, 1, compartments(1, cuba({ vmax: 2047 })), [dense([10])]), [0]);
    expect(t.v).toEqual([0, 640, 1280, 1920, 2047, 2047]);
    expect(t.result.overflow.vmax).toBe(2);
  });

  it("refractory period holds v at 0 for R ticks after a spike", () => {
    // as the ramp, R = 2: spike at 3 (v 1920 > 1280); t4, t5: v forced to 0 (u still 640);
    // t6: v = 640; t7: 1280; t8: 1920 → spike
    const t = traceOf(net(9, 1, compartments(1, cuba({ vthMant: 20, refractory: 2 })), [dense([10])]), [0]);
    expect(t.v).toEqual([0, 640, 1280, 0, 0, 0, 640, 1280, 0]);
    expect(t.u).toEqual([0, 640, 640, 640, 640, 640, 640, 640, 640]);
    expect(t.spikes).toEqual([3, 8]);
  });

  it("weight exponents shift the 8-bit mantissa, and the per-synapse clip applies", () => {
    // neuron 0: w = 3,   wexp = 2:  3·2^(6+2) = 768
    // neuron 1: w = −4,  wexp = −3: −4·2^(6−3) = −32
    // neuron 2: w = 6,   wexp = −7: 6·2^(−1) = 3
    // neuron 3: w = −256, wexp = 7: −256·2^13 = −2097152 → clipped to −(2^21 − 2^6) = −2097088
    const syn = dense([3, -4, 6, -256], [2, -3, -7, 7]);
    const r = simulateCycle(net(2, 1, compartments(4, cuba()), [syn]), loihi1, [ttfsInput("in", Int32Array.of(0))], { trace: "n" });
    expect(Array.from(r.trace!.u[1]!)).toEqual([768, -32, 3, -2097088]);
    // v = u at tick 1 (v was 0)
    expect(Array.from(r.trace!.v[1]!)).toEqual([768, -32, 3, -2097088]);
  });

  it("an odd mantissa with 6 + wexp < 0 is not an integer contribution: refused", () => {
    expect(() => simulateCycle(net(2, 1, compartments(1, cuba()), [dense([5], -7)]), loihi1)).toThrow(/5 · 2\^\(6 \+ -7\) is not an integer/);
  });

  it("a delayed synapse arrives at t + 1 + d", () => {
    // spike at tick 0, delay 3 → u changes at tick 4
    const t = traceOf(net(6, 1, compartments(1, cuba()), [dense([10], 0, 3)]), [0]);
    expect(t.u).toEqual([0, 0, 0, 0, 640, 640]);
    expect(t.v).toEqual([0, 0, 0, 0, 640, 1280]);
    expect(() => simulateCycle(net(6, 1, compartments(1, cuba()), [dense([10], 0, 63)]), loihi1)).toThrow(/delay 63 outside the target's 0\.\.62/);
  });

  it("a clock neuron forces the spike at a given tick; a long refractory latches it", () => {
    // input at 0 with w = 1 → u = 64 from tick 1: v = 64, 128, 192, 256, 320 at ticks 1..5 (vth = 100·64 = 6400)
    // clock fires at tick 5, w = 254 → u += 254·64 = 16256 at tick 6: u = 16320, v = 320 + 16320 = 16640 > 6400 → spike
    // refractory 63: v stays 0 afterwards.
    const network = net(10, 1, compartments(1, cuba({ vthMant: 100, refractory: 63 })), [
      dense([1]),
      { kind: "dense", id: "clk", source: "clock", target: "n", weight: Int16Array.of(254), weightExp: 0, delay: 0 },
    ]);
    network.populations.push({ kind: "source", id: "clock", shape: [1], role: "clock", schedule: { offsets: Int32Array.of(0, 1), ticks: Int32Array.of(5) } });
    const t = traceOf(network, [0]);
    expect(t.u).toEqual([0, 64, 64, 64, 64, 64, 16320, 16320, 16320, 16320]);
    expect(t.v).toEqual([0, 64, 128, 192, 256, 320, 0, 0, 0, 0]);
    expect(t.spikes).toEqual([6]);
    expect(t.result.firstSpike.n).toEqual(Int32Array.of(6));
  });

  it("decay of negative u and v rounds toward zero", () => {
    // du = 1024 (u keeps 3/4), dv = 2048 (v keeps 1/2); uInit = −1001, vInit = −7
    // t0: u = rtz(−1001·0.75 = −750.75) = −750; v = rtz(−7·0.5 = −3.5) + u = −3 − 750 = −753
    // t1: u = rtz(−750·0.75 = −562.5) = −562;   v = rtz(−753·0.5 = −376.5) − 562 = −376 − 562 = −938
    // t2: u = rtz(−562·0.75 = −421.5) = −421;   v = rtz(−938·0.5 = −469) − 421 = −890
    const pop = compartments(1, cuba({ decayU: 1024, decayV: 2048 }), { uInit: Int32Array.of(-1001), vInit: Int32Array.of(-7) });
    const t = traceOf(net(3, 1, pop, []), []);
    expect(t.u).toEqual([-750, -562, -421]);
    expect(t.v).toEqual([-753, -938, -890]);
  });

  it("bias mantissa << exponent enters v every tick", () => {
    // bias = 5·2^3 = 40, vth = 1·64: v = 40, 80 > 64 → spike, 40, 80 → spike
    const pop = compartments(1, cuba({ vthMant: 1 }), { biasMant: Int32Array.of(5), biasExp: 3 });
    const t = traceOf(net(4, 1, pop, []), []);
    expect(t.v).toEqual([40, 0, 40, 0]);
    expect(t.u).toEqual([0, 0, 0, 0]);
    expect(t.spikes).toEqual([1, 3]);
  });

  it("the per-tick dendritic sum q wraps at 22 bits on loihi1, not on loihi2", () => {
    // three spikes at tick 0, w = 254, wexp = 7: 254·2^13 = 2080768 each; q = 6242304 ≥ 2^21
    // loihi1: q wraps to 6242304 − 2^22 = 2048000.  loihi2 (no q limit): u = 6242304.
    const network = net(2, 3, compartments(1, cuba()), [dense([254, 254, 254], 7)]);
    const l1 = traceOf(network, [0, 0, 0]);
    expect(l1.u).toEqual([0, 2048000]);
    expect(l1.result.overflow.q).toBe(1);
    const l2 = traceOf(network, [0, 0, 0], loihi2);
    expect(l2.u).toEqual([0, 6242304]);
  });
});

describe("two-phase b1 neuron (loihi2 program)", () => {
  const b1Net = (): HwNetwork => ({
    format: "spikec.hw",
    version: 1,
    target: "loihi2",
    ticks: 12,
    populations: [
      { kind: "source", id: "in", shape: [3], role: "input", schedule: null },
      {
        kind: "compartments", id: "n", shape: [2], neuron: "two-phase-b1",
        profiles: [{ neuron: "two-phase-b1", phase2Start: 4, phase2End: 9, ramp: 100, vthMant: 10, vmin: -V23, vmax: V23 }],
        profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null,
      },
    ],
    // in0 → n0 (w 2 → 128), in1 → n0 (w −2 → −128), in2 → n0 (w 254, arrives in phase 2: ignored)
    synapses: [{ kind: "sparse", id: "s", source: "in", target: "n", pre: Int32Array.of(0, 1, 2), post: Int32Array.of(0, 0, 0), weight: Int16Array.of(2, -2, 254), weightExp: 0, delay: 0 }],
    readouts: [],
    notes: [],
  });

  it("integrates inputs in phase 1, ramps in phase 2, fires once", () => {
    // neuron 0, vth = 10·64 = 640. Spikes: in0 at 0 (u += 128 at t1), in1 at 1 (u −= 128 at t2), in2 at 5 (t6, ignored)
    // t:  0   1    2    3  | 4    5    6    7    8    9            10   11
    // u:  0 128    0    0  | 0    0    0    0    0    0             0    0
    // v:  0 128  128  128  | 228  328  428  528  628  728>640 → 0   0    0   (latched)
    // neuron 1 (no input): v = 100·(t − 3) in phase 2, 600 ≤ 640 at t9, then frozen: never fires
    const t = traceOf(b1Net(), [0, 1, 5], loihi2);
    expect(t.u).toEqual([0, 128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(t.v).toEqual([0, 128, 128, 128, 228, 328, 428, 528, 628, 0, 0, 0]);
    expect(t.spikes).toEqual([9]);
    const n1 = traceOf(b1Net(), [0, 1, 5], loihi2, 1);
    expect(n1.v).toEqual([0, 0, 0, 0, 100, 200, 300, 400, 500, 600, 600, 600]);
    expect(Array.from(t.result.firstSpike.n!)).toEqual([9, -1]);
    expect(t.result.spikeCount.n).toBe(1);
  });

  it("is refused on loihi1, which has no programmable neuron", () => {
    expect(() => simulateCycle(b1Net(), loihi1)).toThrow(InputError);
    expect(() => simulateCycle(b1Net(), loihi1)).toThrow(/needs a two-phase-b1 neuron, which Intel Loihi \(N2\) cannot run/);
  });
});
