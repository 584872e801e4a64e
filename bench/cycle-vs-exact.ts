/**
 * Cycle-level simulation (the chip's integer arithmetic, tick by tick) vs the exact continuous-time simulation vs
 * onnxruntime on lenet5_fmnist, measured in one run: ms per sample, synaptic events per second, ratios. The HW IR
 * is the real lowering (lowerToHw) at a fixed 16 ticks per window, and at 64 (the tick search's pick for lenet5 on
 * loihi2); agreement is the cycle argmax vs the exact one.
 */
import { compile, loadSamples } from "../src/compile.js";
import { lowerToHw } from "../src/hw/lower.js";
import { loadTarget } from "../src/hw/target/load.js";
import { onnxRuntimeRunner } from "../src/reference/onnxruntime.js";
import { compileCycle } from "../src/sim/cycle/engine.js";
import { simulateCycleBatch, type CycleBatchResult } from "../src/sim/cycle/batch.js";
import { prepareNetwork } from "../src/sim/exact/prepare.js";
import { simulateExact } from "../src/sim/exact/simulate.js";
import { timeRounds, type BenchTable } from "./table.js";

const TICKS_PER_WINDOW = 16;
/** The tick search's pick for lenet5_fmnist on loihi2 (channel windows). */
const SEARCHED_TICKS = 64;

function argmaxAgreement(a: Float64Array, b: Float64Array, n: number): number {
  const classes = a.length / n;
  let same = 0;
  for (let s = 0; s < n; s++) {
    let ia = 0;
    let ib = 0;
    for (let c = 1; c < classes; c++) {
      if (a[s * classes + c]! > a[s * classes + ia]!) ia = c;
      if (b[s * classes + c]! > b[s * classes + ib]!) ib = c;
    }
    if (ia === ib) same++;
  }
  return same / n;
}

export async function cycleVsExact(): Promise<BenchTable> {
  const model = "test/fixtures/lenet5_fmnist.onnx";
  const rows: (string | number)[][] = [];
  const { array, count } = loadSamples("test/fixtures/fmnist_test_x.npy", [1, 28, 28]);
  const nOrt = Math.min(count, 500);
  const nSim = Math.min(count, 200);
  const xOrt = array.data.subarray(0, nOrt * 784);
  const x = array.data.subarray(0, nSim * 784);
  const runner = await onnxRuntimeRunner(model, xOrt, nOrt, [1, 28, 28]);
  const configs = [["loihi2", "alpha", TICKS_PER_WINDOW], ["loihi2", "b1", TICKS_PER_WINDOW], ["loihi1", "alpha", TICKS_PER_WINDOW], ["loihi2", "alpha", SEARCHED_TICKS]] as const;
  for (const [targetId, neuron, ticksPerWindow] of configs) {
    const compiled = compile(model, "test/fixtures/fmnist_calib_x.npy", { model: neuron });
    const target = loadTarget(targetId);
    const { hw } = lowerToHw(compiled.net, target, ticksPerWindow);
    const prepared = prepareNetwork(compiled.net);
    const exactLogits = simulateExact(compiled.net, x, nSim, { prepared }).logits;
    const prog = compileCycle(hw, target);
    let r: CycleBatchResult | null = null;
    // onnxruntime measured in every configuration's rounds: each ratio compares runs of the same phases.
    const [ortMs, exactMs, cycleMs] = await timeRounds([() => runner.run(), () => simulateExact(compiled.net, x, nSim, { prepared }), () => (r = simulateCycleBatch(prog, x, nSim))], 5);
    const ort = ortMs! / nOrt;
    const exact = exactMs! / nSim;
    const cycle = cycleMs! / nSim;
    const res = r as unknown as CycleBatchResult;
    const events = res.stats.synapticEvents / nSim;
    rows.push([
      `lenet5_fmnist ${neuron}`, targetId, hw.ticks, nSim, ort, exact, cycle, cycle / ort, cycle / exact,
      `${(events / 1000).toFixed(0)}k`, `${((events / cycle) * 1e3 / 1e6).toFixed(1)} M`, `${(100 * argmaxAgreement(res.logits, exactLogits, nSim)).toFixed(1)} %`,
    ]);
  }
  await runner.release();
  return {
    title: "Cycle simulation vs exact simulation vs onnxruntime (ms per sample)",
    headers: ["model", "target", "ticks", "samples", "onnxruntime", "exact SNN", "cycle", "cycle/ort", "cycle/exact", "events/sample", "events/s", "cycle=exact"],
    rows,
    notes: [
      `HW IR from lowerToHw at ${TICKS_PER_WINDOW} ticks per window (${SEARCHED_TICKS} in the last row: the tick search's pick on loihi2); one thread; onnxruntime on ${nOrt} samples (inference only: session and float32 inputs made beforehand), the simulators on ${nSim}; medians of 5 interleaved rounds per row.`,
      "goal: cycle ≤ 10× onnxruntime. Not met (the cycle/ort column): the engine adds one contribution per synaptic event (~520k per lenet5 sample, about the ANN's MACs; f64x2 where the structure allows) and updates a neuron by the exact rule at every tick it gets input or its predicted spike falls (~64k updates per sample at 16 ticks, ~110k at 64, ~17 ns each in the sparse pass), while onnxruntime's float32 kernels do the ANN's 416k multiply-adds per sample in ~0.03 ms.",
      "dense ticks (2026-11-27): at a tick where ≥ 1/4 of a plain cuba (or b1) layer's neurons get input, all of them are stepped in one WebAssembly SIMD pass without predictions (a few ns per neuron instead of ~17 per sparse update), and the next sparse tick plans them all; same results as sparse-only runs (test/sim/cycle/dense.test.ts). lenet5 alpha, 200 samples, min of 8: 16 ticks 2.09 → 1.61–1.78 ms, 64 ticks ~3.5 → 2.56–2.63 ms (in JS the same dense pass is no faster: its update costs ~13 ns); b1 (the neurons still integrating): 1.35 → 1.16–1.20 ms. The kernel does the common case only (nothing clips, no register limit, no spike) and lists the other neurons for the JS pass, the one implementation of the whole tick rule.",
      "measured 2026-11 (2 shared vCPUs, median of 3 runs): conv/dense projections, power-of-two rings and fixed-point sleep took alpha 5.1 → 4.6 ms and b1 3.6 → 2.7 ms per sample; then int32 index arithmetic (a float64 field had made the conv delivery's indices float64), leaner update passes for plain cuba layers and b1 (no routing inside a pass), a population's spikes routed per tick projection by projection, and the start calendar kept per program: alpha 4.54 → 3.42, b1 2.63 → 2.12, loihi1 4.54 → 3.43, 64 ticks 6.44 → 4.99 ms. Then ~40 % routing, ~35 % neuron updates, ~20 % finding the neurons with input (ring scan) and the calendar; since the SIMD delivery below, the update passes are about half (measured 2026-11-27: 1.1 of 2.1 ms for alpha at 16 ticks).",
      "WebAssembly SIMD (src/sim/cycle/simd.ts; f64x2): conv delivery over runs of output columns (unit column stride, column-reversed kernel), dense rows ≥ 32 targets, and the scan for neurons with input (a 32-bit nonzero mask per flagged block); rings, flags and operands in one never-grown memory per program. Same machine, median of 3 runs of 3, before → delivery → + scan: alpha 3.50 → 2.79 → 2.58, b1 2.17 → 1.84 → 1.62, loihi1 3.60 → 2.72 → 2.52, 64 ticks 5.16 → 4.25 → 3.78 ms (delivery → + scan re-measured in one session: 3.14 → 2.58, 1.76 → 1.62, 2.73 → 2.52, 4.33 → 3.78). Per spike, JS → SIMD: conv2 384 → 228 ns, conv1 362 → 143 ns (→ 180 and 108 ns with the conv's input flags set in WebAssembly too: ~2 % of a sample), a 4704-target clock row 10.5 → 3.2 µs.",
      "V8 pitfall: the first detach of any ArrayBuffer in the process (a WebAssembly memory.grow detaches the old buffer; so does a transfer to a worker) turns off a V8 protector, and from then on every optimized typed-array access checks for detachment: ~25 % slower JS typed-array loops everywhere. Both SIMD modules therefore never grow a memory (a larger need gets a new one); before that the ANN kernels grew theirs during compile() and these rows were ~13 % slower (the JS delivery without any WebAssembly: 3.14 / 1.81 / 2.83 / 4.30 ms).",
      "tried and dropped (slower or no faster): the layer clocks folded into the closed forms (their arrivals coincide with input and latch arrivals, so only ~10 % of the updates go, while every prediction must look past the clock arrivals); 8-neuron input blocks with per-row conv flags, or conv input flagged per output position (the flags cost about what the scan saves).",
      "cycle=exact: share of samples whose cycle argmax equals the exact simulation's (quantization in time and weights).",
    ],
  };
}
