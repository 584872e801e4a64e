/**
 * Between raw values and the HW IR's integers: input values → input spike ticks (the TTFS encoding stated on the
 * input population, `HwInputEncoding` in ./network.ts), and readout potentials → logits (`HwReadout`).
 *
 * These are THE encoding and decoding of the HW IR: the lowering (src/hw/lower.ts) fills in `encoding` and the
 * readout's scale/offset so that these functions invert it, and every runner (sim/cycle, spikec simulate/verify,
 * the bench) goes through them. Change them only together with the lowering.
 */
import { InputError } from "../util/errors.js";
import type { HwInputEncoding, HwInputSpikes, HwNetwork, HwReadout, HwSourcePopulation } from "./network.js";
import { populationSize } from "./network.js";

/** The tick at which one value spikes, or −1 (no spike). `clipped` counts values outside [low, high]. */
export function encodeTick(e: HwInputEncoding, x: number): number {
  let xh = (x - e.low) / (e.high - e.low);
  if (!(xh > 0)) xh = 0; // also NaN
  else if (xh > 1) xh = 1;
  if (e.silentAtLow && xh === 0) return -1;
  const t = (1 - xh) * e.ticksPerWindow;
  return e.firstTick + (e.rounding === "floor" ? Math.floor(t) : Math.round(t));
}

/** The network's input populations (role "input"), in order. */
export function inputPopulations(net: HwNetwork): HwSourcePopulation[] {
  return net.populations.filter((p): p is HwSourcePopulation => p.kind === "source" && p.role === "input");
}

/**
 * Spike ticks of one sample: `x` holds the raw values of every input population, concatenated in population
 * order, each in C order over its shape. Returns one HwInputSpikes per input population (neurons ascending).
 */
export function encodeInputTicks(net: HwNetwork, x: ArrayLike<number>): { spikes: HwInputSpikes[]; clipped: number } {
  const inputs = inputPopulations(net);
  const total = inputs.reduce((a, p) => a + populationSize(p), 0);
  if (x.length !== total) throw new InputError(`a sample has ${x.length} values, but the HW IR's inputs take ${total}`, "pass inputs of the compiled model's input shape");
  let at = 0;
  let clipped = 0;
  const spikes = inputs.map((p) => {
    const e = p.encoding;
    if (!e) throw new InputError(`HW IR input population '${p.id}' has no encoding`, "re-run spikec compile --target … to regenerate hw.json");
    const n = populationSize(p);
    const neuron: number[] = [];
    const tick: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = x[at + i]!;
      if (v < e.low || v > e.high) clipped++;
      const t = encodeTick(e, v);
      if (t >= 0) {
        neuron.push(i);
        tick.push(t);
      }
    }
    at += n;
    return { population: p.id, neuron: Int32Array.from(neuron), tick: Int32Array.from(tick) };
  });
  return { spikes, clipped };
}

/** Logits from a readout's potentials: logit_i = scale · v_i + offset_i, and max(0, logit_i) when the readout has a ReLU. */
export function decodeReadout(r: HwReadout, v: ArrayLike<number>, out = new Float64Array(v.length)): Float64Array {
  for (let i = 0; i < v.length; i++) {
    const x = r.scale * v[i]! + (r.offset ? r.offset[i]! : 0);
    out[i] = r.relu && x < 0 ? 0 : x;
  }
  return out;
}
