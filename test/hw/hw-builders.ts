/**
 * HW IR networks for tests: one hand-built network that uses every feature (input encoding, clock schedule, conv,
 * dense, sparse, per-neuron arrays, profiles, b1), and a fast-check arbitrary of random networks whose every integer
 * lies within a target's ranges.
 */
import fc from "fast-check";
import type { HwCompartmentPopulation, HwNetwork, HwSynapseGroup } from "../../src/hw/network.js";
import type { Target } from "../../src/hw/target/target.js";
import { maxEffectiveDecay } from "../../src/hw/target/target.js";

const V23 = 2 ** 23 - 1;

/** Valid for loihi2 (b1 population included); `withB1: false` makes it valid for loihi1 too. */
export function featureNetwork(withB1 = true, target = "loihi2"): HwNetwork {
  const conv: HwCompartmentPopulation = {
    kind: "compartments", id: "conv", shape: [2, 3, 3], neuron: "cuba-lif",
    profiles: [
      { neuron: "cuba-lif", decayU: 0, decayV: 0, vthMant: 100, refractory: 0, vmin: -V23, vmax: V23 },
      { neuron: "cuba-lif", decayU: 0, decayV: 0, vthMant: 200, refractory: 0, vmin: -V23, vmax: V23 },
    ],
    profileOf: Uint8Array.from([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]),
    biasMant: Int32Array.from({ length: 18 }, (_, i) => (i % 5) - 2), biasExp: 3,
    uInit: null, vInit: Int32Array.from({ length: 18 }, (_, i) => -64 * i),
  };
  const fc1: HwCompartmentPopulation = {
    kind: "compartments", id: "fc", shape: [3], neuron: "cuba-lif",
    profiles: [{ neuron: "cuba-lif", decayU: 0, decayV: 0, vthMant: 131071, refractory: 0, vmin: -V23, vmax: V23 }],
    profileOf: null, biasMant: null, biasExp: Uint8Array.of(0, 1, 2), uInit: Int32Array.of(5, -5, 0), vInit: null,
  };
  const synapses: HwSynapseGroup[] = [
    { kind: "conv", id: "c1", source: "in", target: "conv", group: 1, weight: Int16Array.from({ length: 2 * 1 * 2 * 2 }, (_, i) => 2 * i - 6),
      weightExp: Int8Array.of(0, -1), delay: 0, kernel: [2, 2], stride: [1, 1], pads: [0, 0, 1, 1], dilation: [1, 1] },
    { kind: "dense", id: "d1", source: "conv", target: "fc", weight: Int16Array.from({ length: 3 * 18 }, (_, i) => 2 * (((i * 37) % 100) - 50)),
      weightExp: 1, delay: Uint8Array.of(0, 2, 62) },
    { kind: "sparse", id: "s1", source: "clock", target: "fc", pre: Int32Array.of(0, 0), post: Int32Array.of(0, 2), weight: Int16Array.of(254, -256),
      weightExp: Int8Array.of(0, 7), delay: 3 },
  ];
  const populations: HwNetwork["populations"] = [
    { kind: "source", id: "in", shape: [1, 3, 3], role: "input", schedule: null,
      encoding: { low: 0, high: 1, firstTick: 0, ticksPerWindow: 8, rounding: "nearest", silentAtLow: false } },
    { kind: "source", id: "clock", shape: [1], role: "clock", schedule: { offsets: Int32Array.of(0, 2), ticks: Int32Array.of(4, 9) } },
    conv,
    fc1,
  ];
  const readouts: HwNetwork["readouts"] = [{ population: "fc", tick: 19, scale: 0.25, offset: Float64Array.of(0.5, -1, 1e-3) }];
  if (withB1) {
    populations.push({
      kind: "compartments", id: "b1", shape: [3], neuron: "two-phase-b1",
      profiles: [{ neuron: "two-phase-b1", phase2Start: 10, phase2End: 18, ramp: 64, vthMant: 10, vmin: -V23, vmax: V23 }],
      profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null,
    });
    synapses.push({ kind: "dense", id: "d2", source: "fc", target: "b1", weight: Int16Array.from({ length: 9 }, (_, i) => 2 * i), weightExp: 0, delay: 0 });
    readouts.push({ population: "b1", tick: 19, scale: 1, offset: null });
  }
  return { format: "spikec.hw", version: 1, target, ticks: 20, populations, synapses, readouts, notes: ["built by hand for tests"] };
}

/** Random layered networks (input → dense/conv/sparse → … ) whose integers all lie within `t`'s ranges. */
export function validNetworkArb(t: Target): fc.Arbitrary<HwNetwork> {
  const mixed = t.synapse.weightRanges.mixed!;
  const weightArb = fc.integer({ min: 0, max: (mixed.max - mixed.min) / mixed.step }).map((k) => mixed.min + k * mixed.step);
  const e = t.synapse.weightExponent ?? { min: 0, max: 0 };
  const expArb = fc.integer({ min: Math.max(e.min, -t.synapse.weightShift), max: e.max });
  const dMax = t.synapse.delay?.max ?? 0;
  const th = t.neuron.threshold;
  const b = t.neuron.bias;
  const refr = t.neuron.refractory;
  const profileArb = fc.record({
    neuron: fc.constant("cuba-lif" as const),
    decayU: fc.integer({ min: 0, max: maxEffectiveDecay(t, "u") }),
    decayV: fc.integer({ min: 0, max: maxEffectiveDecay(t, "v") }),
    vthMant: fc.integer({ min: th.mantissaMin, max: th.mantissaMax }),
    refractory: refr ? fc.integer({ min: Math.max(0, refr.min - 1), max: refr.max - 1 }) : fc.constant(0),
    vmin: fc.constantFrom(...t.neuron.vminChoices),
    vmax: fc.constantFrom(...t.neuron.vmaxChoices),
  });
  const layerArb = fc.record({
    channels: fc.integer({ min: 1, max: 3 }),
    kind: fc.constantFrom("dense", "conv", "sparse"),
    nProfiles: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer({ min: 0, max: 2 ** 30 }),
  });
  return fc
    .record({ layers: fc.array(layerArb, { minLength: 1, maxLength: 3 }), ticks: fc.integer({ min: 1, max: 50 }), side: fc.integer({ min: 2, max: 4 }) })
    .chain(({ layers, ticks, side }) => {
      // Draw every integer from the arbitraries, sized by the (fixed) layer plan.
      const shapes: [number, number, number][] = [[1, side, side]];
      for (const l of layers) shapes.push([l.channels, side, side]);
      const size = (s: number[]) => s.reduce((a, x) => a * x, 1);
      const layerData = layers.map((l, li) => {
        const nS = size(shapes[li]!);
        const nT = size(shapes[li + 1]!);
        const C = shapes[li]![0];
        const nW = l.kind === "dense" ? nS * nT : l.kind === "conv" ? l.channels * C * 9 : Math.min(nS * nT, 10);
        return fc.record({
          profiles: fc.array(profileArb, { minLength: l.nProfiles, maxLength: l.nProfiles }),
          profileOf: fc.array(fc.integer({ min: 0, max: l.nProfiles - 1 }), { minLength: nT, maxLength: nT }),
          bias: fc.option(fc.array(fc.integer({ min: -b.mantissaMax, max: b.mantissaMax }), { minLength: nT, maxLength: nT })),
          biasExp: fc.integer({ min: b.expMin, max: b.expMax }),
          vInit: fc.option(fc.array(fc.integer({ min: -(2 ** 23), max: 2 ** 23 - 1 }), { minLength: nT, maxLength: nT })),
          weight: fc.array(weightArb, { minLength: nW, maxLength: nW }),
          weightExp: expArb,
          delay: fc.integer({ min: 0, max: dMax }),
          pre: fc.array(fc.integer({ min: 0, max: nS - 1 }), { minLength: nW, maxLength: nW }),
          post: fc.array(fc.integer({ min: 0, max: nT - 1 }), { minLength: nW, maxLength: nW }),
        });
      });
      return fc.tuple(...layerData).map((data): HwNetwork => {
        const populations: HwNetwork["populations"] = [{ kind: "source", id: "in", shape: shapes[0]!, role: "input", schedule: null }];
        const synapses: HwSynapseGroup[] = [];
        data.forEach((d, li) => {
          const id = `l${li}`;
          const src = li === 0 ? "in" : `l${li - 1}`;
          populations.push({
            kind: "compartments", id, shape: shapes[li + 1]!, neuron: "cuba-lif", profiles: d.profiles,
            profileOf: Uint8Array.from(d.profileOf), biasMant: d.bias ? Int32Array.from(d.bias) : null, biasExp: d.biasExp,
            uInit: null, vInit: d.vInit ? Int32Array.from(d.vInit) : null,
          });
          const base = { id: `w${li}`, source: src, target: id, weight: Int16Array.from(d.weight), weightExp: d.weightExp };
          const kind = layers[li]!.kind;
          if (kind === "dense") synapses.push({ kind: "dense", ...base, delay: d.delay });
          else if (kind === "conv") synapses.push({ kind: "conv", ...base, group: 1, delay: d.delay, kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1] });
          else synapses.push({ kind: "sparse", ...base, pre: Int32Array.from(d.pre), post: Int32Array.from(d.post), delay: d.delay });
        });
        return {
          format: "spikec.hw", version: 1, target: t.id, ticks, populations, synapses,
          readouts: [{ population: `l${layers.length - 1}`, tick: ticks - 1, scale: 1, offset: null }], notes: [],
        };
      });
    });
}
