/** Exact SNN simulation vs onnxruntime (and our float64 ANN executor) on the same model and inputs, one thread each. */
import { execute } from "../src/ann/execute.js";
import { compile, loadSamples } from "../src/compile.js";
import { onnxRuntimeRunner } from "../src/reference/onnxruntime.js";
import { prepareNetwork } from "../src/sim/exact/prepare.js";
import { simulateExact } from "../src/sim/exact/simulate.js";
import { timeRounds, type BenchTable } from "./table.js";

export async function exactVsOnnxruntime(): Promise<BenchTable> {
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  for (const [name, model, calib, test] of [
    ["lenet5_fmnist", "test/fixtures/lenet5_fmnist.onnx", "test/fixtures/fmnist_calib_x.npy", "test/fixtures/fmnist_test_x.npy"],
    ["mlp_digits", "test/fixtures/mlp_digits.onnx", "test/fixtures/digits_calib_x.npy", "test/fixtures/digits_test_x.npy"],
  ] as const) {
    for (const neuron of ["alpha", "b1"] as const) {
      const compiled = compile(model, calib, { model: neuron });
      const shape = compiled.ann.nodes[0]!.shape;
      const { array, count } = loadSamples(test, shape);
      const n = Math.min(count, 500);
      const x = array.data.subarray(0, n * shape.reduce((a, b) => a * b, 1));
      const prepared = prepareNetwork(compiled.net);
      const runner = await onnxRuntimeRunner(model, x, n, shape);
      const [ort, ann, snn] = await timeRounds([() => runner.run(), () => execute(compiled.ann, x, n), () => simulateExact(compiled.net, x, n, { prepared })], 7);
      await runner.release();
      const stats = simulateExact(compiled.net, x, n, { prepared }).stats;
      const scanned = [...stats.values()].reduce((a, s) => a + s.scanned, 0);
      const neurons = [...stats.values()].reduce((a, s) => a + s.neurons, 0);
      rows.push([name, neuron, n, ort / n, ann / n, snn / n, snn / ort, snn / ann, `${((100 * scanned) / neurons).toFixed(2)} %`]);
    }
  }
  notes.push("ratio = exact SNN simulation time / onnxruntime time (goal ≤ 3 on lenet5_fmnist); batch of up to 500 inputs per call, one thread; medians of 7 interleaved rounds; onnxruntime's time is inference only (session created and inputs converted to float32 beforehand, as the simulators' constants are prepared beforehand)");
  notes.push("SNN/ANN = exact SNN time / our float64 ANN executor (the same kernels in both: WebAssembly SIMD f64x2 for conv and dense when the runtime has it, JS with SPIKEC_SIMD=0; except alpha's all-conv populations, whose drive and its excitatory part, needed by the no-premature-crossing proof, come from one pass, src/ann/kernels/conv2d-signed.ts); inspected = neurons checked input by input because the population-wide bounds could not prove the absence of a premature crossing");
  notes.push("the ≤ 3 goal is out of reach here: the SNN must compute every projection in float64 (its logits are exact to 1e-9; float32 is not), and lenet5's 416k multiply-adds per sample at our kernels' best rate (~6 G/s: WebAssembly f64x2 without fused multiply-add, ~2 per cycle) take ~0.07 ms alone, about 3× onnxruntime's float32 kernels (8–16 lanes with fused multiply-add on this AVX-512 CPU), before the decoding, the gates, the closed form and the proof");
  return {
    title: "Exact simulation vs onnxruntime (ms per sample)",
    headers: ["model", "neuron", "samples", "onnxruntime", "ANN float64", "SNN exact", "SNN/ort", "SNN/ANN", "inspected"],
    rows,
    notes,
  };
}
