/**
 * compile / simulate / verify as a user runs them: outputs, exit codes, and one clear message (exit 2, no output file)
 * for each kind of bad input.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeNpy, readNpy } from "../../src/io/npy.js";
import { OnnxBuilder } from "../helpers/onnx-builder.js";
import { execute } from "../../src/ann/execute.js";
import { importOnnx } from "../../src/onnx/import.js";
import { compareLogits } from "../../src/verify/compare.js";
import { runCli } from "../helpers/cli.js";
import { scratchDir } from "../helpers/scratch.js";

const FIX = "test/fixtures";
const MLP = `${FIX}/mlp_digits.onnx`;
const CALIB = `${FIX}/digits_calib_x.npy`;
const TEST_X = `${FIX}/digits_test_x.npy`;
const TEST_Y = `${FIX}/digits_test_y.npy`;

let tmp: string;
beforeAll(() => {
  tmp = scratchDir("spikec-cli-");
});

describe("compile → simulate", () => {
  it("writes network.json, network.bin and report.json, simulate's logits equal the float64 ANN's", async () => {
    const out = join(tmp, "mlp");
    const c = await runCli(["compile", MLP, "--calib", CALIB, "-o", out]);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/\/0\/Gemm\s+spiking/);
    expect(c.stdout).toMatch(/totals: 100 spiking neurons/);
    for (const f of ["network.json", "network.bin", "report.json"]) expect(existsSync(join(out, f))).toBe(true);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.totals.synapses).toBe(64 * 100 + 100 * 10);
    const logits = join(tmp, "logits.npy");
    const s = await runCli(["simulate", out, "--input", TEST_X, "--output", logits]);
    expect(s.code).toBe(0);
    const v = await runCli(["verify", MLP, "--calib", CALIB, "--input", TEST_X, "--labels", TEST_Y, "--json"]);
    expect(v.code).toBe(0);
    const doc = JSON.parse(v.stdout);
    expect(doc.snnVsAnn.agreement).toBe(1);
    expect(doc.annVsOnnxruntime.agreement).toBe(1);
    const l = readNpy(logits);
    expect(l.shape).toEqual([597, 10]);
    expect(l.dtype).toBe("<f8");
    const ann = importOnnx(MLP);
    const ref = execute(ann, readNpy(TEST_X).data, 597).get(ann.output)!;
    const cmp = compareLogits(ref, l.data, 597);
    expect(cmp.agreeing).toBe(597);
    expect(cmp.maxAbsDelta).toBeLessThanOrEqual(1e-9 * cmp.maxAbsReference);
  });

  it("simulate counts spikes before their window, as verify does (audit: only clipped inputs were said)", async () => {
    // Calibrated on 4 samples with no margin: other in-range inputs drive hidden layers past their windows.
    const x = readNpy(CALIB);
    const few = join(tmp, "few.npy");
    writeFileSync(few, encodeNpy([4, 64], x.data.subarray(0, 4 * 64)));
    const out = join(tmp, "mlp-few");
    expect((await runCli(["compile", MLP, "--calib", few, "-o", out, "--margin", "0", "--input-range", "0,16", "--no-html"])).code).toBe(0);
    const s = await runCli(["simulate", out, "--input", TEST_X, "--output", join(tmp, "few-logits.npy"), "--json"]);
    const doc = JSON.parse(s.stdout);
    const v = JSON.parse((await runCli(["verify", MLP, "--calib", few, "--input", TEST_X, "--margin", "0", "--input-range", "0,16", "--no-onnxruntime", "--json"])).stdout);
    const early = (v.layers as { early: number }[]).reduce((a, l) => a + l.early, 0);
    expect(early).toBeGreaterThan(0);
    expect(doc).toMatchObject({ clippedInputs: 0, earlySpikes: early });
    const text = await runCli(["simulate", out, "--input", TEST_X, "--output", join(tmp, "few-logits.npy")]);
    expect(text.stdout).toContain(`; ${early} spikes before their window (activations beyond the calibrated windows: these logits are not the ANN's; spikec verify measures the difference)`);
    // A failed verify (exit 1) says what to try, from the causes it measured (an audit: no hint at all).
    const failed = await runCli(["verify", MLP, "--calib", few, "--input", TEST_X, "--margin", "0", "--input-range", "0,16", "--no-onnxruntime"]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`try: a larger --margin, or calibration data that covers these inputs (${early} early spikes, neurons × inputs: activations above the windows calibrated on ${few})`);
  });

  it("b1 on a chip without programmable neurons: refused before the mapping (exit 3), naming the model as typed", async () => {
    const out = join(tmp, "b1-loihi1");
    const r = await runCli(["compile", MLP, "--calib", CALIB, "--neuron", "b1", "--target", "loihi1", "-o", out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`^spikec: ${MLP.replace(/[./]/g, "\\$&")}: the b1 neuron model needs a two-phase neuron`));
    expect(existsSync(out)).toBe(false);
  });

  it("compiles byte-identical files twice (deterministic)", async () => {
    const a = join(tmp, "det-a");
    const b = join(tmp, "det-b");
    expect((await runCli(["compile", MLP, "--calib", CALIB, "-o", a, "--json"])).code).toBe(0);
    expect((await runCli(["compile", MLP, "--calib", CALIB, "-o", b, "--json"])).code).toBe(0);
    for (const f of ["network.json", "network.bin", "report.json"]) expect(readFileSync(join(a, f))).toEqual(readFileSync(join(b, f)));
  });

  it("--json prints only JSON", async () => {
    const r = await runCli(["compile", MLP, "--calib", CALIB, "-o", join(tmp, "json"), "--json"]);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });
});

describe("bad inputs: one clear message, exit 2, no output", () => {
  async function expectRefused(args: string[], message: RegExp, outDir?: string) {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/try: /);
    if (outDir) expect(existsSync(outDir)).toBe(false);
  }

  it("a truncated .onnx", async () => {
    const bytes = readFileSync(MLP);
    const path = join(tmp, "truncated.onnx");
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const out = join(tmp, "o-trunc");
    await expectRefused(["compile", path, "--calib", CALIB, "-o", out], /truncated\.onnx/, out);
  });

  it("a file that is not ONNX", async () => {
    const path = join(tmp, "notes.onnx");
    writeFileSync(path, "these are my notes, not a model\n".repeat(10));
    const out = join(tmp, "o-text");
    await expectRefused(["compile", path, "--calib", CALIB, "-o", out], /notes\.onnx.*(not a valid ONNX|ONNX)/s, out);
  });

  it("an unsupported op names the node, the op and what is supported", async () => {
    const b = new OnnxBuilder({ opset: 13 });
    const x = b.input("x", [64]);
    const h = b.gemm(x, { b: b.randn([16, 64]), transB: 1 });
    const s = b.node("Sigmoid", [h], {}, 1, "my_sigmoid")[0]!;
    b.output(b.gemm(s, { b: b.randn([10, 16]), transB: 1 }));
    const path = join(tmp, "sigmoid.onnx");
    writeFileSync(path, b.toBytes());
    const out = join(tmp, "o-sig");
    await expectRefused(["compile", path, "--calib", CALIB, "-o", out], /my_sigmoid.*Sigmoid/s, out);
    const r = await runCli(["compile", path, "--calib", CALIB, "-o", out]);
    expect(r.stderr).toMatch(/Relu/); // the supported list
  });

  it("NaN weights", async () => {
    const b = new OnnxBuilder({ opset: 13 });
    const x = b.input("x", [64]);
    const w = b.randn([10, 64]);
    (w.data as Float32Array)[5] = NaN;
    b.output(b.gemm(x, { b: w, transB: 1 }));
    const path = join(tmp, "nan.onnx");
    writeFileSync(path, b.toBytes());
    const out = join(tmp, "o-nan");
    await expectRefused(["compile", path, "--calib", CALIB, "-o", out], /NaN/, out);
  });

  it("a wrong-shaped .npy names the file, its shape and the shape expected", async () => {
    const path = join(tmp, "wrong.npy");
    writeFileSync(path, encodeNpy([5, 63], new Float64Array(5 * 63)));
    const out = join(tmp, "o-shape");
    await expectRefused(["compile", MLP, "--calib", path, "-o", out], /wrong\.npy has shape \[5, 63\].*\[N, 64\]/s, out);
    await expectRefused(["simulate", join(tmp, "mlp"), "--input", path, "--output", join(tmp, "never.npy")], /wrong\.npy has shape/);
    expect(existsSync(join(tmp, "never.npy"))).toBe(false);
  });

  it("a .npy that is not one, and a missing file", async () => {
    const path = join(tmp, "fake.npy");
    writeFileSync(path, "not numpy");
    await expectRefused(["compile", MLP, "--calib", path, "-o", join(tmp, "o-fake")], /fake\.npy is not a \.npy file/);
    await expectRefused(["compile", MLP, "--calib", join(tmp, "absent.npy"), "-o", join(tmp, "o-abs")], /absent\.npy/);
  });

  it("refuses to overwrite an input", async () => {
    const r = await runCli(["simulate", join(tmp, "mlp"), "--input", TEST_X, "--output", TEST_X]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/also an input/);
  });
});

describe("output into a pipe that closes early (spikec … | head -1)", () => {
  it("drops the rest quietly and keeps the command's own exit code and files (the launcher, as installed)", () => {
    // Audit 2026-11-27: an unhandled EPIPE ended verify with a stack trace and exit 1, verify's "does not match".
    const out = join(tmp, "piped");
    const r = spawnSync("bash", ["-c", `"${process.execPath}" bin/spikec.js verify ${MLP} --calib ${CALIB} --input ${TEST_X} -o "${out}" --no-html | head -c 1 >/dev/null; echo "rc=\${PIPESTATUS[0]}"`], { encoding: "utf8" });
    expect(r.stderr).not.toMatch(/EPIPE|internal error|\n\s+at /);
    expect(r.stdout).toBe("rc=0\n");
    expect(existsSync(join(out, "report.json"))).toBe(true);
  });
});
