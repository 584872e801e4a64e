/**
 * The cycle engine's WebAssembly SIMD delivery (src/sim/cycle/simd.ts, laid out by simd-layout.ts) against its JS
 * delivery: on random conv projections (column stride and dilation 1 take SIMD, others stay JS; pads clip the runs
 * at every border; groups; 1–7 output channels; 1–5 kernel columns) and dense rows, every spike of every source
 * neuron leaves the same ring (bit for bit) and the same input flags, and whole runs (the SIMD scan for neurons with
 * input included) spike and integrate identically; and lenet5_fmnist lowered to loihi2 runs
 * identically (logits, spike counts, events, updates, register events) with and without SIMD. And the embedded
 * binary is the assembly of the WAT source.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import wabt from "wabt";
import { loadTarget } from "../../../src/hw/target/load.js";
import type { CubaProfile, HwCompartmentPopulation, HwNetwork } from "../../../src/hw/network.js";
import { compileCycle, runCycle, type CycleProgram } from "../../../src/sim/cycle/engine.js";
import { ttfsInput } from "../../../src/hw/network.js";
import { CONV, deliverConv, deliverDense } from "../../../src/sim/cycle/projections.js";
import type { RingTarget } from "../../../src/sim/cycle/projections.js";
import { cycleSimdAvailable, WASM_BYTES, WAT } from "../../../src/sim/cycle/simd.js";
import { DENSE_SIMD_MIN } from "../../../src/sim/cycle/simd-layout.js";
import { compile, loadSamples } from "../../../src/compile.js";
import { lowerToHw } from "../../../src/hw/lower.js";
import { simulateCycleBatch } from "../../../src/sim/cycle/batch.js";

const loihi2 = loadTarget("loihi2");

const cuba: CubaProfile = { neuron: "cuba-lif", decayU: 0, decayV: 0, vthMant: 300, refractory: 0, vmin: -(2 ** 23 - 1), vmax: 2 ** 23 - 1 };
const compartments = (id: string, shape: number[]): HwCompartmentPopulation => ({
  kind: "compartments", id, shape, neuron: "cuba-lif", profiles: [cuba], profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null,
});
const outSize = (n: number, pa: number, pb: number, k: number, s: number, d: number) => Math.floor((n + pa + pb - d * (k - 1) - 1) / s) + 1;

const caseArb = fc
  .record({
    groups: fc.integer({ min: 1, max: 2 }), cinG: fc.integer({ min: 1, max: 3 }), coutG: fc.integer({ min: 1, max: 7 }),
    H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 11 }), kh: fc.integer({ min: 1, max: 5 }), kw: fc.integer({ min: 1, max: 5 }),
    sh: fc.integer({ min: 1, max: 2 }), sw: fc.constantFrom(1, 1, 1, 2), dh: fc.integer({ min: 1, max: 2 }), dw: fc.constantFrom(1, 1, 1, 2),
    pads: fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })),
    nD: fc.integer({ min: 1, max: 3 * DENSE_SIMD_MIN }),
    delay: fc.integer({ min: 0, max: 3 }),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .filter((r) => r.H + r.pads[0] + r.pads[2] > r.dh * (r.kh - 1) && r.W + r.pads[1] + r.pads[3] > r.dw * (r.kw - 1));

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/** in [C, H, W] → conv → c [Co, Ho, Wo] → dense → d [nD]: weights of both signs, zeros, per-channel exponents. */
function network(c: Case): HwNetwork {
  let s = c.seed;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const w = (n: number) => Int16Array.from({ length: n }, () => (rnd() < 0.2 ? 0 : 2 * Math.floor(rnd() * 255 - 127)));
  const C = c.groups * c.cinG;
  const Co = c.groups * c.coutG;
  const Ho = outSize(c.H, c.pads[0], c.pads[2], c.kh, c.sh, c.dh);
  const Wo = outSize(c.W, c.pads[1], c.pads[3], c.kw, c.sw, c.dw);
  const nC = Co * Ho * Wo;
  return {
    format: "spikec.hw", version: 1, target: "loihi2", ticks: 8,
    populations: [{ kind: "source", id: "in", shape: [C, c.H, c.W], role: "input", schedule: null }, compartments("c", [Co, Ho, Wo]), compartments("d", [c.nD])],
    synapses: [
      {
        kind: "conv", id: "conv", source: "in", target: "c", group: c.groups, kernel: [c.kh, c.kw], stride: [c.sh, c.sw], pads: c.pads, dilation: [c.dh, c.dw],
        weight: w(Co * c.cinG * c.kh * c.kw), weightExp: Int8Array.from({ length: Co }, () => Math.floor(rnd() * 9) - 6), delay: c.delay,
      },
      { kind: "dense", id: "dense", source: "c", target: "d", weight: w(c.nD * nC), weightExp: Int8Array.from({ length: c.nD }, () => Math.floor(rnd() * 9) - 6), delay: c.delay },
    ],
    readouts: [{ population: "d", tick: 7, scale: 1, offset: null }],
    notes: [],
  };
}

const ringOf = (prog: CycleProgram, id: string): RingTarget => prog.groups[prog.index.get(id)!]! as unknown as RingTarget;

describe("cycle SIMD delivery", () => {
  it("random conv and dense projections: every spike leaves the same ring and flags as the JS delivery", () => {
    expect(cycleSimdAvailable).toBe(true); // Node ≥ 20 has WebAssembly SIMD
    const used = { conv: 0, dense: 0, convJs: 0 };
    fc.assert(
      fc.property(caseArb, (c) => {
        const net = network(c);
        const fast = compileCycle(net, loihi2);
        const ref = compileCycle(net, loihi2, { simd: false });
        expect(ref.kernels).toBe(null);
        for (const [src, dst] of [["in", "c"], ["c", "d"]] as const) {
          const si = fast.index.get(src)!;
          const p = fast.projections[si]![0]!;
          const q = ref.projections[si]![0]!;
          if (p.kind === CONV) (p.simdKernel >= 0 ? used.conv++ : used.convJs++);
          else if (p.simdDense >= 0) used.dense++;
          const a = ringOf(fast, dst);
          const b = ringOf(ref, dst);
          // every source neuron spikes, into the last slot, the first, and the last again (onto its sums)
          for (const slot of [a.slotMask, 0, a.slotMask]) {
            for (let j = 0; j < p.events.length; j++) {
              if (p.kind === CONV) {
                deliverConv(p, a, j, slot, fast.kernels);
                deliverConv(q, b, j, slot, null);
              } else {
                deliverDense(p, a, j, slot, fast.kernels);
                deliverDense(q, b, j, slot, null);
              }
            }
            expect(Buffer.from(a.ring.buffer, a.ring.byteOffset, a.ring.byteLength).equals(Buffer.from(b.ring.buffer, b.ring.byteOffset, b.ring.byteLength))).toBe(true);
            expect(a.blockFlag).toEqual(b.blockFlag);
            expect(a.slotFlag).toEqual(b.slotFlag);
          }
        }
        // whole runs (SIMD delivery and scan for input): every spike and every v at every tick of c and d
        const nIn = fast.projections[fast.index.get("in")!]![0]!.events.length;
        const inputs = [ttfsInput("in", Int32Array.from({ length: nIn }, (_, i) => ((i * 7 + c.seed) % 9) - 2))];
        for (const pop of ["c", "d"]) {
          const x = runCycle(fast, inputs, { raster: true, trace: pop });
          const y = runCycle(ref, inputs, { raster: true, trace: pop });
          expect(x.raster).toEqual(y.raster);
          expect(x.trace!.v).toEqual(y.trace!.v);
          expect(x.stats).toEqual(y.stats);
        }
      }),
      { numRuns: 300, seed: 4242 },
    );
    // both forms exercised, and the non-unit column strides kept on the JS delivery
    expect(used.conv).toBeGreaterThan(150);
    expect(used.convJs).toBeGreaterThan(20);
    expect(used.dense).toBeGreaterThan(100);
  });

  it("lenet5_fmnist on loihi2: identical runs with and without SIMD on 40 test images", () => {
    const compiled = compile("test/fixtures/lenet5_fmnist.onnx", "test/fixtures/fmnist_calib_x.npy", { model: "alpha" });
    const { hw } = lowerToHw(compiled.net, loihi2, 16);
    const { array } = loadSamples("test/fixtures/fmnist_test_x.npy", [1, 28, 28]);
    const x = array.data.subarray(0, 40 * 784);
    const fast = compileCycle(hw, loihi2);
    expect(fast.kernels).not.toBe(null);
    // both convs and the long dense rows (the layer clocks, the first gemm) take SIMD
    expect(fast.projections.flat().filter((p) => p.simdKernel >= 0).length).toBe(2);
    expect(fast.projections.flat().filter((p) => p.simdDense >= 0).length).toBeGreaterThanOrEqual(3);
    const a = simulateCycleBatch(fast, x, 40);
    const b = simulateCycleBatch(compileCycle(hw, loihi2, { simd: false }), x, 40);
    expect(Buffer.from(a.logits.buffer).equals(Buffer.from(b.logits.buffer))).toBe(true);
    expect(a.spikeCount).toEqual(b.spikeCount);
    expect(a.stats).toEqual(b.stats);
    expect(a.overflow).toEqual(b.overflow);
    expect(a.stats.synapticEvents).toBeGreaterThan(40 * 400_000);
  }, 120_000);

  it("the embedded binary is the assembly of WAT", async () => {
    const module = (await wabt()).parseWat("cycle-simd.wat", WAT, { simd: true });
    const bytes = Buffer.from(module.toBinary({}).buffer);
    module.destroy();
    // On a change of WAT: paste this encoding into WASM_BASE64 (src/sim/cycle/simd.ts).
    expect(Buffer.from(WASM_BYTES).toString("base64")).toBe(bytes.toString("base64"));
  });
});
