/**
 * On one thread the exact simulator works through a large batch in cache-sized passes (simulate.ts): the merged
 * result must equal simulating each range of samples on its own: logits and kept spike times concatenated, counts
 * summed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileGraph, loadSamples } from "../../src/compile.js";
import { importOnnx } from "../../src/onnx/import.js";
import { prepareNetwork } from "../../src/sim/exact/prepare.js";
import { simulateExact } from "../../src/sim/exact/simulate.js";

const FIX = "test/fixtures";

describe("exact simulation in passes (one thread)", () => {
  let before: string | undefined;
  beforeAll(() => {
    before = process.env.SPIKEC_THREADS;
    process.env.SPIKEC_THREADS = "1";
  });
  afterAll(() => {
    if (before === undefined) delete process.env.SPIKEC_THREADS;
    else process.env.SPIKEC_THREADS = before;
  });

  it.each(["alpha", "b1"] as const)("%s: lenet5 on 260 samples equals the same samples in ranges of 65", (model) => {
    const ann = importOnnx(`${FIX}/lenet5_fmnist.onnx`);
    const shape = ann.nodes[0]!.shape;
    const calib = loadSamples(`${FIX}/fmnist_calib_x.npy`, shape);
    const { net } = compileGraph(ann, calib.array, calib.count, `${FIX}/fmnist_calib_x.npy`, { model });
    const test = loadSamples(`${FIX}/fmnist_test_x.npy`, shape);
    const n = 260;
    const inSize = 28 * 28;
    // The largest population (6×28×28) gives passes of 108 samples: 260 takes three.
    const largest = Math.max(...net.populations.map((p) => p.shape.reduce((a, b) => a * b, 1)));
    expect(Math.floor((4 << 20) / (8 * largest))).toBeLessThan(n / 2);
    const prepared = prepareNetwork(net);
    const keep = (id: string) => id !== net.populations[0]!.id;
    const whole = simulateExact(net, test.array.data.subarray(0, n * inSize), n, { prepared, keep });
    const step = 65;
    let maxDelta = 0;
    let timeDelta = 0;
    const counts = new Map<string, { spikes: number; neurons: number; early: number; scanned: number }>();
    for (let b0 = 0; b0 < n; b0 += step) {
      const part = simulateExact(net, test.array.data.subarray(b0 * inSize, (b0 + step) * inSize), step, { prepared, keep });
      const classes = part.logits.length / step;
      for (let i = 0; i < part.logits.length; i++) maxDelta = Math.max(maxDelta, Math.abs(part.logits[i]! - whole.logits[b0 * classes + i]!));
      for (const [id, t] of part.times) {
        const size = t.length / step;
        const all = whole.times.get(id)!;
        for (let i = 0; i < t.length; i++) if (t[i] !== all[b0 * size + i]) timeDelta = Math.max(timeDelta, Math.abs(t[i]! - all[b0 * size + i]!));
      }
      for (const [id, s] of part.stats) {
        const c = counts.get(id) ?? { spikes: 0, neurons: 0, early: 0, scanned: 0 };
        counts.set(id, { spikes: c.spikes + s.spikes, neurons: c.neurons + s.neurons, early: c.early + s.early, scanned: c.scanned + s.scanned });
      }
    }
    expect(whole.logits.length).toBe(n * 10);
    expect(maxDelta).toBeLessThanOrEqual(1e-12);
    expect(timeDelta).toBeLessThanOrEqual(1e-12);
    expect(whole.times.size).toBe(net.populations.length - 2); // all but the input and the readout
    for (const [id, c] of counts) {
      const s = whole.stats.get(id)!;
      expect({ id, spikes: s.spikes, neurons: s.neurons, early: s.early, scanned: s.scanned }).toEqual({ id, ...c });
    }
  });
});
