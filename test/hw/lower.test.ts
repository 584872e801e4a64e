/**
 * Hardware lowering (src/hw/passes, src/hw/lower.ts): every integer of the HW IR lies in the target's ranges
 * (fixtures and random networks), the cycle simulation has no register wrap or clip, a network built to overflow is
 * rejected naming the layer, register, bound and limit, b1 is refused on Loihi 1, and the mechanisms (forced spike,
 * latch, gates) give exactly one spike per neuron.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compile, compileGraph } from "../../src/compile.js";
import { execute } from "../../src/ann/execute.js";
import { readNpy } from "../../src/io/npy.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { lowerToHw } from "../../src/hw/lower.js";
import { evaluateCycle } from "../../src/hw/evaluate.js";
import { hwIssues } from "../../src/hw/verify.js";
import { encodeInputTicks } from "../../src/hw/io.js";
import { compileCycle, runCycle } from "../../src/sim/cycle/engine.js";
import { activationMeans } from "../../src/hw/calibration.js";
import { mapToSnn } from "../../src/mapping/map.js";
import { SpikecError } from "../../src/util/errors.js";
import type { SnnNetwork } from "../../src/snn/network.js";
import { randomConvNet, randomMlp, rng } from "../helpers/random-canonical.js";
import { AnnBuilder, randomInputs } from "../helpers/ann-builder.js";

const FIX = "test/fixtures";
const loihi1 = loadTarget("loihi1");
const loihi2 = loadTarget("loihi2");
const mlp = compile(`${FIX}/mlp_digits.onnx`, `${FIX}/digits_calib_x.npy`);
const mlpB1 = compile(`${FIX}/mlp_digits.onnx`, `${FIX}/digits_calib_x.npy`, { model: "b1" });
const testX = readNpy(`${FIX}/digits_test_x.npy`).data;
const N = 200;
const x = testX.subarray(0, N * 64);
const reference = execute(mlp.ann, x, N).get(mlp.ann.output)!;

describe("mlp_digits", () => {
  it.each([
    ["loihi2", loihi2],
    ["loihi1", loihi1],
  ] as const)("%s: every integer in range, no register event, one spike per neuron, agreement at 16 ticks", (_, target) => {
    const { hw, lowering } = lowerToHw(mlp.net, target, 16, { activationMeans: activationMeans(mlp.net, x, N) });
    expect(hwIssues(hw, target)).toEqual([]);
    const ev = evaluateCycle(mlp.net, hw, target, x, N, { reference });
    expect(ev.overflow).toEqual({ q: 0, u: 0, vmax: 0, vmin: 0 });
    expect(ev.spikesPerNeuron).toBe(1);
    expect(ev.agreement!).toBeGreaterThanOrEqual(0.97);
    // 4 clock neurons for the one hidden layer (gate release at t1, c1 at t1 + 1, push, release); readout at t1 of the readout = 2 windows + 1 hop.
    expect(lowering.stats.clockNeurons).toBe(4);
    expect(hw.readouts[0]!.tick).toBe(16 + 16);
    console.log(`mlp_digits ${target.id} 16 ticks: agreement ${ev.agreement} on ${N}, extra synapses ${lowering.stats.extraSynapses}`);
  });

  it("a model ending in a ReLU: the HW IR readout carries relu, so the cycle engine's own logits are max(0, ·)", () => {
    const net = structuredClone(mlp.net) as SnnNetwork;
    const out = net.populations[net.populations.length - 1]!;
    if (out.kind !== "readout") throw new Error("fixture changed");
    out.relu = true;
    const withRelu = lowerToHw(net, loihi2, 16).hw;
    const without = lowerToHw(mlp.net, loihi2, 16).hw;
    expect(withRelu.readouts[0]!.relu).toBe(true);
    expect(without.readouts[0]!.relu).toBe(false);
    const n = 20;
    const a = evaluateCycle(net, withRelu, loihi2, x.subarray(0, n * 64), n).logits;
    const b = evaluateCycle(mlp.net, without, loihi2, x.subarray(0, n * 64), n).logits;
    let negatives = 0;
    for (let i = 0; i < a.length; i++) {
      if (b[i]! < 0) negatives++;
      expect(a[i]).toBe(Math.max(0, b[i]!));
    }
    expect(negatives).toBeGreaterThan(50); // the digits logits are mostly negative: the ReLU matters
    const run = runCycle(compileCycle(withRelu, loihi2), encodeInputTicks(withRelu, x.subarray(0, 64)).spikes);
    expect(Array.from(run.readouts[0]!.logits)).toEqual(Array.from(a.subarray(0, 10)));
  });

  it("b1 is refused on loihi1 with the reason, and runs on loihi2's two-phase neuron", () => {
    expect(() => lowerToHw(mlpB1.net, loihi1, 16)).toThrow(/b1 neuron model needs a two-phase neuron.*Intel Loihi \(N2\) cannot run/);
    try {
      lowerToHw(mlpB1.net, loihi1, 16);
    } catch (e) {
      expect(e).toBeInstanceOf(SpikecError);
      expect((e as SpikecError).hint).toMatch(/--neuron alpha|loihi2/);
    }
    const { hw } = lowerToHw(mlpB1.net, loihi2, 32);
    expect(hwIssues(hw, loihi2)).toEqual([]);
    const ev = evaluateCycle(mlpB1.net, hw, loihi2, x, N, { reference });
    expect(ev.overflow).toEqual({ q: 0, u: 0, vmax: 0, vmin: 0 });
    expect(ev.agreement!).toBeGreaterThanOrEqual(0.97);
    expect(ev.spikesPerNeuron).toBeLessThan(1); // silent neurons encode 0
  });

  it("a layer built to overflow is rejected naming the layer, the ONNX node, the register, the bound and the limit", () => {
    const net = structuredClone(mlp.net) as SnnNetwork;
    const hidden = net.populations[1]!;
    if (hidden.kind !== "spiking") throw new Error("fixture changed");
    const w = hidden.projections[0]!.weight;
    for (let j = 0; j < 64; j++) w[j] = j % 2 === 0 ? 3e7 : -3e7; // row 0: huge excitation and inhibition, sum 0
    let error: unknown;
    try {
      lowerToHw(net, loihi1, 16);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpikecError);
    const msg = (error as Error).message;
    expect(msg).toContain("layer '/0/Gemm'");
    expect(msg).toContain("(Gemm)");
    expect(msg).toMatch(/register (u|v|q|one synapse)/);
    expect(msg).toMatch(/beyond the limit \d+/);
    // Huge weights: a register that holds weights binds, which fewer ticks would not help.
    const register = /register (u|v|q|one synapse)/.exec(msg)![1]!;
    const hint = (error as SpikecError).hint!;
    if (register === "v") expect(hint).toMatch(/lower --ticks/);
    else expect(hint).toMatch(/--ticks does not change register/);
    console.log(`overflow: register ${register}; hint: ${hint}`);
  });
});

describe("at most one spike per neuron (hard rule)", () => {
  it("activations far above the calibrated windows: still exactly one spike per neuron, none before its window, no register event", () => {
    // Calibrate on dimmed digits (×0.25): the hidden windows X_n shrink, so the full-contrast test digits drive many
    // neurons far beyond them — without the firing gate these fired before their inputs had all arrived.
    const dim = readNpy(`${FIX}/digits_calib_x.npy`);
    const dimmed = Float64Array.from(dim.data, (v) => 0.25 * v);
    const shape = [dim.shape[0]!, ...dim.shape.slice(1)];
    const c = compileGraph(mlp.ann, { ...dim, data: dimmed, shape }, dim.shape[0]!, "dimmed", { inputRange: { low: 0, high: 16 } });
    for (const [target, ticks] of [[loihi2, 16], [loihi1, 64]] as const) {
      const { hw, lowering } = lowerToHw(c.net, target, ticks);
      const prog = compileCycle(hw, target);
      const hidden = c.net.populations.filter((p) => p.kind === "spiking");
      let above = 0;
      for (let s = 0; s < N; s++) {
        const r = runCycle(prog, encodeInputTicks(hw, x.subarray(s * 64, (s + 1) * 64)).spikes, { raster: true });
        expect(r.overflow).toEqual({ q: 0, u: 0, vmax: 0, vmin: 0 });
        for (const p of hidden) {
          const w1 = lowering.timing!.populations.get(p.id)!.w1;
          const size = p.shape.reduce((a, b) => a * b, 1);
          expect(r.spikeCount[p.id]).toBe(size);
          const counts = new Int32Array(size);
          for (const i of r.raster![p.id]!.neuron) counts[i]!++;
          expect(Math.max(...counts)).toBe(1);
          const first = r.firstSpike[p.id]!;
          for (let i = 0; i < size; i++) {
            expect(first[i]!).toBeGreaterThanOrEqual(w1);
            if (first[i] === w1) above++;
          }
        }
      }
      const total = N * hidden.reduce((a, p) => a + p.shape.reduce((b, c) => b * c, 1), 0);
      console.log(`${target.id} ${ticks} ticks, calibrated on dimmed digits: ${above} of ${total} hidden activations at or above the window (fired at t1), each neuron spiked once`);
      expect(above).toBeGreaterThan(N); // the situation is really exercised
    }
  });
});

describe("random networks (property)", () => {
  it("every HW IR integer is within the target's ranges and the cycle simulation never wraps or clips", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.constantFrom(4, 8, 16, 32),
        fc.constantFrom("loihi1", "loihi2"),
        fc.boolean(),
        (seed, ticks, targetId, conv) => {
          const target = targetId === "loihi1" ? loihi1 : loihi2;
          const graph = conv ? randomConvNet(seed, 2, 8, 8, 4) : randomMlp(seed, 12, [10, 8], 5);
          const size = graph.nodes[0]!.shape.reduce((a, b) => a * b, 1);
          const r = rng(seed + 1);
          const calib = Float64Array.from({ length: 40 * size }, () => r());
          const { net } = mapToSnn(graph, calib, 40, { model: "alpha", margin: 0.5, inputRange: { low: 0, high: 1 }, modelFile: `random-${seed}` });
          const { hw } = lowerToHw(net, target, ticks);
          expect(hwIssues(hw, target)).toEqual([]);
          const inputs = Float64Array.from({ length: 5 * size }, () => r());
          const ev = evaluateCycle(net, hw, target, inputs, 5);
          expect(ev.overflow).toEqual({ q: 0, u: 0, vmax: 0, vmin: 0 });
          expect(ev.spikesPerNeuron).toBe(1);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("a layer whose values are far smaller than its inputs' (weights S·W·δ_src/δ_n too large at the smallest slope)", () => {
  // h: two identical neurons; L = relu(1000·h1 − 1000·h2 + 0.002) = 0.002 on every input: its window is ~1e-4 of h's,
  // so its weights are ~1e7 × the slope and overflow u/q even at the smallest slope. A wider window fits them.
  const b = new AnnBuilder([4], 2);
  const hd = b.dense(b.input, 2);
  const h = b.relu(hd);
  const hNode = b.nodes.find((n) => n.id === hd)!;
  if (hNode.kind !== "dense") throw new Error("builder changed");
  hNode.weight.set(hNode.weight.subarray(0, 4), 4); // the second row = the first
  hNode.bias![1] = hNode.bias![0]!;
  const l = b.dense(h, 1);
  const lNode = b.nodes.find((n) => n.id === l)!;
  if (lNode.kind !== "dense") throw new Error("builder changed");
  lNode.weight.set([1000, -1000]);
  lNode.bias!.set([0.002]);
  b.dense(b.relu(l), 2);
  const ann = b.build();
  const n = 64;
  const calib = { shape: [n, 4], dtype: "<f8", data: randomInputs(ann, n, 3) };

  it("lowers on a widened window, says so in the notes, and the cycle simulation still matches the ANN", () => {
    const compiled = compileGraph(ann, calib, n, "calib", { target: "loihi2", ticks: 16, hardwareSamples: n });
    const hw = compiled.hw!;
    expect(hwIssues(hw.net, hw.target)).toEqual([]);
    const note = hw.net.notes.find((s) => s.startsWith("quantize: wider windows"))!;
    console.log(note);
    const m = /: (\S+) (\d+)×$/.exec(note)!;
    expect(m[1]).toBe(`/${l}`); // the layer L (named by its ONNX node)
    expect(Number(m[2])).toBeGreaterThanOrEqual(2);
    const ref = execute(ann, calib.data, n).get(ann.output)!;
    const ev = evaluateCycle(compiled.net, hw.net, hw.target, calib.data, n, { reference: ref });
    let worst = 0;
    let top = 0;
    for (let k = 0; k < ref.length; k++) (worst = Math.max(worst, Math.abs(ev.logits[k]! - ref[k]!))), (top = Math.max(top, Math.abs(ref[k]!)));
    console.log(`widened: cycle vs ANN max |Δlogit| ${worst.toExponential(2)} of ${top.toFixed(3)}, agreement ${ev.agreement}`);
    expect(ev.spikesPerNeuron).toBe(1);
    expect(worst).toBeLessThan(0.02 * top);
  });
});
