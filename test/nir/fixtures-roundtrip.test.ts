/**
 * The compiled fixtures through NIR: export → write → read → import → simulate gives the same logits bit for bit,
 * and the exported files pass `spikec nir check` with consistent types.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, loadSamples } from "../../src/compile.js";
import { checkNir } from "../../src/nir/check.js";
import { exportNir } from "../../src/nir/export.js";
import { importNir } from "../../src/nir/import.js";
import { readNir } from "../../src/nir/read.js";
import { writeNir } from "../../src/nir/write.js";
import { simulateExact } from "../../src/sim/exact/simulate.js";
import { tempDir } from "./helpers.js";
import { encodeWithSidecar } from "../../src/io/sidecar.js";
import { networkForDisk } from "../../src/snn/serialize.js";

const FIX = "test/fixtures";
const cases = [
  { name: "mlp_digits", model: `${FIX}/mlp_digits.onnx`, calib: `${FIX}/digits_calib_x.npy`, x: `${FIX}/digits_test_x.npy` },
  { name: "lenet5_fmnist", model: `${FIX}/lenet5_fmnist.onnx`, calib: `${FIX}/fmnist_calib_x.npy`, x: `${FIX}/fmnist_test_x.npy` },
];

describe.each(cases)("$name through NIR", (c) => {
  it.each(["alpha", "b1"] as const)("%s: identical network and logits after the round trip; the file checks valid", async (model) => {
    const { net, ann } = compile(c.model, c.calib, { model });
    const file = join(tempDir(), `${c.name}-${model}.nir`);
    const t0 = performance.now();
    await writeNir(file, exportNir(net));
    const exportMs = performance.now() - t0;
    const back = importNir(await readNir(file));
    expect(back).toStrictEqual(net);
    // And the same bytes on disk (key order too: conv projections and max-pool gates).
    expect(encodeWithSidecar(networkForDisk(back), "network.bin").json).toBe(encodeWithSidecar(networkForDisk(net), "network.bin").json);
    expect(encodeWithSidecar(networkForDisk(net), "network.bin").json).toBe(encodeWithSidecar(net, "network.bin").json);
    const test = loadSamples(c.x, ann.nodes[0]!.shape);
    const n = Math.min(test.count, 64);
    const x = test.array.data.subarray(0, n * (test.array.data.length / test.count));
    const a = simulateExact(net, Float64Array.from(x), n).logits;
    const b = simulateExact(back, Float64Array.from(x), n).logits;
    expect(Array.from(b)).toEqual(Array.from(a));
    const report = await checkNir(file);
    expect(report.errors).toEqual([]);
    expect(exportMs).toBeLessThan(10_000);
  }, 120_000);
});
