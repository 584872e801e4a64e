/**
 * Cycle-level simulation (the chip's integer arithmetic, tick by tick) vs the exact continuous-time simulation vs
 * onnxruntime on lenet5_fmnist, measured in one run: ms per sample, synaptic events per second, ratios. The HW IR
 * is the real lowering (lowerToHw) at a fixed 16 ticks per window; agreement is the cycle argmax vs the exact one.
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
  for (const [targetId, neuron] of [["loihi2", "alpha"], ["loihi2", "b1"], ["loihi1", "alpha"]] as const) {
    const compiled = compile(model, "test/fixtures/fmnist_calib_x.npy", { model: neuron });
    const target = loadTarget(targetId);
    const { hw } = lowerToHw(compiled.net, target, TICKS_PER_WINDOW);
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
      `HW IR from lowerToHw at ${TICKS_PER_WINDOW} ticks per window; one thread; onnxruntime on ${nOrt} samples, the simulators on ${nSim}.`,
      "goal: cycle ≤ 10× onnxruntime (the cycle engine does one scattered add per synaptic event, so its floor is the event count, not the MACs).",
      "cycle=exact: share of samples whose cycle argmax equals the exact simulation's (quantization in time and weights).",
    ],
  };
}
