/** The two fixture models: the importer + executor agree with onnxruntime on every test image. */
import { describe, expect, it } from "vitest";
import { execute } from "../../src/ann/execute.js";
import { product } from "../../src/ann/graph.js";
import { readNpy } from "../../src/io/npy.js";
import { importOnnx } from "../../src/onnx/index.js";
import { agreement, asFloat32, runOrt } from "../helpers/ort.js";

const cases = [
  { model: "test/fixtures/lenet5_fmnist.onnx", data: "test/fixtures/fmnist_test_x.npy" },
  { model: "test/fixtures/mlp_digits.onnx", data: "test/fixtures/digits_test_x.npy" },
];

describe.each(cases)("$model", ({ model, data }) => {
  it("agrees with onnxruntime on all test images (max error ≤ 1e-5·max|y|, same argmax)", async () => {
    const graph = importOnnx(model);
    const x = readNpy(data);
    const inputShape = graph.nodes[0].shape;
    const batch = x.data.length / product(inputShape);
    expect(Number.isInteger(batch)).toBe(true);
    const input = asFloat32(x.data);
    const ours = execute(graph, input, batch).get(graph.output)!;
    const ref = await runOrt(model, graph.inputName, [batch, ...inputShape], input);
    const classes = product(graph.nodes.find((n) => n.id === graph.output)!.shape);
    const a = agreement(ours, ref, classes);
    console.log(`${model}: ${batch} images, max |diff| ${a.maxDiff.toExponential(2)}, max |y| ${a.maxAbs.toFixed(3)}, argmax agree ${a.argmaxAgree}/${a.samples}`);
    expect(a.maxDiff).toBeLessThanOrEqual(1e-5 * a.maxAbs);
    expect(a.argmaxAgree).toBe(a.samples);
  });
});
