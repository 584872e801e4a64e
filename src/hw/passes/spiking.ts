/**
 * Pass 4, spiking rules: builds the HW IR from the integer designs with what the target has.
 *
 * alpha (cuba-lif, du = dv = 0: v integrates u, a sum of step currents):
 * - Integration bias α and padded conv taps: a clock source per layer (neurons with a fixed schedule) whose spikes
 *   switch on per-neuron currents c1 at t1 (and c0 at the input window's start, when a design uses it); each is an
 *   exact integer, a few synapses on the target's exact ladder of exponents (fixed-point.ts: the same ≤ 3 exponents
 *   for every value, so a core's small synapse-format table holds them), arriving with one tick of delay like the latch.
 * - Per-neuron thresholds: one shared threshold Θ per layer (one threshold profile: Loihi 1 has ≤ 7 per core,
 *   Lava's LIF one per process) plus per-neuron initial voltages vInit_i = Θ − θ_i.
 * - Forced spike at t2: the clock pushes u by P_i at t2 (enough to lift the lowest possible v over Θ) and takes it
 *   back at t2 + 1.
 * - Firing gate: v starts G_i below its linear value (in vInit) and the clock adds G_i back in the one tick t1, so
 *   no neuron fires before every input has arrived (an activation above the window fires at t1, clipped).
 * - Latch (at most one spike): a self-inhibiting synapse −(S + D_i) cancels the slope S (u is not reset by a
 *   spike), and +D_i one tick later, so a latched neuron sits at v = −D_i when the push arrives and never reaches
 *   Θ again. A refractory period cannot do it: Loihi 1's is ≤ 63 ticks, Lava's bit-accurate LIF has none.
 * b1 (two-phase neuron program, Loihi 2 only): inputs integrate until t1, then v ramps by S per tick and the program
 *   fires once (its own latch); no clock, no forced spike. Refused on targets without a programmable neuron.
 * Max-pool gates: one compartment per pooled output with full voltage decay (v = u + bias each tick, |v| < 4096),
 *   inputs of weight 128 and threshold 64: it fires at the tick its first input arrives; a channel whose folded
 *   BN sign is −1 (the LAST spike wins) gets a bias −128·(k − 1), so it fires when all its k inputs have arrived.
 *   A self-inhibiting synapse −128·k latches it.
 */
import { product } from "../../ann/graph.js";
import type { GatePopulation, SnnNetwork } from "../../snn/network.js";
import { forEachSynapse, VIRTUAL } from "../../snn/synapses.js";
import { SpikecError } from "../../util/errors.js";
import type { Pass } from "../../util/pass.js";
import type { CubaProfile, HwNetwork, HwPopulation, HwSynapseGroup, SpikeSchedule } from "../network.js";
import { HW_FORMAT } from "../network.js";
import { targetDigest } from "../target/digest.js";
import { isBundledTarget } from "../target/load.js";
import type { Target } from "../target/target.js";
import { maxEffectiveDecay } from "../target/target.js";
import { exactLadder, fullWidthMantissa, splitExact, weightFormat, type Term, type WeightFormat } from "./fixed-point.js";
import type { Lowering, LoweringStats } from "./lowering.js";
import { GATE_WEIGHT, gateInputLimit } from "./ranges.js";
import { maxOf } from "../../util/extrema.js";

/**
 * Inputs this pass adds to a layer neuron beyond its projections: at most 5 clock neurons (one copy) and its latch,
 * rounded up. A neuron's projections may use the rest of a core's input axons (split-fan-in.ts).
 */
export const LOWERING_INPUTS_PER_NEURON = 8;

/** Refuses a neuron model the target cannot run; `file` names the model (its path as typed, where known). */
export function requireNeuronModel(model: SnnNetwork["model"], file: string, target: Target): void {
  if (model === "b1" && !target.neuron.models.includes("two-phase-b1"))
    throw new SpikecError(
      `${file}: the b1 neuron model needs a two-phase neuron (inputs until t1, then a ramp that fires once), ` +
        `which ${target.name} cannot run (its neurons: ${target.neuron.models.join(", ")}; no programmable neuron)`,
      "compile with --neuron alpha for this target, or use a target with programmable neurons such as --target loihi2",
      3,
    );
}

function schedule(ticks: number[][]): SpikeSchedule {
  const offsets = new Int32Array(ticks.length + 1);
  ticks.forEach((t, i) => (offsets[i + 1] = offsets[i]! + t.length));
  return { offsets, ticks: Int32Array.from(ticks.flat()) };
}

/** Synapse list builder for clock and latch groups (per-synapse exponents and delays). */
class SparseList {
  pre: number[] = [];
  post: number[] = [];
  weight: number[] = [];
  exp: number[] = [];
  delay: number[] = [];
  add(pre: number, post: number, terms: Term[], delay = 0): void {
    for (const t of terms) {
      this.pre.push(pre);
      this.post.push(post);
      this.weight.push(t.mant);
      this.exp.push(t.exp);
      this.delay.push(delay);
    }
  }
  group(id: string, source: string, target: string): HwSynapseGroup {
    const uniform = this.delay.every((d) => d === this.delay[0]);
    return {
      kind: "sparse", id, source, target,
      pre: Int32Array.from(this.pre), post: Int32Array.from(this.post), weight: Int16Array.from(this.weight),
      weightExp: Int8Array.from(this.exp), delay: uniform ? (this.delay[0] ?? 0) : Uint8Array.from(this.delay),
    };
  }
  get size(): number {
    return this.pre.length;
  }
  /**
   * Makes the list's weight field full width with a pair of opposite synapses (same tick, net zero) when all its
   * weights are narrow: the clock and latch lists of every layer then share the ladder's format entries (an entry
   * fixes the field width, so narrow and full-width lists of one exponent would take two).
   */
  padToFullWidth(f: WeightFormat): void {
    const full = fullWidthMantissa(f);
    if (this.size === 0 || this.weight.some((w) => Math.abs(w) >= full)) return;
    const exp = exactLadder(f)[0]!;
    this.add(this.pre[0]!, this.post[0]!, [{ mant: full, exp }, { mant: -full, exp }], this.delay[0]!);
  }
}

export const spikingPass: Pass<Lowering, Lowering> = {
  name: "hw-spiking",
  description: "clock neurons, latches, shared thresholds with voltage offsets, max-pool gates: the HW IR",
  run(ir) {
    const { target, snn } = ir;
    requireNeuronModel(snn.model, snn.compiledFrom.model, target);
    const f = weightFormat(target);
    const t = ir.timing!;
    const L = t.latency;
    const vmax = Math.max(...target.neuron.vmaxChoices);
    const vmin = Math.min(...target.neuron.vminChoices);
    const shift = target.neuron.threshold.shift;
    const dvFull = maxEffectiveDecay(target, "v");
    // The latch's delayed half (+D one tick later) needs a synaptic delay of 1; clocks then use it too.
    const clockLead = Math.min(1, target.synapse.delay?.max ?? 0);
    // A clock neuron's spikes reach every core its layer's neurons are placed on, one output axon slot each: a layer
    // over more cores than a core has slots gets a copy of its clock per block of that many neurons (a copy then
    // reaches at most that many cores, whatever the placement).
    const clockBlock = target.coreClasses[0]?.maxOutputAxonSlots ?? Infinity;
    const cuba = (vthMant: number, decayV = 0): CubaProfile => ({ neuron: "cuba-lif", decayU: 0, decayV, vthMant, refractory: 0, vmin, vmax });
    const populations: HwPopulation[] = [];
    const synapses: HwSynapseGroup[] = [];
    const readouts: HwNetwork["readouts"] = [];
    const stats: LoweringStats = { extraNeurons: 0, extraSynapses: 0, relayNeurons: 0, clockNeurons: 0 };
    const ids = new Set<string>();
    const uniqueId = (base: string) => {
      let id = base;
      for (let k = 2; ids.has(id); k++) id = `${base}#${k}`;
      ids.add(id);
      return id;
    };
    for (const p of snn.populations) {
      const pt = t.populations.get(p.id)!;
      const d = ir.designs!.get(p.id);
      const n = product(p.shape);
      if (p.kind === "input") {
        populations.push({
          kind: "source", id: p.id, shape: p.shape, role: "input", schedule: null,
          encoding: { low: p.range.low, high: p.range.high, firstTick: 0, ticksPerWindow: pt.w2 - pt.w1, rounding: "nearest", silentAtLow: snn.model === "b1" },
        });
        continue;
      }
      if (!d) throw new Error(`no design for ${p.id}`);
      if (d.kind === "gate") {
        const kMax = maxOf(d.taps, 1);
        // The gate's inputs (GATE_WEIGHT each, the smallest that fires on one arrival) must stay inside its decay's range.
        const limit = gateInputLimit(target);
        if (kMax > limit)
          throw new SpikecError(
            `max pool ${p.id} (ONNX ${p.origin.map((o) => `${o.name} (${o.op})`).join(", ") || p.id}) has ${kMax} inputs per output; on ${target.name} a max-pool gate holds at most ${limit}`,
            `spikec already splits a pool into a row pool and a column pool when each fits; this one has a row or column of more than ${limit} taps: use a smaller pooling window, or two pools in a row (a 16×1 pool of stride 16 is a 4×1 pool of stride 4 twice)`,
            3,
          );
        const bias = Int32Array.from(d.taps, (k, i) => (d.sign[i]! < 0 ? -(k - 1) : 0));
        const anyBias = bias.some((b) => b !== 0);
        populations.push({
          kind: "compartments", id: p.id, shape: p.shape, neuron: "cuba-lif", profiles: [cuba(1, dvFull)], profileOf: null,
          biasMant: anyBias ? bias : null, biasExp: anyBias ? 7 : 0, uInit: null, vInit: null,
        });
        if (p.kind !== "gate") throw new Error("gate design on a non-gate");
        const src = snn.populations.find((q) => q.id === p.projection.source)!;
        const pool = new SparseList();
        const latch = new SparseList();
        for (let i = 0; i < n; i++) {
          forEachPoolTap(p, src.shape, i, (j) => pool.add(j, i, [{ mant: 2, exp: 0 }]));
          if (d.taps[i]! > 0) latch.add(i, i, [{ mant: -2 * d.taps[i]!, exp: 0 }]);
        }
        synapses.push(pool.group(uniqueId(`${src.id}->${p.id}`), src.id, p.id));
        synapses.push(latch.group(uniqueId(`${p.id}/latch`), p.id, p.id));
        stats.extraSynapses += latch.size;
        continue;
      }
      // The id says which weights the group holds (docs/formats.md; hasMixedSignLists reads it back).
      d.groups.forEach((g) => synapses.push({ ...g.group, id: uniqueId(`${g.source}->${p.id}/${g.part}${g.fine ? ".fine" : ""}`), source: g.source, target: p.id } as HwSynapseGroup));
      if (d.kind === "readout") {
        populations.push({
          kind: "compartments", id: p.id, shape: p.shape, neuron: "cuba-lif", profiles: [cuba(target.neuron.threshold.mantissaMax)], profileOf: null,
          biasMant: null, biasExp: 0, uInit: null, vInit: null,
        });
        readouts.push({ population: p.id, tick: t.readTick, scale: 1 / d.gain, offset: d.offset, relu: d.relu });
        continue;
      }
      if (d.model === "b1") {
        populations.push({
          kind: "compartments", id: p.id, shape: p.shape, neuron: "two-phase-b1",
          profiles: [{ neuron: "two-phase-b1", phase2Start: pt.w1 + 1, phase2End: pt.w2 - 1, ramp: d.slope, vthMant: d.vthMant, vmin, vmax }],
          profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: d.vInit,
        });
        continue;
      }
      populations.push({
        kind: "compartments", id: p.id, shape: p.shape, neuron: "cuba-lif", profiles: [cuba(d.vthMant)], profileOf: null,
        biasMant: null, biasExp: 0, uInit: null, vInit: d.vInit,
      });
      const clockId = uniqueId(`${p.id}/clock`);
      // Clock neurons, only those some neuron uses: an early α current (c0, after alphaStart), the gate's release
      // (arrives at t1), c1 and the gate's end (t1 + 1), the push (t2) and its release (t2 + 1). Each fires `lead`
      // ticks before its latency-only emission tick and its synapses carry that delay: the latch needs a delay
      // field anyway, so clock and latch lists share the same few format entries (exact ladder, delay bits).
      const ticks: number[][] = [];
      const leads: number[] = [];
      const clockNeuron = (arrival: number) => {
        const lead = Math.max(0, Math.min(clockLead, arrival - L));
        ticks.push([arrival - L - lead]);
        leads.push(lead);
        return ticks.length - 1;
      };
      const k0 = d.c0.some((c) => c !== 0) ? clockNeuron(pt.alphaStart + 1) : -1;
      const kGate = d.gate.some((g) => g > 0) ? clockNeuron(pt.w1) : -1;
      const k1 = clockNeuron(pt.w1 + 1);
      const kPush = clockNeuron(pt.w2);
      const kRelease = clockNeuron(pt.w2 + 1);
      const copies = Math.max(1, Math.ceil(n / clockBlock));
      const perCopy = ticks.length;
      const allTicks = Array.from({ length: copies }, () => ticks).flat();
      populations.push({ kind: "source", id: clockId, shape: [allTicks.length], role: "clock", schedule: schedule(allTicks) });
      stats.clockNeurons += allTicks.length;
      const clock = new SparseList();
      const latch = new SparseList();
      const negate = (ts: Term[]) => ts.map((t) => ({ mant: -t.mant, exp: t.exp }));
      const fromClock = (k: number, i: number, terms: Term[]) => clock.add(k + perCopy * Math.floor(i / clockBlock), i, terms, leads[k]!);
      for (let i = 0; i < n; i++) {
        if (k0 >= 0) fromClock(k0, i, splitExact(f, d.c0[i]!));
        fromClock(k1, i, splitExact(f, d.c1[i]!));
        if (d.gate[i]! > 0) {
          const g = splitExact(f, d.gate[i]!);
          fromClock(kGate, i, g);
          fromClock(k1, i, negate(g));
        }
        const push = splitExact(f, d.push[i]!);
        fromClock(kPush, i, push);
        fromClock(kRelease, i, negate(push));
        latch.add(i, i, splitExact(f, -(d.slope + d.latchDepth[i]!)));
        if (d.latchDepth[i]! > 0) latch.add(i, i, splitExact(f, d.latchDepth[i]!), 1);
      }
      clock.padToFullWidth(f);
      latch.padToFullWidth(f);
      synapses.push(clock.group(uniqueId(`${clockId}->${p.id}`), clockId, p.id));
      synapses.push(latch.group(uniqueId(`${p.id}/latch`), p.id, p.id));
      stats.extraSynapses += clock.size + latch.size;
    }
    stats.extraNeurons = stats.clockNeurons;
    const hw: HwNetwork = {
      format: HW_FORMAT, version: 1, target: target.id, targetDigest: targetDigest(target), ...(isBundledTarget(target) ? {} : { targetFile: target.file }),
      ticks: t.ticks, populations, synapses, readouts, notes: [],
    }; // prettier-ignore
    const notes = [
      ...ir.notes,
      snn.model === "alpha"
        ? `spiking rules (alpha on cuba-lif, du = dv = 0): per layer one clock source of 4–5 neurons (a copy per ${clockBlock} neurons of a larger layer: one clock neuron reaches at most as many cores as a core has output axon slots) switches on the integration current at t1 (α, padded conv taps), gates firing until t1 (v held G below, released at t1: an activation above the window fires at t1) and forces the spike at t2 (push, released one tick later); ` +
          `a self-inhibiting synapse −(S + D) then +D latches each neuron (all inputs have arrived when it fires, so u = S is cancelled exactly: at most one spike for any input in range) ` +
          `(no refractory period is long enough on Loihi 1, and Lava's LIF has none); per-neuron thresholds are one shared threshold per layer plus per-neuron initial voltages`
        : `spiking rules (b1 on the two-phase neuron program): inputs integrate until t1, then v ramps by S per tick and fires once; per-neuron thresholds are one shared threshold plus per-neuron initial voltages`,
      // Said only where the network has them (an audit read "max-pool gates" on an MLP and "0 clock neurons" on b1).
      ...(snn.populations.some((p) => p.kind === "gate")
        ? [`max-pool gates: full voltage decay (v = u + bias), inputs of weight ${GATE_WEIGHT} and threshold 64 fire on the first arrival (last arrival with a bias for BN-sign −1 channels), self-inhibition latches them`]
        : []),
      (stats.clockNeurons > 0 || stats.extraSynapses > 0
        ? `extra: ${stats.clockNeurons} clock neurons, ${stats.extraSynapses} clock/latch synapses (exact sums on the weight exponents ${exactLadder(f).join(", ")} only, delay ${clockLead}: few synapse formats per core); `
        : "extra: no clock neurons or clock/latch synapses; ") + `shifts: threshold 2^${shift}`,
    ];
    return { ...ir, hw, stats, notes };
  },
  verify(ir) {
    const hw = ir.hw;
    if (!hw) throw new Error("no HW IR");
    if (hw.readouts.length !== 1) throw new Error("expected one readout");
  },
};

function forEachPoolTap(p: GatePopulation, srcShape: readonly number[], i: number, visit: (j: number) => void): void {
  forEachSynapse(p.projection, srcShape, p.shape, i, (j) => {
    if (j !== VIRTUAL) visit(j);
  });
}

/** Whether a lowered network holds one mixed-sign list per projection (--mixed-sign), read from its groups' ids. */
export function hasMixedSignLists(net: HwNetwork): boolean {
  return net.synapses.some((g) => /\/mixed(#\d+)?$/.test(g.id));
}
