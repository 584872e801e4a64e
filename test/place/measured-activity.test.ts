/**
 * The fit report's measured activity counts every spike of a cycle run — the inputs', the clocks' and the neurons' —
 * as its label says, checked against the raster of the same samples; for the α model it equals the one-spike bound,
 * which leaves out the readouts (read, not spiking). Synaptic events count the ones that land after the sample's last
 * tick too (the sample period waits for them on the chip), so for α they equal the bound as well.
 */
import { describe, expect, it } from "vitest";
import { compile, loadSamples } from "../../src/compile.js";
import { encodeInputTicks } from "../../src/hw/io.js";
import { boundActivity, measureActivity } from "../../src/place/fit-report.js";
import { inputOf } from "../../src/snn/network.js";
import { place } from "../../src/place/place.js";
import { simulateCycle } from "../../src/sim/cycle/index.js";

const FIX = "test/fixtures";

describe("measured activity", () => {
  it("spikes per inference count the inputs' and the clocks' spikes, as the label and the bound say (audit: compartments only, 28 % below the bound)", () => {
    const compiled = compile(`${FIX}/mlp_digits.onnx`, `${FIX}/digits_calib_x.npy`, { target: "loihi2", ticks: 16, hardwareSamples: 20 });
    const { net, target: t } = compiled.hw!;
    const { array } = loadSamples(`${FIX}/digits_calib_x.npy`, [64]);
    // Every spike of the same 20 samples in the raster: inputs, clocks and compartments.
    let raster = 0;
    for (let b = 0; b < 20; b++) {
      const r = simulateCycle(net, t, encodeInputTicks(net, array.data.subarray(b * 64, (b + 1) * 64)).spikes, { raster: true });
      for (const s of Object.values(r.raster!)) raster += s.tick.length;
    }
    const fit = compiled.report.fit!;
    expect(fit.totals.activity).toMatchObject({ basis: "measured", samples: 20 });
    expect(fit.totals.spikesPerInference).toBeCloseTo(raster / 20, 9);
    // α: every input, hidden neuron and clock spikes once per sample (the readout is read): the bound, as fit DIR gives it.
    expect(fit.totals.spikesPerInference).toBe(boundActivity(place(net, t)).spikes);
    // Every synapse carries one event per sample (8,956 here): an audit measured 8,382.75 of 8,938 at the tick search's
    // budget (the events landing after the last tick left out), and the energy estimate low by the same 6 %.
    expect(fit.totals.synapticEventsPerInference).toBe(boundActivity(place(net, t)).synapticEvents);
  });
});

describe("measured activity on inputs beyond the input range", () => {
  it("counts the clipped input values and fit says so next to the measurement (audit: measured on 367 clipped values silently)", () => {
    const compiled = compile(`${FIX}/mlp_digits.onnx`, `${FIX}/digits_calib_x.npy`, { target: "loihi2", ticks: 8, hardwareSamples: 20 });
    const { net, target: t } = compiled.hw!;
    const { array } = loadSamples(`${FIX}/digits_calib_x.npy`, [64]);
    const x2 = array.data.slice(0, 20 * 64).map((v) => 2 * v);
    const high = inputOf(compiled.net).range.high;
    const expected = x2.reduce((a, v) => a + +(v > high), 0);
    expect(expected).toBeGreaterThan(0);
    const a = measureActivity(net, t, x2, 20);
    expect(a.clippedInputs).toBe(expected);
    expect(measureActivity(net, t, array.data, 20).clippedInputs).toBe(0);
  });
});
