/**
 * Exact re-encoding of synapse formats (src/place/formats.ts): which (weight, exponent) pairs may share a format
 * entry, the fewest entries for a set of needs, and end to end on Loihi 1: a layer whose synapses use 10 exponents
 * per neuron (7 format entries per core) is placed, written to cores.json with ≤ 7 entries per core, and the
 * cores.json run matches the HW IR run spike for spike with the same membrane potentials at the readout.
 */
import { describe, expect, it } from "vitest";
import type { HwInputSpikes, HwNetwork } from "../../src/hw/network.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { coverFormats, formatRulesOf, holds, reencode, type FormatDemand } from "../../src/place/formats.js";
import { place } from "../../src/place/place.js";
import { buildCoresConfig } from "../../src/backends/loihi/build.js";
import { compileCores, runCores } from "../../src/backends/loihi/run.js";
import { compileCycle, runCycle } from "../../src/sim/cycle/index.js";
import { rng as seededRng } from "../helpers/rng.js";

const loihi1 = loadTarget("loihi1");
const rules = formatRulesOf(loihi1);
const V = 2 ** 23 - 1;
const demand = (mode: FormatDemand["mode"], exp: number, minW: number, maxW: number, tz: number, delayBits = 0): FormatDemand => ({ mode, exp, weightBits: 8, delayBits, dense: false, minW, maxW, tz });

describe("which re-encodings are exact", () => {
  it("shifting up needs the field's range; shifting down needs trailing zeros; mixed needs even values", () => {
    const f = (mode: FormatDemand["mode"], exp: number) => ({ mode, exp, weightBits: 8, delayBits: 0, dense: false });
    // Mixed −64..62 (even) at exp 2 → exp 1: −128..124 fits −256..254; → exp 0: −256..248 fits; → exp −1: 496 does not.
    expect(holds(demand("mixed", 2, -64, 62, 1), f("mixed", 1), rules)).toBe(true);
    expect(holds(demand("mixed", 2, -64, 62, 1), f("mixed", 0), rules)).toBe(true);
    expect(holds(demand("mixed", 2, -64, 62, 1), f("mixed", -1), rules)).toBe(false);
    // Up one exponent halves the weights: needs a trailing zero, and one more to stay even in mixed mode.
    expect(holds(demand("mixed", 2, -64, 62, 1), f("mixed", 3), rules)).toBe(false);
    expect(holds(demand("mixed", 2, -64, 60, 2), f("mixed", 3), rules)).toBe(true);
    expect(holds(demand("excitatory", 0, 3, 200, 0), f("mixed", 0), rules)).toBe(false);
    expect(holds(demand("excitatory", 0, 4, 200, 1), f("mixed", 0), rules)).toBe(true);
    expect(holds(demand("excitatory", 0, 4, 200, 1), f("inhibitory", 0), rules)).toBe(false);
    // Different delay widths never share.
    expect(holds(demand("mixed", 0, -2, 2, 1, 1), f("mixed", 0), rules)).toBe(false);
    // The contribution is unchanged: 34 · 2^(6−4) = 136 · 2^(6−6).
    expect(reencode(34, -4, { ...f("mixed", -6) }) * 2 ** (6 - 6)).toBe(34 * 2 ** (6 - 4));
  });

  it("the fewest entries: 10 exponents that are 2 exponents in disguise need 2 entries", () => {
    const ds = Array.from({ length: 10 }, (_, k) => (k < 5 ? demand("mixed", -k, -20 * 2 ** k, 20 * 2 ** k, 1 + k) : demand("mixed", 10 - k, -6 * 2 ** (k - 5), 10 * 2 ** (k - 5), 1 + k - 5)));
    const c = coverFormats(ds, rules);
    expect(c.formats.length).toBe(2);
    ds.forEach((d, i) => expect(holds(d, c.formats[c.assign[i]!]!, rules)).toBe(true));
    // Odd weights (no trailing zero) at separate exponents stay separate.
    const odd = [demand("excitatory", -3, 1, 193, 0), demand("inhibitory", -2, -164, -1, 0), demand("mixed", 7, -158, 158, 1)];
    expect(coverFormats(odd, rules).formats.length).toBe(3);
  });
});

/** 16 inputs → 8 neurons; each synapse stores contribution m · 2^(6+E) as (m · 2^j, E − j): 10 raw exponents per neuron. */
function disguisedNet(): HwNetwork {
  const rand = seededRng(11);
  const pre: number[] = [];
  const post: number[] = [];
  const weight: number[] = [];
  const exp: number[] = [];
  for (let i = 0; i < 8; i++)
    for (let j = 0; j < 16; j++) {
      const E = j % 2 === 0 ? 0 : 5;
      const shift = (i + j) % 5;
      const m = 2 * Math.floor(1 + rand() * 7) * (rand() < 0.5 ? -1 : 1);
      pre.push(j);
      post.push(i);
      weight.push(m * 2 ** shift);
      exp.push(E - shift);
    }
  const cuba = { neuron: "cuba-lif" as const, decayU: 0, decayV: 0, vthMant: 300, refractory: 63, vmin: -V, vmax: V };
  return {
    format: "spikec.hw", version: 1, target: "loihi1", ticks: 20, notes: [], readouts: [{ population: "out", tick: 19, scale: 1, offset: null }],
    populations: [
      { kind: "source", id: "in", shape: [16], role: "input", schedule: null, encoding: { low: 0, high: 1, firstTick: 0, ticksPerWindow: 10, rounding: "nearest", silentAtLow: true } },
      { kind: "compartments", id: "out", shape: [8], neuron: "cuba-lif", profiles: [cuba], profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null },
    ],
    synapses: [{ kind: "sparse", id: "in->out", source: "in", target: "out", pre: Int32Array.from(pre), post: Int32Array.from(post), weight: Int16Array.from(weight), weightExp: Int8Array.from(exp), delay: 0 }],
  };
}

describe("re-encoded formats on Loihi 1, end to end", () => {
  it("10 raw exponents per neuron fit the 7-entry table; cores.json runs like the HW IR (spikes and v)", () => {
    const net = disguisedNet();
    const p = place(net, loihi1);
    expect(p.fits).toBe(true);
    expect(p.tiles[0]!.usage.formats.size).toBe(10);
    expect(p.cores.length).toBe(1);
    expect(p.cores[0]!.used["synapse formats"]).toBe(2);
    const cfg = buildCoresConfig(p);
    expect(cfg.cores[0]!.synapseFormats.length).toBe(2);
    // The two entries are the two true exponent classes (E = 0 and E = 5), 5 apart whatever exponents were chosen.
    const [a, b] = cfg.cores[0]!.synapseFormats.map((f) => f.weightExp).sort((x, y) => x - y);
    expect(b! - a!).toBe(5);
    // Every stored weight is inside its format's field.
    const ia = cfg.cores[0]!.inputAxons;
    for (let k = 0; k < ia.weight.length; k++) {
      const f = cfg.cores[0]!.synapseFormats[ia.format[k]!]!;
      const r = loihi1.synapse.weightRanges[f.mode]!;
      expect(ia.weight[k]! >= r.min && ia.weight[k]! <= r.max && ia.weight[k]! % r.step === 0).toBe(true);
      expect(ia.exponent[k]).toBe(f.weightExp);
    }
    const ref = compileCycle(net, loihi1);
    const cores = compileCores(cfg, loihi1);
    const rand = seededRng(5);
    let spikes = 0;
    for (let s = 0; s < 50; s++) {
      const ticks = Array.from({ length: 16 }, () => Math.floor(rand() * 10));
      const input: HwInputSpikes[] = [{ population: "in", neuron: Int32Array.from(ticks.keys()), tick: Int32Array.from(ticks) }];
      const a = runCycle(ref, input, { raster: true });
      const b = runCores(cores, input);
      const ras = a.raster!["out"] ?? { tick: new Int32Array(0), neuron: new Int32Array(0) };
      const want = Array.from(ras.tick, (t, k) => ({ tick: t, neuron: ras.neuron[k]! })).sort((x, y) => x.tick - y.tick || x.neuron - y.neuron);
      expect(b.spikes.get("out")).toEqual(want);
      expect(Array.from(b.logits[0]!)).toEqual(Array.from(a.readouts[0]!.logits));
      spikes += want.length;
    }
    expect(spikes).toBeGreaterThan(0);
  });
});
