/**
 * The report's hardware pictures (src/report/data.ts `quantization` and `cycle`): the bit-accurate cycle simulator
 * run on the report's samples next to the exact simulator, spike ticks converted back to SNN time (input windows).
 *
 * A spike at tick s of a population with window [w1, w2] and tick length δ (src/hw/passes/lowering.ts) encodes the
 * activation x = (w2 − s)·δ, i.e. the SNN spike time t = tMax − (w2 − s)·δ (tMax of the SNN population's window).
 */
import { product } from "../ann/graph.js";
import type { Population, SnnNetwork } from "../snn/network.js";
import { compileCycle, runCycle } from "../sim/cycle/engine.js";
import { argmaxRows } from "../verify/compare.js";
import type { CycleSection, QuantizationRow, QuantizationSection } from "../report/data.js";
import { encodeInputTicks } from "./io.js";
import type { HwNetwork } from "./network.js";
import { deltaAt, type Timing } from "./passes/lowering.js";
import { chipWindows } from "./chip-windows.js";
import type { Target } from "./target/target.js";

/** What the exact simulator gave on the same samples (times per population [n · size], Infinity = no spike). */
export interface ExactRun {
  times: Map<string, Float64Array>;
  logits: Float64Array;
}

export interface HardwareSections {
  quantization: QuantizationSection;
  cycle: CycleSection;
}

const round6 = (x: number): number => (x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(6)));

/** SNN time of a spike at tick s (−1 = none → Infinity). */
function timeOf(p: Population, timing: Timing, s: number, i: number): number {
  if (s < 0) return Infinity;
  const pt = timing.populations.get(p.id)!;
  return p.window.tMax - (pt.w2 - s) * deltaAt(pt, i);
}

/**
 * Runs `hw` on samples x [n, …] (the report's samples) and compares spike times and logits with the exact run.
 * `rasterSample` picks the sample whose cycle spikes are drawn over the exact raster.
 */
export function hardwareReportSections(snn: SnnNetwork, hw: HwNetwork, target: Target, timing: Timing, x: Float64Array, n: number, exact: ExactRun, rasterSample = 0): HardwareSections {
  const prog = compileCycle(hw, target);
  const size = x.length / n;
  const pops = snn.populations.filter((p) => p.kind !== "readout");
  const acc = new Map(pops.map((p) => [p.id, { sum: 0, max: 0, sumTicks: 0, maxTicks: 0, missing: 0, extra: 0, spikes: 0, clipped: 0, maxTicksInWindow: 0 }]));
  // An activation above its chip window is clipped there: counted apart, so the largest error says what the grid does.
  const windows = chipWindows(snn, timing, { gates: true });
  const classes = exact.logits.length / Math.max(1, n);
  const logits = new Float64Array(n * classes);
  const cycle: CycleSection = { target: target.id, tickWindows: NaN, populations: [] };
  for (let s = 0; s < n; s++) {
    const { spikes } = encodeInputTicks(hw, x.subarray(s * size, (s + 1) * size));
    const r = runCycle(prog, spikes);
    logits.set(r.readouts[0]!.logits, s * classes);
    for (const p of pops) {
      const k = product(p.shape);
      const ticks = new Int32Array(k).fill(-1);
      if (p.kind === "input") {
        const inp = spikes.find((q) => q.population === p.id);
        inp?.neuron.forEach((i, j) => (ticks[i] = inp.tick[j]!));
      } else ticks.set(r.firstSpike[p.id]!);
      const te = exact.times.get(p.id)!.subarray(s * k, (s + 1) * k);
      const a = acc.get(p.id)!;
      const w = windows.get(p.id);
      const neuron: number[] = [];
      const time: number[] = [];
      for (let i = 0; i < k; i++) {
        const tc = timeOf(p, timing, ticks[i]!, i);
        const fc = Number.isFinite(tc);
        const fe = Number.isFinite(te[i]!);
        if (fc && !fe) a.extra++;
        else if (!fc && fe) a.missing++;
        else if (fc && fe) {
          const d = Math.abs(tc - te[i]!);
          // In this neuron's own ticks: hidden layers (and channels) have ticks of their own length.
          const dt = d / deltaAt(timing.populations.get(p.id)!, i);
          a.sum += d;
          a.max = Math.max(a.max, d);
          a.sumTicks += dt;
          a.maxTicks = Math.max(a.maxTicks, dt);
          a.spikes++;
          if (w && p.window.tMax - te[i]! > w.encoded[i]!) a.clipped++;
          else a.maxTicksInWindow = Math.max(a.maxTicksInWindow, dt);
        }
        if (s === rasterSample && fc) neuron.push(i), time.push(round6(tc));
      }
      if (s === rasterSample) cycle.populations.push({ id: p.id, neuron, time });
    }
  }
  const input = snn.populations[0]!;
  const inputWindow = input.window.tMax - input.window.tMin || 1;
  // Time errors in input windows (and in each neuron's own ticks); the input's tick, for the raster's caption.
  const tickWindows = timing.populations.get(input.id)!.delta / inputWindow;
  cycle.tickWindows = tickWindows;
  const rows: QuantizationRow[] = pops.map((p) => {
    const a = acc.get(p.id)!;
    const mean = (x: number): number => round6(a.spikes ? x / a.spikes : 0);
    return {
      population: p.id,
      maxError: round6(a.max / inputWindow),
      meanError: round6(mean(a.sum) / inputWindow),
      maxTicks: round6(a.maxTicks),
      meanTicks: mean(a.sumTicks),
      missing: a.missing,
      extra: a.extra,
      spikes: a.spikes,
      clipped: a.clipped,
      maxTicksInWindow: round6(a.maxTicksInWindow),
    };
  });
  const ac = argmaxRows(logits, n);
  const ae = argmaxRows(exact.logits, n);
  let agreeing = 0;
  let maxAbsDelta = 0;
  for (let s = 0; s < n; s++) if (ac[s] === ae[s]) agreeing++;
  for (let i = 0; i < logits.length; i++) maxAbsDelta = Math.max(maxAbsDelta, Math.abs(logits[i]! - exact.logits[i]!));
  return {
    quantization: { target: target.id, tickWindows, samples: n, rows, agreement: n ? agreeing / n : 1, maxAbsDelta: round6(maxAbsDelta) },
    cycle,
  };
}
