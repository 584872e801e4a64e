/**
 * Channel windows (src/hw/passes/time.ts, src/hw/calibration.ts channelWindows): every channel (dense: neuron) of a
 * hidden layer gets its own window on the same ticks, the next layer's weights carry the ratio. The function is
 * kept: with windows that clip nothing, the logits at a large budget are as close to the ANN as with layer windows
 * (a wrong channel index in a conv, a pool gate or a readout would be off by whole activations); at 16 ticks the
 * finer ticks of small channels raise the agreement.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compile.js";
import { execute } from "../../src/ann/execute.js";
import { readNpy } from "../../src/io/npy.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { lowerToHw } from "../../src/hw/lower.js";
import { evaluateCycle } from "../../src/hw/evaluate.js";
import { hwIssues } from "../../src/hw/verify.js";
import { activationStats, CHANNEL_WINDOW_RATIO, channelsOf, channelWindows } from "../../src/hw/calibration.js";
import { chooseTicks } from "../../src/hw/ticks.js";
import { mapToSnn } from "../../src/mapping/map.js";
import { randomConvNet, rng } from "../helpers/random-canonical.js";

const FIX = "test/fixtures";
const loihi2 = loadTarget("loihi2");
const loihi1 = loadTarget("loihi1");

const maxAbsDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe("channel windows", () => {
  it("mlp_digits at 16 ticks: every integer in range, one spike per neuron, agreement above the layer windows'", () => {
    const mlp = compile(`${FIX}/mlp_digits.onnx`, `${FIX}/digits_calib_x.npy`);
    const calib = readNpy(`${FIX}/digits_calib_x.npy`);
    const nc = 500;
    const stats = activationStats(mlp.net, calib.data.subarray(0, nc * 64), nc);
    const test = readNpy(`${FIX}/digits_test_x.npy`);
    const n = test.shape[0]!;
    const reference = execute(mlp.ann, test.data, n).get(mlp.ann.output)!;
    for (const target of [loihi2, loihi1]) {
      const layer = lowerToHw(mlp.net, target, 16, { activationMeans: stats.means });
      const channel = lowerToHw(mlp.net, target, 16, { activationMeans: stats.means, channelWindows: channelWindows(stats) });
      expect(hwIssues(channel.hw, target)).toEqual([]);
      const a = evaluateCycle(mlp.net, layer.hw, target, test.data, n, { reference });
      const b = evaluateCycle(mlp.net, channel.hw, target, test.data, n, { reference });
      expect(b.overflow).toEqual({ q: 0, u: 0, vmax: 0, vmin: 0 });
      expect(b.spikesPerNeuron).toBe(1);
      console.log(`mlp_digits ${target.id} 16 ticks on ${n}: layer windows ${a.agreement}, channel windows ${b.agreement}`);
      expect(b.agreement!).toBeGreaterThanOrEqual(a.agreement!);
      expect(b.agreement!).toBeGreaterThanOrEqual(0.99);
      expect(channel.lowering.notes.join(" ")).toMatch(/windows per channel/);
    }
  });

  it("conv + max-pool network, windows 1–3 × the SNN's per channel (nothing clips): logits at 512 ticks as close to the ANN as with layer windows", () => {
    for (const seed of [3, 17, 42]) {
      const graph = randomConvNet(seed, 2, 8, 8, 4);
      const size = 2 * 8 * 8;
      const r = rng(seed + 1);
      const calib = Float64Array.from({ length: 40 * size }, () => r());
      const { net } = mapToSnn(graph, calib, 40, { model: "alpha", margin: 0.5, inputRange: { low: 0, high: 1 }, modelFile: `random-${seed}` });
      const windows = new Map(
        net.populations.filter((p) => p.kind === "spiking").map((p) => [p.id, Float64Array.from({ length: channelsOf(p.shape) }, () => (p.window.tMax - p.window.tMin) * (1 + 2 * r()))]),
      );
      const n = 20;
      const x = Float64Array.from({ length: n * size }, () => r());
      const reference = execute(graph, x, n).get(graph.output)!;
      const layer = lowerToHw(net, loihi2, 512, { windowMargin: null });
      const channel = lowerToHw(net, loihi2, 512, { windowMargin: null, channelWindows: windows });
      expect(hwIssues(channel.hw, loihi2)).toEqual([]);
      const a = evaluateCycle(net, layer.hw, loihi2, x, n, { reference });
      const b = evaluateCycle(net, channel.hw, loihi2, x, n, { reference });
      expect(b.spikesPerNeuron).toBe(1);
      expect(b.overflow).toEqual({ q: 0, u: 0, vmax: 0, vmin: 0 });
      const range = reference.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const ea = maxAbsDiff(a.logits, reference);
      const eb = maxAbsDiff(b.logits, reference);
      console.log(`random conv ${seed}: max |Δlogit| layer windows ${ea.toExponential(2)}, channel windows ${eb.toExponential(2)} (logit range ${range.toFixed(3)})`);
      // Windows up to 3 × longer: ticks up to 3 × coarser, so up to ~3 × the error, never a misrouted activation.
      expect(eb).toBeLessThan(4 * ea + 1e-9);
      expect(eb).toBeLessThan(0.02 * range);
    }
  });

  it("windows: no channel below 1/8 of its layer's largest; a budget the channel windows cannot fit falls back to layer windows, said in the notes", () => {
    const mlp = compile(`${FIX}/mlp_digits.onnx`, `${FIX}/digits_calib_x.npy`);
    const calib = readNpy(`${FIX}/digits_calib_x.npy`);
    const n = 100;
    const x = calib.data.subarray(0, n * 64);
    const stats = activationStats(mlp.net, x, n);
    for (const [id, w] of channelWindows(stats)) {
      const max = Math.max(...w);
      expect(Math.min(...w)).toBeGreaterThanOrEqual(max / CHANNEL_WINDOW_RATIO - 1e-12);
      expect(max).toBeCloseTo(Math.max(...stats.channelMax.get(id)!), 12);
    }
    // One neuron with a window 10^6 times finer: its outgoing weights cannot fit any register at 64 ticks.
    const extreme = new Map([...channelWindows(stats)].map(([id, w]) => [id, w.map((v, i) => (i === 0 ? v * 1e-6 : v))]));
    const reference = execute(mlp.ann, x, n).get(mlp.ann.output)!;
    const choice = chooseTicks(mlp.net, loihi2, x, n, reference, { ticks: 64, activationMeans: stats.means, channelWindows: extreme });
    expect(choice.lowered.hw.notes.join(" ")).toMatch(/channel windows do not fit .* at 64 ticks .*one window per layer instead/);
    expect(choice.lowered.lowering.timing!.populations.get([...extreme.keys()][0]!)!.deltas).toBeNull();
    expect(choice.evaluation.agreement!).toBeGreaterThanOrEqual(0.98);
  });
});
