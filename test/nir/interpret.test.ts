/**
 * The NIR interpreter runs the exported fixtures (continuous time, exact events) and reproduces the exact
 * simulator: the same class on every image and logits within 1e-6 × max |logit|, for both neuron models.
 */
import { describe, expect, it } from "vitest";
import { compile, loadSamples } from "../../src/compile.js";
import { exportNir } from "../../src/nir/export.js";
import { interpretNir, interpretTtfs, valueAt } from "../../src/nir/interpret.js";
import { nirGraph } from "../../src/nir/graph.js";
import { ifNeuron } from "../../src/nir/nodes/if.js";
import { input } from "../../src/nir/nodes/input.js";
import { integrator } from "../../src/nir/nodes/integrator.js";
import { linear } from "../../src/nir/nodes/linear.js";
import { output } from "../../src/nir/nodes/output.js";
import { f64 } from "../../src/nir/tensor.js";
import { encodeInput } from "../../src/sim/exact/encode.js";
import { simulateExact } from "../../src/sim/exact/simulate.js";
import { inputOf } from "../../src/snn/network.js";

const FIX = "test/fixtures";
const IMAGES = 100;
const cases = [
  { name: "mlp_digits", model: `${FIX}/mlp_digits.onnx`, calib: `${FIX}/digits_calib_x.npy`, x: `${FIX}/digits_test_x.npy` },
  { name: "lenet5_fmnist", model: `${FIX}/lenet5_fmnist.onnx`, calib: `${FIX}/fmnist_calib_x.npy`, x: `${FIX}/fmnist_test_x.npy` },
];

function argmax(v: Float64Array, from: number, n: number): number {
  let best = from;
  for (let i = from; i < from + n; i++) if (v[i]! > v[best]!) best = i;
  return best - from;
}

describe("NIR interpreter: primitives", () => {
  it("I → Linear → IF crosses in closed form; a Dirac into IF jumps the membrane", () => {
    // v(t) = 2·[t − 1]_+ + 0.5·[t − 2]_+ crosses θ = 3 at t = 2.4; neuron b gets a Dirac of 4 at t = 1 (θ = 3)
    const g = nirGraph(
      {
        in: input([2]),
        syn: integrator({ r: f64([1, 1], [2]) }),
        w: linear(f64([2, 0.5, 0, 0], [2, 2])),
        direct: linear(f64([0, 0, 4, 0], [2, 2])),
        n: ifNeuron({ r: f64([1, 1], [2]), v_threshold: f64([3, 3], [2]), v_reset: f64([-1e30, -1e30], [2]) }),
        out: output([2]),
      },
      [["in", "syn"], ["syn", "w"], ["in", "direct"], ["w", "n"], ["direct", "n"], ["n", "out"]],
    );
    const r = interpretNir(g, { in: Float64Array.of(1, 2) }, { record: (n) => n === "n" });
    const spikes = r.signals.get("n")!.events;
    expect(Array.from(spikes.t.subarray(0, spikes.n))).toEqual([1, 2.4]);
    expect(Array.from(spikes.i.subarray(0, spikes.n))).toEqual([1, 0]);
    expect(Array.from(valueAt(r.outputs.get("out")!, 5))).toEqual([0, 0]);
  });
});

describe.each(cases)("NIR interpreter on exported $name", (c) => {
  it.each(["alpha", "b1"] as const)("%s: same classes and logits as the exact simulator on 100 test images", (model) => {
    const { net, ann } = compile(c.model, c.calib, { model });
    const graph = exportNir(net);
    const test = loadSamples(c.x, ann.nodes[0]!.shape);
    const per = test.array.data.length / test.count;
    const x = Float64Array.from(test.array.data.subarray(0, IMAGES * per));
    const exact = simulateExact(net, x, IMAGES).logits;
    const times = encodeInput(inputOf(net), net.model, x).times;
    const nir = interpretTtfs(graph, times, IMAGES);
    const classes = exact.length / IMAGES;
    let agree = 0;
    let maxDiff = 0;
    let maxAbs = 0;
    for (let b = 0; b < IMAGES; b++) if (argmax(exact, b * classes, classes) === argmax(nir, b * classes, classes)) agree++;
    for (let i = 0; i < exact.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(exact[i]! - nir[i]!));
      maxAbs = Math.max(maxAbs, Math.abs(exact[i]!));
    }
    console.log(`${c.name} ${model}: agreement ${agree}/${IMAGES}, max |Δlogit| ${maxDiff.toExponential(2)} (max |logit| ${maxAbs.toFixed(3)})`);
    expect(agree).toBe(IMAGES);
    expect(maxDiff).toBeLessThanOrEqual(1e-6 * maxAbs);
  }, 300_000);
});
