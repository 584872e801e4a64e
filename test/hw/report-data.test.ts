/**
 * The report's hardware panels: a network compiled with --target gets `quantization` (cycle vs exact spike times per
 * population, readout agreement) and `cycle` (the raster sample's cycle spikes in SNN time) in its report data.
 */
import { describe, expect, it } from "vitest";
import { compile, loadSamples } from "../../src/compile.js";
import { buildReportData } from "../../src/report/collect.js";
import { renderReportHtml } from "../../src/report/html/render.js";
import { compileGraph } from "../../src/compile.js";
import { importOnnx } from "../../src/onnx/import.js";
import { chipWindows } from "../../src/hw/chip-windows.js";
import { simulateExact } from "../../src/sim/exact/simulate.js";
import type { SpikingPopulation } from "../../src/snn/network.js";

const FIX = "test/fixtures";

describe("report data of a lowered network", () => {
  it("mlp_digits on loihi2 at 64 ticks: quantization rows within a tick or two, no missing/extra spike, cycle raster", () => {
    // Layer windows: the rows measure tick rounding; channel windows from 100 samples would add clipping (measured:
    // hidden mean error 0.26 instead of < 0.20 per tick of the layer).
    const compiled = compile(`${FIX}/mlp_digits.onnx`, `${FIX}/digits_calib_x.npy`, { target: "loihi2", ticks: 64, hardwareSamples: 100, channelWindows: false });
    const test = loadSamples(`${FIX}/digits_test_x.npy`, [64]);
    const data = buildReportData(compiled, { x: test.array.data.subarray(0, 32 * 64), n: 32, source: "digits_test_x.npy" });
    const q = data.quantization!;
    const c = data.cycle!;
    expect(q.target).toBe("loihi2");
    expect(q.samples).toBe(32);
    expect(q.tickWindows).toBeCloseTo(1 / 64, 12);
    expect(q.rows.map((r) => r.population)).toEqual(compiled.net.populations.filter((p) => p.kind !== "readout").map((p) => p.id));
    const [input, hidden] = q.rows;
    // Inputs: nearest-tick encoding, so at most half a tick off; every pixel of the alpha model spikes (0 at t_max).
    expect(input!.maxError).toBeLessThanOrEqual(q.tickWindows / 2 + 1e-9);
    expect(input!.spikes).toBe(32 * 64);
    // Hidden layer: one spike per neuron on both simulators; a few ticks of its own at most.
    expect(hidden!.missing).toBe(0);
    expect(hidden!.extra).toBe(0);
    const hiddenTick = compiled.hw!.choice.lowered.lowering.timing!.populations.get(hidden!.population)!.delta;
    expect(hidden!.meanError).toBeLessThan(hiddenTick);
    expect(hidden!.maxError).toBeLessThan(4 * hiddenTick);
    // In its own ticks (the input window is 1 SNN time unit): the hidden layer's tick, not the input's.
    expect(hiddenTick).toBeGreaterThan(2 * q.tickWindows);
    expect(hidden!.maxTicks).toBeCloseTo(hidden!.maxError / hiddenTick, 4);
    expect(hidden!.meanTicks).toBeCloseTo(hidden!.meanError / hiddenTick, 4);
    expect(input!.maxTicks).toBeLessThanOrEqual(0.5 + 1e-9);
    expect(q.agreement).toBeGreaterThanOrEqual(30 / 32);
    expect(q.maxAbsDelta).toBeLessThan(1);
    console.log(`report quantization mlp_digits loihi2 64 ticks: ${q.rows.map((r) => `${r.population} max ${r.maxError} mean ${r.meanError}`).join("; ")}; agreement ${q.agreement}, max |Δlogit| ${q.maxAbsDelta}`);
    // The raster sample's cycle spikes lie inside each population's window.
    expect(c.populations.map((p) => p.id)).toEqual(q.rows.map((r) => r.population));
    for (const p of c.populations) {
      const w = compiled.net.populations.find((x) => x.id === p.id)!.window;
      expect(p.neuron.length).toBeGreaterThan(0);
      for (const t of p.time) expect(t).toBeLessThanOrEqual(w.tMax + 1e-9);
    }
    const html = renderReportHtml(data);
    expect(html).toContain('data-panel="quantization"');
    expect(html).toContain("spikes-cycle");
  }, 60_000);

  it("inputs beyond the calibration data: spikes clipped to their chip window are counted apart, and the largest error of the others given (audit: a 10.4-tick error from one clip read as the grid's)", () => {
    // Calibrated on dimmed digits (× 0.4): the full-contrast test digits drive hidden activations above the windows.
    const calib = loadSamples(`${FIX}/digits_calib_x.npy`, [64]);
    const dim = { ...calib.array, data: calib.array.data.map((v) => 0.4 * v) };
    const compiled = compileGraph(importOnnx(`${FIX}/mlp_digits.onnx`), dim, calib.count, "dimmed", { target: "loihi2", ticks: 16, hardwareSamples: 100, inputRange: { low: 0, high: 16 } });
    const test = loadSamples(`${FIX}/digits_test_x.npy`, [64]);
    const n = 32;
    const x = test.array.data.subarray(0, n * 64);
    const data = buildReportData(compiled, { x, n, source: "digits_test_x.npy" });
    const hidden = data.quantization!.rows[1]!;
    // Recount: exact activations above the chip's encoded window.
    const pop = compiled.net.populations[1] as SpikingPopulation;
    const w = chipWindows(compiled.net, compiled.hw!.choice.lowered.lowering.timing!).get(pop.id)!;
    const t = simulateExact(compiled.net, x, n, { keep: (id) => id === pop.id }).times.get(pop.id)!;
    let clipped = 0;
    for (let i = 0; i < t.length; i++) if (pop.window.tMax - t[i]! > w.encoded[i % w.encoded.length]!) clipped++;
    expect(clipped).toBeGreaterThan(0);
    expect(hidden.clipped).toBe(clipped);
    // The clipped spikes carry the largest errors (those of the others are rounding, large only in the own ticks of
    // small channels).
    expect(hidden.maxTicksInWindow!).toBeLessThan(hidden.maxTicks);
    const time = data.approximations!.find((a) => a.stage === "time")!;
    expect(time.effect).toMatch(new RegExp(`with ${clipped} spikes clipped to their chip window \\(activations above it\\), the others at most [\\d.]+ ticks`));
  }, 60_000);
});
