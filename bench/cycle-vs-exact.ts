/**
 * Cycle-level simulation (the chip's integer arithmetic, tick by tick) vs the exact continuous-time simulation vs
 * onnxruntime on lenet5_fmnist, measured in one run: ms per sample, synaptic events per second, ratios. The HW IR
 * is the real lowering (lowerToHw) at a fixed 16 ticks per window, and at 64 (the tick search's pick for lenet5 on
 * loihi2); agreement is the cycle argmax vs the exact one.
 */
import { compile, loadSamples } from "../src/compile.js";
import { lowerToHw } from "../src/hw/lower.js";
import { loadTarget } from "../src/hw/target/load.js";
import { runOnnxRuntime } from "../src/reference/onnxruntime.js";
import { compileCycle } from "../src/sim/cycle/engine.js";
import { simulateCycleBatch, type CycleBatchResult } from "../src/sim/cycle/batch.js";
import { prepareNetwork } from "../src/sim/exact/prepare.js";
import { simulateExact } from "../src/sim/exact/simulate.js";
import { timeIt, type BenchTable } from "./table.js";

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
  const ort = (await timeIt(() => runOnnxRuntime(model, xOrt, nOrt, [1, 28, 28]), 3)) / nOrt;
  const configs = [["loihi2", "alpha", TICKS_PER_WINDOW], ["loihi2", "b1", TICKS_PER_WINDOW], ["loihi1", "alpha", TICKS_PER_WINDOW], ["loihi2", "alpha", SEARCHED_TICKS]] as const;
  for (const [targetId, neuron, ticksPerWindow] of configs) {
    const compiled = compile(model, "test/fixtures/fmnist_calib_x.npy", { model: neuron });
    const target = loadTarget(targetId);
    const { hw } = lowerToHw(compiled.net, target, ticksPerWindow);
    const prepared = prepareNetwork(compiled.net);
    const exact = (await timeIt(() => simulateExact(compiled.net, x, nSim, { prepared }), 3)) / nSim;
    const exactLogits = simulateExact(compiled.net, x, nSim, { prepared }).logits;
    const prog = compileCycle(hw, target);
    let r: CycleBatchResult | null = null;
    const cycle = (await timeIt(() => (r = simulateCycleBatch(prog, x, nSim)), 3)) / nSim;
    const res = r as unknown as CycleBatchResult;
    const events = res.stats.synapticEvents / nSim;
    rows.push([
      `lenet5_fmnist ${neuron}`, targetId, hw.ticks, nSim, ort, exact, cycle, cycle / ort, cycle / exact,
      `${(events / 1000).toFixed(0)}k`, `${((events / cycle) * 1e3 / 1e6).toFixed(1)} M`, `${(100 * argmaxAgreement(res.logits, exactLogits, nSim)).toFixed(1)} %`,
    ]);
  }
  return {
    title: "Cycle simulation vs exact simulation vs onnxruntime (ms per sample)",
    headers: ["model", "target", "ticks", "samples", "onnxruntime", "exact SNN", "cycle", "cycle/ort", "cycle/exact", "events/sample", "events/s", "cycle=exact"],
    rows,
    notes: [
      `HW IR from lowerToHw at ${TICKS_PER_WINDOW} ticks per window (${SEARCHED_TICKS} in the last row: the tick search's pick on loihi2); one thread; onnxruntime on ${nOrt} samples, the simulators on ${nSim}.`,
      "goal: cycle ≤ 10× onnxruntime. Not met: the engine adds one contribution per synaptic event (~520k per lenet5 sample, about the ANN's MACs, scalar JS vs SIMD) and updates a neuron at every tick it gets input (~64k per sample, a third from the layer clocks).",
      "measured 2026-11 (2 shared vCPUs): conv/dense projections, power-of-two rings and fixed-point sleep took alpha 5.1 → 4.6 ms and b1 3.6 → 2.7 ms per sample; ~1/3 of the time is routing, ~2/3 neuron updates.",
      "cycle=exact: share of samples whose cycle argmax equals the exact simulation's (quantization in time and weights).",
    ],
  };
}
