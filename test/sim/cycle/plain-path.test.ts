/**
 * The engine's plain path (updatePlainCuba in src/sim/cycle/engine.ts: layers of non-leaky cuba-lif neurons with one
 * profile, no bias and no refractory ticks, as the lowering emits for a lenet) against stepping every neuron every
 * tick by the target's rule: random dense layer stacks with per-target delays, narrow clip ranges (clips inside
 * jumps), initial u near the register edge and large weights (u wraps), on loihi1 (22-bit q) and loihi2. Every spike,
 * the final v of each layer and every register event agree, and a program run again after another input repeats
 * its result exactly.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadTarget } from "../../../src/hw/target/load.js";
import type { Target } from "../../../src/hw/target/target.js";
import type { CubaProfile, HwCompartmentPopulation, HwNetwork } from "../../../src/hw/network.js";
import { ttfsInput } from "../../../src/hw/network.js";
import { compileCycle, runCycle } from "../../../src/sim/cycle/engine.js";
import { wrapSigned } from "../../../src/sim/cycle/arithmetic.js";

interface Layer {
  n: number;
  profile: CubaProfile;
  w: number[];
  wexp: number;
  delay: number[];
  uInit: number[];
  vInit: number[];
}

interface Case {
  nIn: number;
  ticks: number;
  inputTicks: number[];
  layers: Layer[];
}

const ids = (c: Case) => ["in", ...c.layers.map((_, i) => `l${i}`)];

function network(t: Target, c: Case): HwNetwork {
  const id = ids(c);
  return {
    format: "spikec.hw", version: 1, target: t.id, ticks: c.ticks,
    populations: [
      { kind: "source", id: "in", shape: [c.nIn], role: "input", schedule: null },
      ...c.layers.map((l, i): HwCompartmentPopulation => ({
        kind: "compartments", id: id[i + 1]!, shape: [l.n], neuron: "cuba-lif", profiles: [l.profile], profileOf: null,
        biasMant: null, biasExp: 0, uInit: Int32Array.from(l.uInit), vInit: Int32Array.from(l.vInit),
      })),
    ],
    synapses: c.layers.map((l, i) => ({ kind: "dense" as const, id: `w${i}`, source: id[i]!, target: id[i + 1]!, weight: Int16Array.from(l.w), weightExp: l.wexp, delay: Uint8Array.from(l.delay) })),
    readouts: c.layers.map((_, i) => ({ population: id[i + 1]!, tick: c.ticks - 1, scale: 1, offset: null })),
    notes: [],
  };
}

/** Every neuron, every tick: q (limited to the q register), u ← wrap(u + q), v ← clip(v + u), spike if v > vth. */
function stepEveryTick(t: Target, c: Case) {
  const L = t.timing.synapticLatency;
  const { uBits, qBits } = t.neuron.state;
  const overflow = { q: 0, u: 0, vmax: 0, vmin: 0 };
  const spikeTicks: number[][] = [c.inputTicks.slice()]; // per population, per neuron: its spike tick or −1 (one-spike inputs)
  const spikesAt: boolean[][][] = [Array.from({ length: c.ticks }, (_, tick) => c.inputTicks.map((x) => x === tick))];
  const raster: Record<string, [number, number][]> = {};
  const finalV: number[][] = [];
  c.layers.forEach((l, li) => {
    const id = `l${li + 1 - 1}`;
    const nIn = spikesAt[li]![0]!.length;
    const vth = l.profile.vthMant * 2 ** t.neuron.threshold.shift;
    const u = l.uInit.slice();
    const v = l.vInit.slice();
    const at: boolean[][] = [];
    for (let tick = 0; tick < c.ticks; tick++) {
      const now = new Array<boolean>(l.n).fill(false);
      for (let i = 0; i < l.n; i++) {
        let q = 0;
        const te = tick - L - l.delay[i]!;
        if (te >= 0) for (let j = 0; j < nIn; j++) if (spikesAt[li]![te]![j]) q += l.w[i * nIn + j]! * 2 ** (t.synapse.weightShift + l.wexp);
        if (qBits !== null && wrapSigned(q, qBits) !== q) (overflow.q++, (q = wrapSigned(q, qBits)));
        let un = u[i]! + q;
        if (wrapSigned(un, uBits) !== un) (overflow.u++, (un = wrapSigned(un, uBits)));
        u[i] = un;
        let vn = v[i]! + un;
        const clipped = vn > l.profile.vmax ? 1 : vn < l.profile.vmin ? -1 : 0;
        if (clipped) vn = clipped > 0 ? l.profile.vmax : l.profile.vmin;
        if (vn > vth) {
          vn = 0;
          now[i] = true;
          (raster[id] ??= []).push([tick, i]);
        } else if (clipped) clipped > 0 ? overflow.vmax++ : overflow.vmin++; // counted only if v keeps it
        v[i] = vn;
      }
      at.push(now);
    }
    spikesAt.push(at);
    spikeTicks.push([]);
    finalV.push(v);
  });
  return { raster, finalV, overflow };
}

function caseArb(t: Target): fc.Arbitrary<Case> {
  const vmaxes = t.neuron.vmaxChoices.filter((x) => x < 40000).concat([2 ** 23 - 1]);
  const vmins = t.neuron.vminChoices.filter((x) => x > -40000).concat([-(2 ** 23 - 1)]);
  const edge = 2 ** (t.neuron.state.uBits - 1);
  return fc
    .record({ nIn: fc.integer({ min: 1, max: 5 }), sizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }), ticks: fc.integer({ min: 1, max: 50 }) })
    .chain(({ nIn, sizes, ticks }) => {
      const dims = [nIn, ...sizes];
      return fc.record({
        nIn: fc.constant(nIn),
        ticks: fc.constant(ticks),
        inputTicks: fc.array(fc.integer({ min: -1, max: ticks - 1 }), { minLength: nIn, maxLength: nIn }),
        layers: fc.tuple(
          ...sizes.map((n, li) =>
            fc.constantFrom(...vmins).chain((vmin) =>
              fc.record({
                n: fc.constant(n),
                profile: fc.record({
                  neuron: fc.constant("cuba-lif" as const), decayU: fc.constant(0), decayV: fc.constant(0), vthMant: fc.integer({ min: 1, max: 400 }),
                  refractory: fc.constant(0), vmin: fc.constant(vmin), vmax: fc.constantFrom(...vmaxes),
                }),
                w: fc.array(fc.integer({ min: -128, max: 127 }).map((x) => 2 * x), { minLength: n * dims[li]!, maxLength: n * dims[li]! }),
                wexp: fc.integer({ min: -6, max: 7 }),
                delay: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: n, maxLength: n }),
                uInit: fc.array(fc.oneof(fc.integer({ min: -3000, max: 3000 }), fc.integer({ min: edge - 5000, max: edge - 1 })), { minLength: n, maxLength: n }),
                // up to 3000: above some vmax choices (an initial v outside the clip range is stepped at tick 0)
                vInit: fc.array(fc.integer({ min: Math.max(vmin, -3000), max: 3000 }), { minLength: n, maxLength: n }),
              }),
            ),
          ),
        ),
      });
    });
}

describe("plain cuba-lif path vs stepping every neuron every tick", () => {
  for (const id of ["loihi1", "loihi2"]) {
    const t = loadTarget(id);
    it(`random layer stacks on ${id}: every spike, final v and register event agree`, () => {
      let events = 0;
      fc.assert(
        fc.property(caseArb(t), (c) => {
          const prog = compileCycle(network(t, c), t);
          expect(prog.groups.filter((g) => g !== null).every((g) => g!.plainCuba)).toBe(true);
          const r = runCycle(prog, [ttfsInput("in", Int32Array.from(c.inputTicks))], { raster: true });
          const ref = stepEveryTick(t, c);
          c.layers.forEach((_, i) => {
            const mine = r.raster![`l${i}`];
            // (the order of spikes within a tick is the engine's visiting order, not part of the result)
            const pairs = mine ? Array.from(mine.tick, (tick, k) => [tick, mine.neuron[k]!]) : [];
            expect(pairs.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!)).toEqual(ref.raster[`l${i}`] ?? []);
            expect(Array.from(r.readouts[i]!.v)).toEqual(ref.finalV[i]);
          });
          expect(r.overflow).toEqual(ref.overflow);
          events += ref.overflow.u + ref.overflow.vmax + ref.overflow.vmin + ref.overflow.q;
          // A program is reused across runs (buffers, the calendar before tick 0): another input, then this one again.
          runCycle(prog, [ttfsInput("in", Int32Array.from(c.inputTicks, (x) => (x < 0 ? 0 : -1)))]);
          expect(runCycle(prog, [ttfsInput("in", Int32Array.from(c.inputTicks))], { raster: true })).toEqual(r);
        }),
        { numRuns: 300, seed: 9001 },
      );
      // the cases reach the register edges (wraps and clips), not only the linear middle
      expect(events).toBeGreaterThan(100);
    });
  }
});
