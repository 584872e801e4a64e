/**
 * Agreement vs ticks per window: each fixture lowered to Loihi 2 at 4, 8, 16, 32, 64 ticks per window and run by the
 * bit-accurate cycle simulator on its test images; agreement of the class with the ANN, max |Δlogit|, latency.
 * Three window choices: the SNN's windows ((1 + ζ)·X_n), the calibrated maximum X_n (the compiler's default) and the
 * 99.9 % quantile of the calibration activations (outliers fire at t1: clipped; finer ticks), and per-channel
 * windows at each channel's calibration maximum (dense: per neuron). WINDOWS=… and TICKS=… select rows.
 */
import { execute } from "../src/ann/execute.js";
import { compile, loadSamples } from "../src/compile.js";
import { activationStats, channelWindows, quantileWindows } from "../src/hw/calibration.js";
import { evaluateCycle } from "../src/hw/evaluate.js";
import { lowerToHw } from "../src/hw/lower.js";
import { loadTarget } from "../src/hw/target/load.js";
import { LENET5, MLP_DIGITS } from "./fixtures.js";
import type { BenchTable } from "./table.js";

export const TICKS = [4, 8, 16, 32, 64] as const;

export async function agreementVsTicks(): Promise<BenchTable> {
  const target = loadTarget("loihi2");
  const rows: (string | number)[][] = [];
  for (const { name, model, calib, test } of [LENET5, MLP_DIGITS]) {
    const compiled = compile(model, calib);
    const shape = compiled.ann.nodes[0]!.shape;
    const size = shape.reduce((a, b) => a * b, 1);
    const cal = loadSamples(calib, shape);
    // As the compiler: statistics over the whole calibration set.
    const nc = cal.count;
    const stats = activationStats(compiled.net, cal.array.data.subarray(0, nc * size), nc, { sorted: true });
    const means = stats.means;
    const { array, count } = loadSamples(test, shape);
    const x = array.data.subarray(0, count * size);
    const reference = execute(compiled.ann, x, count).get(compiled.ann.output)!;
    const only = process.env.WINDOWS?.split(",");
    const choices = [
      ["(1+ζ)·X", null, null, null, false],
      ["X", 0, null, null, false],
      ["q99.9%", 0, quantileWindows(stats, 0.999), null, false],
      ["channel X", 0, null, channelWindows(stats), false],
      ["channel X mixed-sign", 0, null, channelWindows(stats), true],
    ] as const;
    const ticksList = process.env.TICKS ? process.env.TICKS.split(",").map(Number) : TICKS;
    for (const [windows, windowMargin, given, channels, mixedSign] of choices) {
      if (only && !only.includes(windows)) continue;
      for (const ticks of ticksList) {
        const { hw, lowering } = lowerToHw(compiled.net, target, ticks, { activationMeans: means, windowMargin, windows: given, channelWindows: channels, mixedSign });
        const ev = evaluateCycle(compiled.net, hw, target, x, count, { reference });
        let maxDelta = 0;
        for (let i = 0; i < reference.length; i++) maxDelta = Math.max(maxDelta, Math.abs(reference[i]! - ev.logits[i]!));
        rows.push([name, windows, ticks, count, `${(100 * ev.agreement!).toFixed(2)} %`, maxDelta, lowering.timing!.readTick, ev.ms / count]);
      }
    }
  }
  return {
    title: "Cycle agreement with the ANN vs ticks per window (Loihi 2, all test images)",
    headers: ["model", "windows", "ticks/window", "samples", "agreement", "max |Δlogit|", "latency (ticks)", "ms/sample"],
    rows,
    notes: [
      "goal to aim at: ≥ 99.5 % agreement at ≤ 16 ticks per window on lenet5_fmnist",
      "channel X (the compiler's default): every channel (dense: neuron) gets its calibrated maximum as window on the same ticks; X: one window per layer; mixed-sign: --mixed-sign, one synapse list per projection (mantissas in steps of 2)",
      "ceiling at 16 ticks (float ANN, 8-bit weights, every hidden activation on 16 uniform levels, lenet5_fmnist): layer windows 94.7–96.7 %, channel windows 97.5–98.7 % (by clip): 99.5 % needs about 32 ticks",
      "weights 8-bit per sign with one exponent per neuron/channel, rounding bias-corrected on the calibration data; thresholds place the crossing half a tick early (nearest rounding)",
      "a firing gate holds every neuron until all its inputs have arrived (t1): activations above the window fire at t1 (clipped), one spike per neuron always",
    ],
  };
}
